"""The report's merge: one typed entry per claim, the most serious verdict wins, nothing mislaid.

These call the merge directly on hand-made outcomes; no test suite runs.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from initspec.claims.lab_directories import lab_directory_name
from initspec.claims.registry import CLAIMS
from initspec.judging.outcome import TIERS, VERDICTS, Criterion
from initspec.judging.outcome import TestOutcome as Outcome
from initspec.report import ClaimEntry, build_report, merge, write_report
from initspec.report.schema import check, schema
from initspec.report.store import read_earlier

A, B, C = "lab01.uniform-variance", "lab01.kaiming-trains", "blog.naive-init-loss"


def outcome(claim: str, verdict: str, test: str = "t", **fields: Any) -> Outcome:
    return Outcome(nodeid=f"spec/x.py::{test}", claims=[claim], verdict=verdict, **fields)


def entries_by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["id"]: entry for entry in report["claims"]}


@pytest.mark.parametrize(("serious", "milder"), list(itertools.pairwise(VERDICTS)), ids=str)
def test_the_more_serious_verdict_wins(serious: str, milder: str) -> None:
    for order in ([milder, serious], [serious, milder]):
        outcomes = [outcome(A, verdict, test=f"t{i}") for i, verdict in enumerate(order)]
        report = merge(outcomes, [], "now", None)
        entry = next(e for e in report.claims if e.id == A)
        assert entry.verdict == serious, (order, entry.verdict)


def test_seriousness_is_the_documented_order() -> None:
    assert VERDICTS == ("error", "refuted", "inconclusive", "conditional", "holds", "not-run")


def test_counts_add_up_to_the_registry() -> None:
    ids = list(CLAIMS)
    outcomes = [outcome(ids[i], verdict) for i, verdict in enumerate(VERDICTS)]
    report = merge(outcomes, [], "now", None)
    counts = report.counts()
    assert list(counts) == list(VERDICTS)
    assert sum(counts.values()) == len(CLAIMS) == len(report.claims)
    assert [e.id for e in report.claims] == ids
    assert {v: counts[v] for v in VERDICTS if v != "not-run"} == {
        v: 1 for v in VERDICTS if v != "not-run"
    }


def test_an_unknown_verdict_from_a_test_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown verdict 'bogus'"):
        merge([outcome(A, "bogus")], [], "now", None)


def test_a_subset_run_keeps_the_others_earlier_entries_not_fresh() -> None:
    first = merge([outcome(A, "holds"), outcome(B, "refuted")], [], "t1", "c1")
    second = merge([outcome(A, "conditional", condition="only if")], first.claims, "t2", "c2")
    by_id = {e.id: e for e in second.claims}
    assert (by_id[A].verdict, by_id[A].fresh, by_id[A].commit) == ("conditional", True, "c2")
    assert by_id[A].conditions == ["only if"]
    kept = by_id[B]
    assert (kept.verdict, kept.fresh, kept.measured_at, kept.commit) == (
        "refuted",
        False,
        "t1",
        "c1",
    )
    assert by_id[C].verdict == "not-run" and by_id[C].measured_at is None


def test_a_skipped_test_does_not_erase_an_earlier_verdict() -> None:
    first = merge([outcome(B, "refuted")], [], "t1", "c1")
    second = merge([outcome(B, "not-run")], first.claims, "t2", "c2")
    kept = next(e for e in second.claims if e.id == B)
    assert (kept.verdict, kept.measured_at, kept.fresh) == ("refuted", "t1", False)


def test_what_the_registry_says_comes_from_the_registry_today() -> None:
    stale = ClaimEntry(
        id=C,
        source="old title",
        document="old.txt",
        statement="old words",
        headline=True,
        verdict="holds",
        measured_at="t0",
        lab_directory="makemore",
    )
    (entry,) = [e for e in merge([], [stale], "t1", None).claims if e.id == C]
    claim = CLAIMS[C]
    assert (entry.source, entry.document, entry.statement, entry.headline) == (
        claim.source.title,
        claim.source.document,
        claim.statement,
        claim.headline,
    )
    assert entry.lab_directory == "10-makemore-init"
    assert (entry.verdict, entry.measured_at) == ("holds", "t0")


def test_every_claims_lab_directory_is_its_sources_lab() -> None:
    for entry in merge([], [], "now", None).claims:
        lab = CLAIMS[entry.id].source.lab
        assert entry.lab_directory == (lab_directory_name(lab) if lab else None), entry.id


def test_tier_steps_and_criteria_of_several_tests() -> None:
    criterion = Criterion(
        name="final loss",
        rule="every seed",
        comparison="<",
        bound=0.1,
        measured=[0.05, float("nan")],
        held=1,
        run=2,
        outcome="not-met",
        margin=-1.5,
    )
    outcomes = [
        outcome(A, "holds", "t1", tier="quick", steps=300, document_steps=1000),
        outcome(A, "holds", "t2", tier="document", steps=1000, document_steps=1000),
        outcome(A, "holds", "t3", criteria=[criterion], tier="document", steps=1200),
    ]
    entry = next(e for e in merge(outcomes, [], "now", None).claims if e.id == A)
    assert (entry.tier, entry.steps, entry.document_steps) == ("document", 1000, 1000)
    quick = entry.results["quick"]
    assert (quick["verdict"], quick["steps"], quick["document_steps"]) == ("holds", 300, 1000)
    (written,) = entry.criteria
    skipped_beside = [outcome(A, "holds", "t1", tier="quick", steps=5), outcome(A, "not-run", "t2")]
    entry_2 = next(e for e in merge(skipped_beside, [], "now", None).claims if e.id == A)
    assert entry_2.steps == 5, "a skipped test trained nothing"
    assert written["measured"] == [0.05, None], "NaN must become null"
    assert Criterion(**written) == dataclasses.replace(criterion, measured=[0.05, None])


def test_the_schema_describes_the_types() -> None:
    defs = schema()["$defs"]
    assert defs["verdict"]["enum"] == list(VERDICTS)
    assert set(TIERS) | {None} == set(defs["entry"]["properties"]["tier"]["enum"])
    blank = merge([], [], "now", None).claims[0]
    fields = {f.name for f in dataclasses.fields(ClaimEntry)}
    assert set(blank.to_json()) <= set(defs["entry"]["properties"]) == fields
    assert {f.name for f in dataclasses.fields(Criterion)} == set(defs["criterion"]["properties"])
    top = set(merge([], [], "now", None, machine={"cpu": "x"}).to_json())
    assert top == set(schema()["properties"])


def test_a_written_report_matches_its_schema_and_reads_back(tmp_path: Path) -> None:
    criterion = Criterion("loss", "every seed", "in", [0.0, 1.0], [0.5], 1, 1, "held")
    outcomes = [
        outcome(A, "holds", seeds_run=5, seeds_held=5, criteria=[criterion], tier="document"),
        outcome(B, "inconclusive", evidence={"loss": float("inf")}, steps=20, note="why"),
    ]
    report = write_report(tmp_path, outcomes, "2026-01-01T00:00:00+00:00", commit="abc")
    on_disk = json.loads((tmp_path / "claims.json").read_text(encoding="utf-8"))
    assert on_disk == report
    jsonschema.validate(on_disk, schema())
    earlier = read_earlier(tmp_path / "claims.json")
    assert earlier.problems == []
    assert [e.to_json() for e in earlier.entries] == on_disk["claims"]
    assert on_disk["counts"]["inconclusive"] == 1 and on_disk["commit"] == "abc"


def test_an_entry_written_before_the_new_fields_still_matches() -> None:
    old_entry = {
        "artifacts": [],
        "conditions": [],
        "document": "000_0bf8d751266245e3.txt",
        "evidence": {"spec/x.py::t": {"variance": 0.083}},
        "fresh": False,
        "headline": False,
        "id": A,
        "measured_at": "2026-11-25T20:35:01+00:00",
        "notes": [],
        "seeds": {"held": 5, "run": 5},
        "source": "Lab 01: init ablation",
        "statement": "...",
        "tests": [{"test": "spec/x.py::t", "verdict": "holds"}],
        "verdict": "holds",
    }
    document = {"claims": [old_entry], "counts": {"holds": 1}, "generated_at": "t"}
    earlier = check(document)
    assert earlier.problems == [] and [e.id for e in earlier.entries] == [A]
    assert earlier.entries[0].tier is None and earlier.entries[0].commit is None


def test_build_report_merges_into_an_earlier_documents_value() -> None:
    first = build_report([outcome(B, "refuted")], None, "t1")
    second = build_report([outcome(A, "holds")], first, "t2")
    by_id = entries_by_id(second)
    assert by_id[A]["verdict"] == "holds" and by_id[B]["verdict"] == "refuted"
    assert sum(second["counts"].values()) == len(CLAIMS)


def test_every_entry_carries_the_verdict_of_the_report_before() -> None:
    first = merge([outcome(A, "holds"), outcome(B, "refuted")], [], "t1", "c1")
    assert {e.previous_verdict for e in first.claims} == {None}, "no report before the first"
    second = merge([outcome(A, "refuted")], first.claims, "t2", "c2", previous_generated_at="t1")
    by_id = {e.id: e for e in second.claims}
    assert (by_id[A].previous_verdict, by_id[A].verdict) == ("holds", "refuted")
    assert (by_id[B].previous_verdict, by_id[B].verdict) == ("refuted", "refuted"), "kept"
    assert (by_id[C].previous_verdict, by_id[C].verdict) == ("not-run", "not-run")
    assert [e.id for e in second.changes()] == [A]
    assert second.previous_generated_at == "t1"


def test_a_boolean_criterion_and_the_previous_verdict_read_back(tmp_path: Path) -> None:
    flags = Criterion("lr stops NaN", "every seed", "==", True, [True, False], 1, 2, "not-met")
    write_report(tmp_path, [outcome(A, "holds")], "t1", commit="c")
    write_report(tmp_path, [outcome(A, "refuted", criteria=[flags])], "t2", commit="c")
    on_disk = json.loads((tmp_path / "claims.json").read_text(encoding="utf-8"))
    jsonschema.validate(on_disk, schema())
    earlier = read_earlier(tmp_path / "claims.json")
    assert earlier.problems == [] and earlier.previous_generated_at == "t1"
    entry = next(e for e in earlier.entries if e.id == A)
    assert entry.criteria[0]["measured"] == [True, False] and entry.criteria[0]["bound"] is True
    assert entry.previous_verdict == "holds"


def test_a_quick_run_of_newer_code_is_of_record_beside_the_older_document_tier() -> None:
    document = [outcome(A, "refuted", "t", tier="document", steps=1000, document_steps=1000)]
    older = merge(document, [], "2026-01-01T00:00:00+00:00", "aaa").claims
    quick = [outcome(A, "holds", "t", tier="quick", steps=1000, document_steps=1000)]
    same_code = next(
        e for e in merge(quick, older, "2026-01-02T00:00:00+00:00", "aaa").claims if e.id == A
    )
    assert (same_code.tier, same_code.verdict) == ("document", "refuted"), (
        "a quick run of the same code keeps the document tier's verdict of record"
    )
    newer = next(
        e for e in merge(quick, older, "2026-01-02T00:00:00+00:00", "bbb").claims if e.id == A
    )
    assert (newer.tier, newer.verdict) == ("quick", "holds"), (
        "a verdict older than the code is not passed off as current"
    )
    assert newer.results["document"]["verdict"] == "refuted"
    assert newer.results["document"]["commit"] == "aaa", "the older result keeps its commit"
    assert newer.previous_verdict is None, "no earlier quick verdict: no change is claimed"
