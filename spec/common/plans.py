"""How a training setup runs in each tier: one plan type for every claim test.

A setup's :class:`TierPlans` give its :class:`Plan` in the quick tier (short enough to run on
every change) and in the document tier (the document's own horizon, at least five seeds). A
plan's seeds are the suite's seed numbers; :meth:`Plan.seeded` adds ``--seed-base``.
"""

from __future__ import annotations

from dataclasses import dataclass

from initspec.plugin.evidence import Evidence

TIERS = ("quick", "document")


@dataclass(frozen=True)
class Plan:
    """How one training setup runs in a tier: the steps it trains, the document's own steps
    (None where the document gives no horizon for the claim), its seeds, and the most seeds it
    may grow to where the seeds leave its t interval undecided (None: it does not grow)."""

    steps: int
    document_steps: int | None
    seeds: tuple[int, ...]
    cap: int | None = None

    @property
    def most_seeds(self) -> int:
        """The most seeds its criteria may measure: ``cap``, or where it has none, its seeds."""
        return self.cap if self.cap is not None else len(self.seeds)

    def seeded(self, seed_base: int) -> tuple[int, ...]:
        """The plan's seeds with ``--seed-base`` added."""
        return tuple(seed_base + seed for seed in self.seeds)

    def record(self, evidence: Evidence) -> None:
        """Record the horizon of a test that judges this plan's runs."""
        evidence.horizon(steps=self.steps, document_steps=self.document_steps)


@dataclass(frozen=True)
class TierPlans:
    """One setup's plan in each tier, looked up by the tier's name: ``PLANS[tier]``."""

    quick: Plan
    document: Plan

    def __getitem__(self, tier: str) -> Plan:
        if tier == "quick":
            return self.quick
        if tier == "document":
            return self.document
        raise KeyError(f"no tier {tier!r}: the tiers are {', '.join(TIERS)}")
