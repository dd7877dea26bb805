"""Merging this run's test outcomes into the earlier report's entries: one entry per claim.

A claim that some test of this run judged (any verdict but ``not-run``) gets a fresh entry from
all of this run's tests of it; the most serious verdict wins, in the order of
:data:`initspec.outcome.VERDICTS` (error > refuted > inconclusive > conditional > holds >
not-run). Any other claim keeps its earlier entry, marked not fresh, or is ``not-run``. Every
registry claim gets exactly one entry, so the counts by verdict add up to the registry's size.
Every entry also carries the verdict it had in the earlier report (``previous_verdict``), so
the report can list the verdicts that changed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from initspec.artifacts import strict
from initspec.claims import CLAIMS, Claim
from initspec.labs import lab_directory_name
from initspec.outcome import TIERS, VERDICTS, TestOutcome
from initspec.report.entry import ClaimEntry, Report, Seeds, TestVerdict

# A verdict's rank: lower is more serious.
_SERIOUSNESS = {verdict: rank for rank, verdict in enumerate(VERDICTS)}


def most_serious(verdicts: Iterable[str]) -> str:
    """The verdict that decides a claim judged by several tests (``not-run`` if none)."""
    return min(verdicts, key=_SERIOUSNESS.__getitem__, default="not-run")


def blank_entry(claim: Claim) -> ClaimEntry:
    """A claim's entry as the registry describes it, not yet measured."""
    lab = claim.source.lab
    return ClaimEntry(
        id=claim.id,
        source=claim.source.title,
        document=claim.source.document,
        statement=claim.statement,
        headline=claim.headline,
        lab_directory=lab_directory_name(lab) if lab else None,
    )


def _check_verdicts(outcomes: Sequence[TestOutcome]) -> None:
    for outcome in outcomes:
        if outcome.verdict not in _SERIOUSNESS:
            raise ValueError(f"{outcome.nodeid}: unknown verdict {outcome.verdict!r}")
        if outcome.tier not in TIERS:
            raise ValueError(f"{outcome.nodeid}: unknown tier {outcome.tier!r}")


def measured_entry(
    claim: Claim, outcomes: Sequence[TestOutcome], measured_at: str, commit: str | None
) -> ClaimEntry:
    """A claim's fresh entry from the outcomes of this run's tests that named it.

    The tier is the shortest of its tests' tiers and ``steps`` the fewest steps any of them
    trained: a verdict is at the document's horizon only if every test behind it was.
    """
    mine = [o for o in outcomes if claim.id in o.claims]
    ran = [o for o in mine if o.verdict != "not-run"]  # a skipped test trained nothing
    seeded = [o for o in mine if o.seeds_run]
    steps = [o.steps for o in ran if o.steps is not None]
    document_steps = [o.document_steps for o in ran if o.document_steps is not None]
    return dataclasses.replace(
        blank_entry(claim),
        verdict=most_serious(o.verdict for o in mine),
        tests=[TestVerdict(o.nodeid, o.verdict) for o in mine],
        criteria=[strict(dataclasses.asdict(c)) for o in mine for c in o.criteria],
        evidence={o.nodeid: strict(o.evidence) for o in mine},
        seeds=Seeds(sum(o.seeds_run for o in seeded), sum(o.seeds_held for o in seeded))
        if seeded
        else None,
        conditions=[o.condition for o in mine if o.condition],
        notes=[o.note for o in mine if o.note],
        artifacts=sorted({a for o in mine for a in o.artifacts}),
        tier=min((o.tier for o in ran), key=TIERS.index, default=None),
        steps=min(steps, default=None),
        document_steps=max(document_steps, default=None),
        commit=commit,
        measured_at=measured_at,
        fresh=True,
    )


def merge(
    outcomes: Sequence[TestOutcome],
    earlier: Iterable[ClaimEntry],
    now: str,
    commit: str | None,
    *,
    previous_generated_at: str | None = None,
) -> Report:
    """The report after this run: fresh entries for what it judged, earlier ones for the rest.

    An earlier entry keeps its verdict and figures; what the registry says (statement, source,
    lab directory) is taken from the registry as it is now. ``previous_generated_at`` is when
    the earlier report was generated, if it says.
    """
    _check_verdicts(outcomes)
    before = {entry.id: entry for entry in earlier}
    kept = {claim_id: entry for claim_id, entry in before.items() if entry.verdict != "not-run"}
    judged = {claim_id for o in outcomes if o.verdict != "not-run" for claim_id in o.claims}
    entries = []
    for claim in CLAIMS.values():
        if claim.id in judged:
            entry = measured_entry(claim, outcomes, now, commit)
        elif claim.id in kept:
            entry = dataclasses.replace(as_registry_says(kept[claim.id]), fresh=False)
        else:
            entry = blank_entry(claim)
        previous = before[claim.id].verdict if claim.id in before else None
        entries.append(dataclasses.replace(entry, previous_verdict=previous))
    return Report(
        generated_at=now,
        commit=commit,
        claims=entries,
        previous_generated_at=previous_generated_at,
    )


def as_registry_says(entry: ClaimEntry) -> ClaimEntry:
    """``entry`` with what the registry says about its claim today (statement, source, lab)."""
    blank = blank_entry(CLAIMS[entry.id])
    return dataclasses.replace(
        entry,
        source=blank.source,
        document=blank.document,
        statement=blank.statement,
        headline=blank.headline,
        lab_directory=blank.lab_directory,
    )
