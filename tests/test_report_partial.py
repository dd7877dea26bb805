"""A claim's verdict comes from all of its tests, per tier: partial runs and quick runs never
flip a verdict of record or drop its evidence.

These call the merge and the store directly on hand-made outcomes; the last test runs a small
suite twice through the plugin, the second time with ``-k``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from initspec.claims.registry import CLAIMS
from initspec.judging.judge import every, judge
from initspec.judging.outcome import SensitivityRow
from initspec.judging.outcome import TestOutcome as Outcome
from initspec.report import merge, write_report
from initspec.report.entry import ClaimEntry
from initspec.report.merge import LEGACY_NOTE
from initspec.report.schema import schema
from initspec.report.store import read_earlier

pytest_plugins = ["pytester"]

A, B = "lab01.uniform-variance", "lab01.kaiming-trains"
HOLDS_TEST, REFUTES_TEST = "spec/x.py::test_holds", "spec/x.py::test_refutes"


def outcome(claim: str, verdict: str, nodeid: str, **fields: Any) -> Outcome:
    return Outcome(nodeid=nodeid, claims=[claim], verdict=verdict, **fields)


def not_met() -> Any:
    return judge("variance", [0.2, 0.21], bound=[0.08, 0.09], comparison="in", rule=every())


def entry_of(entries: list[ClaimEntry], claim: str) -> ClaimEntry:
    return next(e for e in entries if e.id == claim)


def test_a_partial_run_keeps_the_refuting_tests_result_and_evidence() -> None:
    first = merge(
        [
            outcome(A, "holds", HOLDS_TEST),
            outcome(A, "refuted", REFUTES_TEST, criteria=[not_met()], note="1/12 is not 1/3"),
        ],
        [],
        "t1",
        "c1",
    )
    second = merge([outcome(A, "holds", HOLDS_TEST)], first.claims, "t2", "c2")
    entry = entry_of(second.claims, A)
    assert entry.verdict == "refuted", f"expected refuted kept from t1, got {entry.verdict}"
    assert [c["name"] for c in entry.criteria] == ["variance"], entry.criteria
    assert entry.notes == ["1/12 is not 1/3"]
    tests = {r["test"]: r for r in entry.results["quick"]["tests"]}
    assert (tests[HOLDS_TEST]["fresh"], tests[HOLDS_TEST]["measured_at"]) == (True, "t2")
    assert (tests[REFUTES_TEST]["fresh"], tests[REFUTES_TEST]["measured_at"]) == (False, "t1")
    assert entry.fresh and entry.previous_verdict == "refuted" and second.changes() == []


def test_rerunning_the_refuting_test_alone_can_change_the_verdict() -> None:
    first = merge(
        [outcome(A, "holds", HOLDS_TEST), outcome(A, "refuted", REFUTES_TEST)], [], "t1", "c1"
    )
    second = merge([outcome(A, "holds", REFUTES_TEST)], first.claims, "t2", "c2")
    entry = entry_of(second.claims, A)
    assert (entry.verdict, entry.previous_verdict) == ("holds", "refuted")
    assert [e.id for e in second.changes()] == [A]


def test_partial_runs_of_one_commit_list_every_change_against_the_previous_code() -> None:
    """Two runs of commit c2, each over part of the spec: the second keeps the change the first
    recorded for a claim it did not measure, with the criteria that changed outcome."""
    old = merge(
        [
            outcome(A, "refuted", REFUTES_TEST, criteria=[not_met()]),
            outcome(B, "holds", HOLDS_TEST),
        ],
        [],
        "t1",
        "c1",
    )
    met = judge("variance", [0.08, 0.085], bound=[0.07, 0.09], comparison="in", rule=every())
    first = merge([outcome(A, "holds", REFUTES_TEST, criteria=[met])], old.claims, "t2", "c2")
    assert [e.id for e in first.changes()] == [A]
    second = merge([outcome(B, "holds", HOLDS_TEST)], first.claims, "t3", "c2")
    entry = entry_of(second.claims, A)
    assert (entry.previous_verdict, entry.verdict) == ("refuted", "holds"), (
        f"expected the change refuted -> holds kept at the same commit, got "
        f"{entry.previous_verdict} -> {entry.verdict}"
    )
    assert entry.previous_outcomes == {"variance": "not-met"}, entry.previous_outcomes
    assert [e.id for e in second.changes()] == [A]
    # A third run of c2 that measures neither claim still lists it.
    third_run = merge([], second.claims, "t3b", "c2")
    assert [e.id for e in third_run.changes()] == [A], "a third run of one commit lost it"
    # Measured again on other code, the comparison is with c2's own verdict.
    third = merge([outcome(B, "holds", HOLDS_TEST)], second.claims, "t4", "c3")
    assert third.changes() == [], [e.id for e in third.changes()]
    # Measured again at c2 with the same verdict: still the change against c1.
    again = merge([outcome(A, "holds", REFUTES_TEST, criteria=[met])], first.claims, "t3", "c2")
    assert [e.id for e in again.changes()] == [A]


def test_a_quick_run_never_replaces_a_document_verdict() -> None:
    document = merge(
        [outcome(A, "holds", HOLDS_TEST, tier="document", steps=1000, document_steps=1000)],
        [],
        "t1",
        "c1",
    )
    quick = merge(  # the same code (commit c1): the document tier stays of record
        [outcome(A, "inconclusive", HOLDS_TEST, tier="quick", steps=150, document_steps=1000)],
        document.claims,
        "t2",
        "c1",
    )
    entry = entry_of(quick.claims, A)
    assert (entry.verdict, entry.tier, entry.steps, entry.measured_at) == (
        "holds",
        "document",
        1000,
        "t1",
    )
    assert not entry.fresh, "the verdict of record was not measured in the quick run"
    beside = entry.results["quick"]
    assert (beside["verdict"], beside["steps"], beside["document_steps"], beside["fresh"]) == (
        "inconclusive",
        150,
        1000,
        True,
    )
    assert quick.changes() == [], "a quick result is not a change of a document verdict"


def test_the_first_document_run_is_not_a_change_of_a_quick_verdict() -> None:
    quick = merge([outcome(A, "inconclusive", HOLDS_TEST)], [], "t1", "c1")
    document = merge([outcome(A, "holds", HOLDS_TEST, tier="document")], quick.claims, "t2", "c2")
    entry = entry_of(document.claims, A)
    assert (entry.verdict, entry.tier, entry.previous_verdict) == ("holds", "document", None)
    assert entry.results["quick"]["verdict"] == "inconclusive"
    assert document.changes() == []


def test_an_entry_of_an_older_report_keeps_its_tests_verdicts() -> None:
    legacy = ClaimEntry.from_json(
        {
            "id": A,
            "verdict": "refuted",
            "tier": "document",
            "measured_at": "t0",
            "tests": [
                {"test": HOLDS_TEST, "verdict": "holds"},
                {"test": REFUTES_TEST, "verdict": "refuted"},
            ],
            "criteria": [dict(vars(not_met()))],
            "evidence": {REFUTES_TEST: {"variance": 0.2}},
        }
    )
    kept = entry_of(merge([], [legacy], "t1", "c1").claims, A)
    assert (kept.verdict, kept.criteria, kept.measured_at) == ("refuted", legacy.criteria, "t0")
    partial = merge([outcome(A, "holds", HOLDS_TEST, tier="document")], [legacy], "t2", "c2")
    entry = entry_of(partial.claims, A)
    assert entry.verdict == "refuted", f"expected the untouched test's refuted, got {entry.verdict}"
    records = {r["test"]: r for r in entry.results["document"]["tests"]}
    assert records[REFUTES_TEST]["note"] == LEGACY_NOTE
    assert entry.previous_outcomes == {"variance": "not-met"}, entry.previous_outcomes
    assert records[REFUTES_TEST]["evidence"] == {"variance": 0.2}


def test_sensitivity_rows_and_assumptions_reach_the_entry(tmp_path: Path) -> None:
    claim = next(c for c in CLAIMS.values() if c.assumptions)
    row = SensitivityRow("lr", "0.1", "fails", ["final loss: 2.1 vs < 1"])
    written = write_report(
        tmp_path,
        [outcome(claim.id, "holds", HOLDS_TEST, sensitivity=[row])],
        "t1",
        commit="c",
        machine={"cpu": "a CPU", "torch": "2.13.0"},
    )
    jsonschema.validate(written, schema())
    entry = next(e for e in written["claims"] if e["id"] == claim.id)
    assert entry["sensitivity"] == [
        {"parameter": "lr", "value": "0.1", "verdict": "fails", "criteria": row.criteria}
        | {"test": HOLDS_TEST}
    ]
    assert [a["parameter"] for a in entry["assumptions"]] == [
        a.parameter for a in claim.assumptions
    ]
    assert written["machine"] == {"cpu": "a CPU", "torch": "2.13.0"}
    again = read_earlier(tmp_path / "claims.json")
    assert again.problems == [] and len(again.entries) == len(CLAIMS)


SUITE = """
import pytest
from initspec.judging.judge import every

