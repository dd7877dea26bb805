"""A claim's latest result in each tier, side by side with its verdict of record.

An entry's ``results`` holds, per tier (``quick``, ``document``), the latest result measured
there: its verdict, ``steps`` and ``document_steps``, ``measured_at`` and ``commit``. The
verdict of record is the document tier's where there is one; a quick-tier result beside it is
shown as what it is, "quick: inconclusive at 150 of 1000 steps", never as a change of verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from initspec.judging.outcome import TIERS
from initspec.report.entry import ClaimEntry
from initspec.report.words import short_commit, steps_text


@dataclass(frozen=True)
class TierResult:
    """One tier's latest result, in words."""

    tier: str
    verdict: str
    text: str  # "inconclusive at 150 of 1000 steps"
    of_record: bool  # the tier the claim's verdict is taken from
    measured: str  # "2026-01-01T00:00:00+00:00 at commit abc1234", or empty


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def tier_result(tier: str, result: Mapping[str, Any], of_record: bool) -> TierResult:
    verdict = str(result.get("verdict", "not-run"))
    steps = steps_text(_count(result.get("steps")), _count(result.get("document_steps")))
    when = str(result.get("measured_at") or "")
    commit = result.get("commit")
    if when and isinstance(commit, str) and commit:
        when += f" at commit {short_commit(commit)}"
    return TierResult(
        tier=tier,
        verdict=verdict,
        text=f"{verdict} at {steps}" if steps else verdict,
        of_record=of_record,
        measured=when,
    )


def tier_results(entry: ClaimEntry) -> list[TierResult]:
    """The entry's results per tier, the document tier first; empty where only one tier (or
    none) was recorded, since the verdict itself says all there is."""
    results = {tier: r for tier, r in entry.results.items() if isinstance(r, Mapping)}
    if len(results) < 2:
        return []
    order = sorted(results, key=lambda t: -TIERS.index(t) if t in TIERS else 1)
    return [tier_result(tier, results[tier], tier == entry.tier) for tier in order]
