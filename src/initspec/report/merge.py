"""Merging this run's test outcomes into the earlier report's entries: one entry per claim.

A claim's verdict comes from all of its tests, merged test by test, per tier. Each entry keeps,
for each tier (``quick``, ``document``), the latest result of every test of the claim
(``results[tier]["tests"]``: verdict, criteria, evidence, seeds, condition, note, artifacts,
sensitivity rows, tier, steps, when and at which commit): a test this run judged replaces its
earlier result; a test this run did not run (deselected, skipped) keeps its earlier one, marked
``fresh: false``. A tier's verdict is the most serious of its tests', in the order of
:data:`initspec.judging.outcome.VERDICTS` (error > refuted > inconclusive > conditional > holds >
not-run), so a run of some of a claim's tests never hides the verdict of the others.

The verdict of record (the entry's own ``verdict``, ``criteria``, ``tier``, ...) is the
document tier's where the claim has one, else the quick tier's: a quick run of the same code
never replaces a document-tier verdict; it is kept beside it in ``results["quick"]``. A quick
run of newer code (another commit) is of record until the document tier runs on that code, and
the older document-tier result stays beside it with its commit (:func:`record_tier`).
``previous_verdict`` is the verdict the earlier report had in the same tier (None where it had
none; where that report measured the same commit, the verdict its result replaced, so partial
runs of one commit list every change against the previous code), so the list of verdicts that
changed compares like with like; each tier's result carries
its own ``previous_verdict`` too, and ``previous_outcomes`` the criteria's outcomes in the
earlier report's result of that tier. Every registry claim gets exactly one entry, so the
counts by verdict add up to the registry's size.

Reports written before per-test results (an entry with ``tests`` but no ``results``) are read
as one result of the entry's tier; where such an entry had several tests, its criteria, notes
and conditions cannot be told apart by test, so a test of it that a later run does not rerun
keeps its verdict and evidence, and a note says its criteria were recorded with the others.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from initspec.claims.lab_directories import lab_directory_name
from initspec.claims.registry import CLAIMS, Claim
from initspec.judging.outcome import TIERS, VERDICTS, TestOutcome
from initspec.report.entry import ClaimEntry, Report, Seeds, TestVerdict
from initspec.runtime.artifacts import strict

# A verdict's rank: lower is more serious.
_SERIOUSNESS = {verdict: rank for rank, verdict in enumerate(VERDICTS)}
# The tier whose verdict is of record where a claim has results in several.
RECORD_ORDER = ("document", "quick")

# One test's latest result in one tier, as claims.json stores it.
Record = dict[str, Any]

LEGACY_NOTE = (
    "its criteria, notes and conditions were recorded together with the claim's other tests "
    "(before per-test results) and are not shown apart; run it again to show them"
)


@dataclasses.dataclass(frozen=True)
class Batch:
    """Outcomes of one run: when it measured them and at which commit.

    ``collected`` maps each test module the run collected whole (no ``-k``, no node IDs) to the
    claim tests it holds: an earlier result of a test of such a module that is not among them
    belongs to a test that no longer exists (renamed, removed), and is dropped."""

    outcomes: Sequence[TestOutcome]
    measured_at: str
    commit: str | None
    collected: Mapping[str, frozenset[str]] = dataclasses.field(default_factory=dict)

    def gone(self, test: str) -> bool:
        """Whether ``test`` no longer exists, as far as this run's collection shows."""
        tests = self.collected.get(test.split("::", 1)[0])
        return tests is not None and test not in tests


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
        assumptions=assumptions_of(claim),
    )


def assumptions_of(claim: Claim) -> list[dict[str, Any]]:
    """The registry's setup choices for ``claim``: {parameter, value, why, plausible}."""
    return [
        {"parameter": a.parameter, "value": a.value, "why": a.why, "plausible": list(a.plausible)}
        for a in claim.assumptions
    ]