@pytest.mark.claim("lab01.uniform-variance")
def test_uniform_variance_holds(evidence):
    evidence.check("variance", [0.083], bound=[0.08, 0.09], comparison="in", rule=every())

@pytest.mark.claim("lab01.uniform-variance")
def test_uniform_refuting(evidence):
    evidence.check("variance / 1/3", [0.25], bound=[0.9, 1.1], comparison="in", rule=every())
"""


def test_a_k_subset_run_through_the_plugin_keeps_the_refuted_verdict(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INITSPEC_TIER", raising=False)
    pytester.makepyfile(test_suite=SUITE)
    (pytester.path / "known.toml").write_text("")
    reports = pytester.path / "reports"
    args = [
        "-p",
        "initspec.plugin.hooks",
        "--known-failures=known.toml",
        f"--reports-dir={reports}",
    ]
    first = pytester.runpytest(*args)
    assert first.ret == pytest.ExitCode.TESTS_FAILED
    second = pytester.runpytest(*args, "-k", "holds")
    assert second.ret == pytest.ExitCode.OK
    document = json.loads((reports / "claims.json").read_text(encoding="utf-8"))
    entry = next(e for e in document["claims"] if e["id"] == A)
    assert entry["verdict"] == "refuted", f"a -k run flipped the verdict to {entry['verdict']}"
    assert {c["name"] for c in entry["criteria"]} == {"variance", "variance / 1/3"}
    fresh = {r["test"].split("::")[-1]: r["fresh"] for r in entry["results"]["quick"]["tests"]}
    assert fresh == {"test_uniform_variance_holds": True, "test_uniform_refuting": False}
    assert document["machine"]["torch"] and document["machine"]["cpu"], document.get("machine")


def test_the_summary_counts_a_quick_result_beside_a_document_verdict(tmp_path: Path) -> None:
    from initspec.report.run_summary import claims_summary

    document = merge([outcome(A, "holds", HOLDS_TEST, tier="document")], [], "t1", "c1")
    quick = merge([outcome(A, "refuted", HOLDS_TEST)], document.claims, "t2", "c1")
    lines = claims_summary(tmp_path, quick)
    assert "0 measured in this run (and 1 in another tier only" in lines[0], lines
    assert not any("verdict changed" in line for line in lines), lines


def test_a_test_that_no_longer_exists_loses_its_earlier_result() -> None:
    first = merge(
        [outcome(A, "holds", HOLDS_TEST), outcome(A, "refuted", REFUTES_TEST)], [], "t1", "c1"
    )
    renamed = "spec/x.py::test_renamed"
    collected = {"spec/x.py": frozenset({HOLDS_TEST, renamed})}
    second = merge(
        [outcome(A, "holds", HOLDS_TEST), outcome(A, "holds", renamed)],
        first.claims,
        "t2",
        "c2",
        collected=collected,
    )
    entry = entry_of(second.claims, A)
    assert [t.test for t in entry.tests] == [HOLDS_TEST, renamed], entry.tests
    assert entry.verdict == "holds"
    kept = merge([outcome(A, "holds", HOLDS_TEST)], first.claims, "t2", "c2", collected={})
    assert entry_of(kept.claims, A).verdict == "refuted", "without a whole collection, keep it"


RENAMED = SUITE.replace("test_uniform_refuting", "test_uniform_renamed").replace(
    "[0.9, 1.1]", "[0.2, 0.3]"
)


@pytest.mark.parametrize("workers", ["0", "2"])
def test_a_whole_run_forgets_a_renamed_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    monkeypatch.delenv("INITSPEC_TIER", raising=False)
    (pytester.path / "known.toml").write_text("")
    reports = pytester.path / "reports"
    args = [
        "-p",
        "initspec.plugin.hooks",
        "--known-failures=known.toml",
        f"--reports-dir={reports}",
    ]
    # Under pytest-xdist the workers collect: a subprocess, as the workers are processes anyway.
    run = pytester.runpytest_subprocess if workers != "0" else pytester.runpytest
    pytester.makepyfile(test_suite=SUITE)
    assert run(*args, "-n", workers).ret == pytest.ExitCode.TESTS_FAILED
    pytester.makepyfile(test_suite=RENAMED)
    assert run(*args, "-n", workers).ret == pytest.ExitCode.OK
    document = json.loads((reports / "claims.json").read_text(encoding="utf-8"))
    entry = next(e for e in document["claims"] if e["id"] == A)
    names = sorted(r["test"].split("::")[-1] for r in entry["results"]["quick"]["tests"])
    assert names == ["test_uniform_renamed", "test_uniform_variance_holds"], names
    assert entry["verdict"] == "holds", entry["verdict"]
