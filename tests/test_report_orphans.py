"""A write of the report removes the figures no entry references any more, and nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from initspec.judging.judge import every, judge
from initspec.judging.outcome import TestOutcome as Outcome
from initspec.report import orphans, write_report

A, B = "lab01.uniform-variance", "lab01.kaiming-trains"


def outcome(claim: str, artifacts: list[str], value: float = 0.083) -> Outcome:
    values = [value, 0.085, 0.0855]
    criterion = judge("variance", values, bound=[0.08, 0.09], comparison="in", rule=every())
    return Outcome(
        nodeid=f"spec/x.py::test_{claim}",
        claims=[claim],
        verdict="holds",
        artifacts=artifacts,
        criteria=[criterion],
    )


def figure(reports: Path, relative: str, when: float | None = None) -> Path:
    path = reports / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"png")
    if when is not None:
        os.utime(path, (when, when))
    return path


def test_figures_no_entry_lists_are_removed(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    kept = "artifacts/test_a/loss.png"
    figure(reports, kept)
    write_report(reports, [outcome(A, [kept])], "t1", commit="c")
    dropped = figure(reports, "artifacts/test_a/old-name.png", when=1)
    renamed = figure(reports, "artifacts/test_renamed/loss.png", when=1)
    in_progress = figure(reports, "artifacts/test_running/loss.png")  # newer than claims.json
    os.utime(reports / "claims.json", (100, 100))
    write_report(reports, [outcome(B, [])], "t2", commit="c")
    assert (reports / kept).is_file(), "a figure an entry lists must stay"
    assert not dropped.exists() and not renamed.exists(), "orphans must go"
    assert not renamed.parent.exists(), "a directory left empty must go"
    assert in_progress.is_file(), "a figure newer than the last report may be a running test's"


def test_nothing_is_removed_while_another_run_is_writing(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    write_report(reports, [], "t1", commit="c")
    other = figure(reports, "artifacts/test_other_run/loss.png", when=1)
    os.utime(reports / "claims.json", (100, 100))
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        marker = orphans._runs_dir(reports) / str(sleeper.pid)
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
        write_report(reports, [outcome(A, [])], "t2", commit="c")
        assert other.is_file(), "another live run's figure was removed"
    finally:
        sleeper.kill()
        sleeper.wait()
        marker.unlink()
    os.utime(reports / "claims.json", (100, 100))
    write_report(reports, [outcome(A, [])], "t3", commit="c")
    assert not other.exists(), "once that run is gone, its unlisted figure is an orphan"


def test_a_claims_old_criteria_figure_does_not_linger(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    write_report(reports, [outcome(A, [], 0.083)], "t1", commit="c")
    (before,) = (reports / "claims" / A).glob("criteria-*.png")
    write_report(reports, [outcome(A, [], 0.084)], "t2", commit="c")
    (after,) = (reports / "claims" / A).glob("criteria-*.png")
    assert before.name != after.name and not before.exists()


def test_running_says_so_only_while_the_block_runs(tmp_path: Path) -> None:
    with orphans.running(tmp_path):
        assert (orphans._runs_dir(tmp_path) / str(os.getpid())).exists()
        assert not orphans.others_running(tmp_path), "this process is not another run"
    assert not (orphans._runs_dir(tmp_path) / str(os.getpid())).exists()


@pytest.mark.parametrize("tier", ["quick", "document"])
def test_a_figure_listed_by_any_tier_stays(tmp_path: Path, tier: str) -> None:
    reports = tmp_path / "reports"
    listed = "artifacts/test_a/loss.png"
    figure(reports, listed)
    first = outcome(A, [listed])
    first.tier = tier
    write_report(reports, [first], "t1", commit="c")
    os.utime(reports / listed, (1, 1))
    other = outcome(A, [])
    other.tier = "quick" if tier == "document" else "document"
    write_report(reports, [other], "t2", commit="c")
    assert (reports / listed).is_file()