def _check_verdicts(outcomes: Sequence[TestOutcome]) -> None:
    for outcome in outcomes:
        if outcome.verdict not in _SERIOUSNESS:
            raise ValueError(f"{outcome.nodeid}: unknown verdict {outcome.verdict!r}")
        if outcome.tier not in TIERS:
            raise ValueError(f"{outcome.nodeid}: unknown tier {outcome.tier!r}")


def record_of(outcome: TestOutcome, measured_at: str, commit: str | None) -> Record:
    """One test's result as claims.json keeps it (``fresh``: measured in the latest run)."""
    return {
        "test": outcome.nodeid,
        "verdict": outcome.verdict,
        "tier": outcome.tier,
        "steps": outcome.steps,
        "document_steps": outcome.document_steps,
        "seeds": {"run": outcome.seeds_run, "held": outcome.seeds_held}
        if outcome.seeds_run
        else None,
        "criteria": [strict(dataclasses.asdict(c)) for c in outcome.criteria],
        "evidence": strict(outcome.evidence),
        "condition": outcome.condition,
        "note": outcome.note,
        "artifacts": list(outcome.artifacts),
        "sensitivity": [strict(dataclasses.asdict(row)) for row in outcome.sensitivity],
        "measured_at": measured_at,
        "commit": commit,
        "fresh": True,
    }


def tier_result(records: Sequence[Record], previous_verdict: str | None) -> dict[str, Any]:
    """A tier's result from its tests' records: the most serious verdict; the fewest steps
    any test that ran trained; the latest time and commit any of them was measured at."""
    ran = [r for r in records if r["verdict"] != "not-run"]
    latest = max(ran or records, key=lambda r: r.get("measured_at") or "")
    steps = [r["steps"] for r in ran if r.get("steps") is not None]
    document_steps = [r["document_steps"] for r in ran if r.get("document_steps") is not None]
    return {
        "verdict": most_serious(r["verdict"] for r in records),
        "tier": latest.get("tier"),
        "steps": min(steps, default=None),
        "document_steps": max(document_steps, default=None),
        "measured_at": latest.get("measured_at"),
        "commit": latest.get("commit"),
        "fresh": any(r.get("fresh") for r in ran),
        "previous_verdict": previous_verdict,
        "tests": list(records),
    }


def legacy_results(entry: ClaimEntry) -> dict[str, dict[str, Any]]:
    """An entry of a report written before per-test results, as one result of its tier."""
    if entry.verdict == "not-run":
        return {}
    tier = entry.tier or TIERS[0]
    single = len(entry.tests) == 1
    records = [
        {
            "test": test.test,
            "verdict": test.verdict,
            "tier": tier,
            "steps": entry.steps,
            "document_steps": entry.document_steps,
            "seeds": dataclasses.asdict(entry.seeds) if single and entry.seeds else None,
            "criteria": list(entry.criteria) if single else [],
            "evidence": dict(entry.evidence.get(test.test, {})),
            "condition": "; ".join(entry.conditions) or None if single else None,
            "note": "; ".join(entry.notes) or None if single else LEGACY_NOTE,
            "artifacts": list(entry.artifacts) if single else [],
            "sensitivity": [],
            "measured_at": entry.measured_at,
            "commit": entry.commit,
            "fresh": False,
        }
        for test in entry.tests
    ]
    result = {
        "verdict": entry.verdict,
        "tier": tier,
        "steps": entry.steps,
        "document_steps": entry.document_steps,
        "measured_at": entry.measured_at,
        "commit": entry.commit,
        "fresh": False,
        "previous_verdict": entry.previous_verdict,
        "tests": records,
    }
    return {tier: result}


