"""The claim plugin: markers, verdicts, the report and its merging.

Each test runs pytest on a small throw-away suite (pytester) and reads the report it wrote.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from initspec.claims import CLAIMS

pytest_plugins = ["pytester"]

SUITE = """
import pytest

@pytest.mark.claim("lab01.uniform-variance")
def test_passes(evidence):
    evidence.record(variance=1 / 12)
    evidence.seeds(run=5, held=5)
    assert True

@pytest.mark.claim("lab01.xavier-slow")
def test_unexpected_failure(evidence):
    evidence.record(final_loss=0.6)
    assert 0.6 < 0.1, "expected final loss < 0.1; measured 0.6"

@pytest.mark.claim("lab01.ordering")
def test_crashes(evidence):
    raise RuntimeError("boom")

@pytest.mark.claim("lab01.depth-24")
def test_skipped(evidence):
    pytest.skip("not in this tier")

@pytest.mark.claim("lab01.kaiming-trains")
def test_known_refuted(evidence):
    evidence.record(final_loss=float("nan"))
    evidence.seeds(run=5, held=0)
    assert False, "expected a low loss; measured NaN"

@pytest.mark.claim("lab01.lr-too-high")
def test_known_conditional(evidence):
    evidence.record(diverged_at_lr=1.0)
    evidence.condition("holds for lr >= 1.0: measured divergence at lr=1.0")
    assert False, "did not diverge at the document's lr"

@pytest.mark.claim("lab01.same-batches")
def test_known_but_now_holds(evidence):
    assert True

def test_without_claim():
    assert True
"""

KNOWN = """
["lab01.kaiming-trains"]
reason = "measured NaN"

["lab01.lr-too-high"]
reason = "measured: diverges only at lr >= 1.0"

["lab01.same-batches"]
reason = "measured: differ"
"""


def run_suite(pytester: pytest.Pytester, *args: str, suite: str = SUITE) -> pytest.RunResult:
    pytester.makepyfile(test_suite=suite)
    known = pytester.path / "known.toml"
    if not known.exists():
        known.write_text(KNOWN)
    return pytester.runpytest(
        "-p",
        "initspec.pytest_plugin",
        f"--known-failures={known}",
        f"--reports-dir={pytester.path / 'reports'}",
        *args,
    )


def load_report(pytester: pytest.Pytester) -> dict[str, dict[str, object]]:
    text = (pytester.path / "reports" / "claims.json").read_text()
    report = json.loads(text, parse_constant=lambda token: pytest.fail(f"non-strict {token}"))
    return {entry["id"]: entry for entry in report["claims"]}


def test_verdicts_follow_test_outcomes(pytester: pytest.Pytester) -> None:
    run_suite(pytester)
    claims = load_report(pytester)
    expected = {
        "lab01.uniform-variance": "holds",
        "lab01.xavier-slow": "refuted",
        "lab01.ordering": "error",
        "lab01.depth-24": "not-run",
        "lab01.kaiming-trains": "refuted",
        "lab01.lr-too-high": "conditional",
        "lab01.same-batches": "holds",
        "lab01.uniform-fails": "not-run",
    }
    measured = {claim_id: claims[claim_id]["verdict"] for claim_id in expected}
    assert measured == expected


def test_outcomes_of_known_failures_and_surprises(pytester: pytest.Pytester) -> None:
    result = run_suite(pytester)
    # Failures: the unexpected assertion, the crash, and the strict xfail that now passes.
    result.assert_outcomes(passed=2, failed=3, skipped=1, xfailed=2)
    note = load_report(pytester)["lab01.same-batches"]["notes"]
    assert note and "known_failures" in str(note[0]), f"expected a note to drop the entry: {note}"


def test_report_lists_every_claim_with_figures_and_seeds(pytester: pytest.Pytester) -> None:
    run_suite(pytester)
    claims = load_report(pytester)
    assert list(claims) == list(CLAIMS)
    held = claims["lab01.uniform-variance"]
    assert held["seeds"] == {"run": 5, "held": 5}
    (figures,) = held["evidence"].values()
    assert math.isclose(figures["variance"], 1 / 12)
    (nan_figures,) = claims["lab01.kaiming-trains"]["evidence"].values()
    assert nan_figures["final_loss"] is None, "NaN must be written as null"
    assert claims["lab01.lr-too-high"]["conditions"] == [
        "holds for lr >= 1.0: measured divergence at lr=1.0"
    ]
    index = (pytester.path / "reports" / "index.md").read_text()
    rows = [line for line in index.splitlines() if line.startswith("| `")]
    assert len(rows) == len(CLAIMS)


def test_unknown_claim_id_is_a_collection_error(pytester: pytest.Pytester) -> None:
    suite = """
import pytest

@pytest.mark.claim("lab01.uniform-fail")
def test_typo(evidence):
    assert True
"""
    result = run_suite(pytester, suite=suite)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown claim ID 'lab01.uniform-fail'*lab01.uniform-fails*"])


def test_unknown_claim_in_known_failures_is_an_error(pytester: pytest.Pytester) -> None:
    (pytester.path / "known.toml").write_text('["no.such-claim"]\nreason = "x"\n')
    result = run_suite(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown claim ID 'no.such-claim'*"])


def test_subset_run_keeps_earlier_verdicts_marked_as_earlier(pytester: pytest.Pytester) -> None:
    run_suite(pytester)
    first = load_report(pytester)
    run_suite(pytester, "-k", "test_passes")
    second = load_report(pytester)
    assert second["lab01.uniform-variance"]["fresh"] is True
    kept = second["lab01.kaiming-trains"]
    assert kept["verdict"] == "refuted" and kept["fresh"] is False
    assert kept["measured_at"] == first["lab01.kaiming-trains"]["measured_at"]
    index = (pytester.path / "reports" / "index.md").read_text()
    row = next(line for line in index.splitlines() if "`lab01.kaiming-trains`" in line)
    assert "(earlier run)" in row


def test_xdist_gives_the_same_verdicts(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    run_suite(pytester)
    serial = {k: v["verdict"] for k, v in load_report(pytester).items()}
    (pytester.path / "reports" / "claims.json").unlink()
    run_suite(pytester, "-n", "2")
    parallel = {k: v["verdict"] for k, v in load_report(pytester).items()}
    assert parallel == serial


def test_artifacts_are_private_to_each_test(pytester: pytest.Pytester) -> None:
    suite = """
import pytest

@pytest.mark.claim("lab01.uniform-variance")
@pytest.mark.parametrize("case", ["a", "b"])
def test_writes(evidence, case):
    path = evidence.artifact_dir / "figure.png"
    assert not path.exists(), "another test wrote here"
    path.write_text(case)
    evidence.artifact(path)
"""
    result = run_suite(pytester, suite=suite)
    result.assert_outcomes(passed=2)
    artifacts = load_report(pytester)["lab01.uniform-variance"]["artifacts"]
    assert len(artifacts) == 2 and all(Path(a).name == "figure.png" for a in artifacts)


def test_a_known_failure_reports_its_reason(pytester: pytest.Pytester) -> None:
    run_suite(pytester)
    claims = load_report(pytester)
    assert claims["lab01.kaiming-trains"]["notes"] == ["measured NaN"], claims[
        "lab01.kaiming-trains"
    ]["notes"]
    index = (pytester.path / "reports" / "index.md").read_text()
    assert "measured: diverges only at lr >= 1.0" in index, "the reason is not in index.md"
