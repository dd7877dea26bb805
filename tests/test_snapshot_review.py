"""A snapshot change beyond tolerance fails, names the review page, and the page shows it.

Each test runs pytest on a small throw-away suite (pytester) whose tests snapshot a figure and a
results document read from files the test rewrites between runs.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from initspec.snapshots import review

pytest_plugins = ["pytester"]

SUITE = """
import json
from pathlib import Path

from initspec.snapshots.extensions import (
    FigureSnapshotExtension,
    ResultsSnapshotExtension,
    Tolerated,
)
from initspec.snapshots.tolerances import RESULTS

HERE = Path(__file__).parent


def test_figure(snapshot):
    assert snapshot.use_extension(FigureSnapshotExtension) == (HERE / "figure.png").read_bytes()


def test_results(snapshot):
    results = json.loads((HERE / "results.json").read_text())
    assert snapshot.use_extension(ResultsSnapshotExtension) == Tolerated(results, RESULTS)
"""

RUNS = itertools.count()
LOSSES = [2.0 / (1 + step) ** 0.5 for step in range(50)]


def figure(path: Path, factor: float = 1.0, color: str = "tab:blue") -> None:
    fig = Figure(figsize=(6, 4), dpi=80)
    axes = fig.add_subplot()
    axes.plot([value * factor for value in LOSSES], color=color, label="kaiming")
    axes.plot([0.5 + value / 4 for value in LOSSES], color="tab:orange", label="xavier")
    axes.legend()
    fig.savefig(path, format="png", metadata={"Software": None})


def results(path: Path, last_loss: float = 0.28284) -> None:
    path.write_text(json.dumps({"losses": {"kaiming": [0.6931, 0.5, last_loss]}, "steps": 3}))


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv(review.ENVIRONMENT, raising=False)
    monkeypatch.delenv("PYTEST_XDIST_TESTRUNUID", raising=False)
    pytester.makepyfile(test_suite=SUITE)
    figure(pytester.path / "figure.png")
    results(pytester.path / "results.json")
    created = pytester.runpytest("-p", "no:randomly", "--snapshot-update")
    created.assert_outcomes(passed=2)
    return pytester


def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *args: str) -> pytest.RunResult:
    """One pytest run of the suite: a run of its own (review.run_id)."""
    monkeypatch.setattr(review, "_PROCESS_RUN", f"run{next(RUNS)}")
    return pytester.runpytest("-p", "no:randomly", *args)


def snapshot_files(pytester: pytest.Pytester) -> dict[str, bytes]:
    directory = pytester.path / "__snapshots__" / "test_suite"
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def test_a_change_within_tolerance_passes_and_is_not_rewritten(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot_files(suite)
    figure(suite.path / "figure.png", factor=1.0001)
    results(suite.path / "results.json", last_loss=0.28284 * (1 + 1e-5))
    assert (suite.path / "figure.png").read_bytes() != before["test_figure.png"]
    run(suite, monkeypatch).assert_outcomes(passed=2)
    run(suite, monkeypatch, "--snapshot-update").assert_outcomes(passed=2)
    assert snapshot_files(suite) == before, "--snapshot-update rewrote a snapshot within tolerance"
    assert not (suite.path / review.REVIEW_DIRECTORY / review.PAGE).exists()


def test_a_real_change_fails_names_the_page_and_is_accepted_with_update(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    figure(suite.path / "figure.png", color="tab:purple")
    results(suite.path / "results.json", last_loss=0.2838)
    failed = run(suite, monkeypatch)
    failed.assert_outcomes(failed=2)
    output = failed.stdout.str()
    page = suite.path / review.REVIEW_DIRECTORY / review.PAGE
    assert str(page) in output, f"expected the page's full path {page} in the failure:\n{output}"
    assert re.search(r"RMS \d+\.\d+ \(tolerance 1\.5\)", output), output
    assert "losses.kaiming[2]: 0.28284 -> 0.2838" in output, output
    assert "--snapshot-update" in output

    text = page.read_text()
    assert "2 changed beyond tolerance" in text, text
    assert "test_figure" in text and "test_results" in text
    assert "0.28284" in text and "0.2838" in text, "old vs new value missing from the page"
    images = re.findall(r'<img src="([^"]+)"', text)
    assert len(images) == 3, f"expected old | new | diff images, found {images}"
    for image in images:
        assert (page.parent / image).read_bytes().startswith(b"\x89PNG"), image

    run(suite, monkeypatch, "--snapshot-update").assert_outcomes(passed=2)
    run(suite, monkeypatch).assert_outcomes(passed=2)


def test_a_new_run_shows_only_its_own_changes(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    figure(suite.path / "figure.png", factor=1.05)
    results(suite.path / "results.json", last_loss=0.3)
    run(suite, monkeypatch).assert_outcomes(failed=2)
    figure(suite.path / "figure.png")  # the figure is back; the results still differ
    run(suite, monkeypatch).assert_outcomes(passed=1, failed=1)
    text = (suite.path / review.REVIEW_DIRECTORY / review.PAGE).read_text()
    assert "1 changed beyond tolerance" in text and "test_figure" not in text, text
    runs = list((suite.path / review.REVIEW_DIRECTORY / "runs").iterdir())
    assert len(runs) == 1, f"expected only this run's entries, found {runs}"


def test_the_plugin_clears_the_last_page_and_names_this_runs(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugin = ("-p", "initspec.snapshots.plugin")
    page = suite.path / review.REVIEW_DIRECTORY / review.PAGE
    results(suite.path / "results.json", last_loss=0.3)
    failed = run(suite, monkeypatch, *plugin)
    failed.assert_outcomes(passed=1, failed=1)
    assert f"snapshots beyond tolerance, old | new | diff: {page}" in failed.stdout.str()
    results(suite.path / "results.json")
    passed = run(suite, monkeypatch, *plugin)
    passed.assert_outcomes(passed=2)
    assert not page.exists(), "the last run's page outlived a run without changes"
    assert "snapshot review" not in passed.stdout.str()