def earlier_results(
    entry: ClaimEntry | None, commit: str | None = None
) -> dict[str, dict[str, Any]]:
    """The earlier entry's results per tier, every test marked not fresh, each compared with
    itself (no change), unless it was measured at ``commit``: then it keeps the verdict it
    replaced, so a third run of one commit still lists the change a first one found."""
    if entry is None:
        return {}
    results = entry.results or legacy_results(entry)
    return {
        tier: {
            **result,
            "fresh": False,
            "previous_verdict": _baseline(result, commit),
            "tests": [{**record, "fresh": False} for record in result.get("tests", [])],
        }
        for tier, result in results.items()
    }


def _merged_records(earlier: Sequence[Record], fresh: Sequence[Record]) -> list[Record]:
    """Earlier records with each test this run judged replaced (a skipped test keeps its
    earlier result), then this run's tests that had none, in this run's order."""
    by_test = {r["test"]: r for r in fresh if r["verdict"] != "not-run"}
    known = {r["test"] for r in earlier}
    merged = [_newer(by_test.get(r["test"]), r) for r in earlier]
    merged += [r for r in fresh if r["test"] not in known and r["test"] in by_test]
    merged += [r for r in fresh if r["test"] not in known and r["test"] not in by_test]
    return merged


def _newer(fresh: Record | None, earlier: Record) -> Record:
    """``fresh`` unless it is missing or older than ``earlier`` (outcomes that waited to be
    written, merged after a later run's)."""
    if fresh is None or (fresh.get("measured_at") or "") < (earlier.get("measured_at") or ""):
        return earlier
    return fresh


def _outcomes_of(result: Mapping[str, Any] | None) -> dict[str, str]:
    if not result:
        return {}
    return {
        str(c["name"]): str(c["outcome"])
        for r in result.get("tests", [])
        for c in r.get("criteria", [])
    }


def _same_code(result: Mapping[str, Any], commit: str | None) -> bool:
    """Whether ``result`` was measured on the code of ``commit`` and recorded what it replaced."""
    return (
        commit is not None
        and result.get("commit") == commit
        and result.get("previous_verdict") is not None
    )


def _baseline(result: Mapping[str, Any], commit: str | None) -> str:
    """The verdict a tier's new result is compared with: the stored result's own, unless that
    was measured on this same code, whose baseline is the one it replaced. So the runs of one
    commit, each over part of the spec, list every change against the previous code's report."""
    return str(result["previous_verdict"] if _same_code(result, commit) else result["verdict"])


def record_tier(results: Mapping[str, Any]) -> str | None:
    """The tier whose result is the verdict of record: the document tier's where there is one,
    unless a later quick-tier result measured other code (another commit): a verdict older than
    the code is never passed off as current, so the newer code's verdict is of record and the
    document tier's stays beside it, marked with its own commit."""
    document, quick = results.get("document"), results.get("quick")
    newer_code = (
        document
        and quick
        and quick.get("commit") != document.get("commit")
        and (quick.get("measured_at") or "") > (document.get("measured_at") or "")
    )
    if newer_code:
        return "quick"
    return next((tier for tier in RECORD_ORDER if tier in results), None)


def _of_record(claim: Claim, results: dict[str, dict[str, Any]]) -> ClaimEntry:
    """The entry whose own fields are the verdict of record's, with every tier's result."""
    tier = record_tier(results)
    if tier is None:
        return blank_entry(claim)
    result = results[tier]
    records = result["tests"]
    seeded = [r["seeds"] for r in records if r.get("seeds")]
    return dataclasses.replace(
        blank_entry(claim),
        verdict=result["verdict"],
        tests=[TestVerdict(r["test"], r["verdict"]) for r in records],
        criteria=[c for r in records for c in r.get("criteria", [])],
        evidence={r["test"]: r.get("evidence", {}) for r in records},
        seeds=Seeds(sum(s["run"] for s in seeded), sum(s["held"] for s in seeded))
        if seeded
        else None,
        conditions=[r["condition"] for r in records if r.get("condition")],
        notes=[r["note"] for r in records if r.get("note")],
        artifacts=sorted({a for r in records for a in r.get("artifacts", [])}),
        tier=tier,
        steps=result.get("steps"),
        document_steps=result.get("document_steps"),
        commit=result.get("commit"),
        measured_at=result.get("measured_at"),
        fresh=bool(result.get("fresh")),
        previous_verdict=result.get("previous_verdict"),
        results=results,
        sensitivity=[
            {**row, "test": r["test"]} for r in records for row in r.get("sensitivity", [])
        ],
    )


