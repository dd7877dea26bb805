"""``python -m initspec.report.same``: two runs measured the same, or each difference named;
what only records when and where a run measured is never a difference."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from initspec.report.same import main


def report(value: float = 0.5, commit: str = "aaa", when: str = "2026-12-07T10:00:00+00:00") -> Any:
    test: dict[str, Any] = {
        "test": "spec/x/test_a.py::test_a",
        "verdict": "holds",
        "criteria": [{"name": "final loss", "values": [value, 0.25], "met": True}],
        "commit": commit,
        "measured_at": when,
        "fresh": True,
    }
    quick: dict[str, Any] = {"tier": "quick", "verdict": "holds", "tests": [test], "commit": commit}
    quick |= {"measured_at": when, "fresh": True, "previous_verdict": None}
    return {"claims": [{"id": "x.a", "results": {"quick": quick}}]}


def write(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_runs_of_other_commits_and_times_with_the_same_measurements_are_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = write(tmp_path, "old.json", report())
    new = write(tmp_path, "new.json", report(commit="bbb", when="2026-12-08T10:00:00+00:00"))
    assert main([str(old), str(new)]) == 0
    assert "1 claims compared at the quick tier: measured the same" in capsys.readouterr().out


def test_a_value_that_differs_in_its_last_bit_is_named_with_its_claim_and_test(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = write(tmp_path, "old.json", report(0.5))
    new = write(tmp_path, "new.json", report(0.5000000000000001))
    assert main([str(old), str(new)]) == 1
    out = capsys.readouterr().out
    assert "x.a: spec/x/test_a.py::test_a: criteria differs" in out, out


def test_a_test_or_claim_measured_on_one_side_only_is_a_difference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    more = report()
    extra = copy.deepcopy(more["claims"][0]["results"]["quick"]["tests"][0])
    extra["test"] = "spec/x/test_a.py::test_b"
    more["claims"][0]["results"]["quick"]["tests"].append(extra)
    more["claims"].append(
        {"id": "x.b", "results": {"quick": report()["claims"][0]["results"]["quick"]}}
    )
    assert (
        main([str(write(tmp_path, "old.json", report())), str(write(tmp_path, "new.json", more))])
        == 1
    )
    out = capsys.readouterr().out
    assert "x.a: spec/x/test_a.py::test_b: run in NEW only" in out
    assert "x.b: measured in NEW only" in out
    both = [str(tmp_path / "old.json"), str(tmp_path / "new.json")]
    assert main([*both, "--common"]) == 1, "a test run on one side only still differs"
    more["claims"][0]["results"]["quick"]["tests"].pop()
    write(tmp_path, "new.json", more)
    assert main([*both, "--common"]) == 0, "x.b, measured in NEW only, is left out"


def test_a_reports_directory_is_read_through_its_claims_json(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    write(tmp_path / "a", "claims.json", report())
    assert main([str(tmp_path / "a"), str(write(tmp_path, "b.json", report()))]) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot be read"),
        ("{not json", "is not strict JSON"),
        ('{"claims": [{"id": "x.a", "results": {"quick": {"tests": [{}]}}}]}', "lacks a field"),
        ('{"generated_at": "now"}', "is not a claims report"),
    ],
    ids=["missing", "damaged", "a-test-without-a-name", "no-claims"],
)
def test_an_unreadable_report_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content)
    assert main([str(bad), str(write(tmp_path, "good.json", report()))]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1, err