def merged_entry(claim: Claim, before: ClaimEntry | None, batches: Sequence[Batch]) -> ClaimEntry:
    """The claim's entry after ``batches`` (oldest first) are merged into ``before``."""
    code = batches[-1].commit if batches else None
    results = earlier_results(before, code)
    stored = (before.results or legacy_results(before)) if before is not None else {}
    previous = {tier: _baseline(result, code) for tier, result in stored.items()}
    criteria_before = {tier: _outcomes_of(result) for tier, result in results.items()}
    if before is not None and before.tier in stored and _same_code(stored[before.tier], code):
        criteria_before[before.tier] = dict(before.previous_outcomes)
    touched: set[str] = set()
    for batch in batches:
        mine = [o for o in batch.outcomes if claim.id in o.claims]
        for tier in TIERS:
            fresh = [record_of(o, batch.measured_at, batch.commit) for o in mine if o.tier == tier]
            if not any(r["verdict"] != "not-run" for r in fresh):
                continue  # nothing judged in this tier: its earlier result stands
            earlier = [
                r for r in results.get(tier, {}).get("tests", []) if not batch.gone(r["test"])
            ]
            results[tier] = tier_result(_merged_records(earlier, fresh), previous.get(tier))
            touched.add(tier)
    of_record = record_tier(results)
    if before is not None and of_record is not None and of_record not in touched:
        # Its verdict of record is as it was: kept whole (an entry of an older report too).
        entry = dataclasses.replace(as_registry_says(before), fresh=False, results=results)
    else:
        entry = _of_record(claim, results)
    entry.previous_verdict = previous.get(of_record) if of_record else None
    if before is not None and not previous:
        entry.previous_verdict = before.verdict  # an earlier entry of no tier: not-run
    entry.previous_outcomes = criteria_before.get(of_record, {}) if of_record else {}
    if before is not None and not before.results and (before.tier or TIERS[0]) == of_record:
        # An entry of an older report: its criteria were not kept by test.
        entry.previous_outcomes = {str(c["name"]): str(c["outcome"]) for c in before.criteria}
    return entry


def merge(
    outcomes: Sequence[TestOutcome],
    earlier: Iterable[ClaimEntry],
    now: str,
    commit: str | None,
    *,
    previous_generated_at: str | None = None,
    pending: Sequence[Batch] = (),
    machine: dict[str, str] | None = None,
    collected: Mapping[str, frozenset[str]] | None = None,
) -> Report:
    """The report after this run: every claim's entry merged test by test and tier by tier.

    ``pending`` are outcomes of earlier runs that could not be written (oldest first), merged
    before this run's. What the registry says (statement, source, lab directory, assumptions)
    is taken from the registry as it is now. ``previous_generated_at`` is when the earlier report
    was generated, if it says; ``machine`` what this run measured on; ``collected`` the claim
    tests of each module this run collected whole (see :class:`Batch`).
    """
    batches = [*pending, Batch(outcomes, now, commit, dict(collected or {}))]
    for batch in batches:
        _check_verdicts(batch.outcomes)
    before = {entry.id: entry for entry in earlier}
    entries = [merged_entry(claim, before.get(claim.id), batches) for claim in CLAIMS.values()]
    return Report(
        generated_at=now,
        commit=commit,
        claims=entries,
        previous_generated_at=previous_generated_at,
        machine=machine,
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
        assumptions=blank.assumptions,
    )
