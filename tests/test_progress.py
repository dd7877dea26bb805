"""What a person sees while initspec trains, and when a run ends.

A run prints on stdout (stderr is for errors) a line when it starts, plain progress lines with
rate and ETA when stdout is not a terminal, and a line when it ends or diverges; a lab prints a
header with its setups and total; ``initspec lab all`` ends with each lab's directory and wall
time; under pytest a training setup shows when it starts and what it trained, and the session
ends with the claims by verdict, those whose verdict changed, and where the report is.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from initspec import labs
from initspec.cli.main import main
from initspec.data.toy import toy_data
from initspec.experiments.init_ablation import AblationConfig
from initspec.labs import lab01, lab03
from initspec.report.run_summary import labs_table
from initspec.runtime.progress import duration, step_printer
from initspec.training.loop import TrainConfig, train
from initspec.training.parallel import default_workers

pytest_plugins = ["pytester"]


def test_a_run_says_when_it_starts_how_far_it_is_and_when_it_ends(
    capsys: pytest.CaptureFixture[str],
) -> None:
    printer = step_printer("xavier", 250)
    for step in range(250):
        printer(step, 0.5)
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert captured.err == "", "progress belongs on stdout"
    assert lines[0] == "  xavier: training 250 steps"
    assert [line.split(",")[0] for line in lines[1:3]] == [
        "  xavier: step 100/250",
        "  xavier: step 200/250",
    ]
    assert all("steps/s]" in line and "<" in line for line in lines[1:3]), "rate and ETA"
    assert lines[3].startswith("  xavier: done, 250 steps in ") and "final loss 0.5" in lines[3]


def test_a_run_that_diverges_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    """Lab 01's uniform init overflows to NaN at step 2: the progress says so at once."""
    config = AblationConfig()
    data = toy_data(0)
    model = config.build_model("uniform", data, weight_seed=1)
    result = train(model, data, TrainConfig(steps=50), progress=step_printer("uniform", 50))
    assert result.first_nan_step == 2
    out = capsys.readouterr().out
    assert "  uniform: diverged: the loss is nan at step 2 of 50; the run stops there" in out
    assert "done" not in out


def test_a_lab_prints_its_header_its_progress_and_what_it_wrote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = ["--steps", "120", "--depth", "12", "--init", "uniform,kaiming"]
    assert main(["lab", "01", "--out", str(tmp_path), *options]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    directory = tmp_path / "10-init-matters"
    assert captured.err == ""
    assert lines[:4] == [
        f"Lab 01: init ablation -> {directory}/",
        "  12-layer relu MLP, one run per init (uniform, kaiming): 2 runs x 120 steps",
        "  the same at 24 layers (question 4): 2 runs x 120 steps",
        f"  4 runs, 480 steps in all, up to {default_workers()} side by side",
    ]
    progress = [line for line in lines if "step 100/120" in line]
    assert progress and all("| Lab 01: init ablation: " in line for line in progress)
    assert all(re.search(r"ETA \S", line) for line in progress)
    assert any("uniform depth 12 seed 0: diverged" in line for line in lines)
    assert re.fullmatch(rf"wrote {re.escape(str(directory))} in \S+ s", lines[-1])


def test_lab_all_ends_with_each_lab_and_its_wall_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(labs, "LABS", {"01": lab01.LAB, "03": lab03.LAB})
    options = ["--steps", "3", "--depth", "2", "--width", "8", "--quiet"]
    assert main(["lab", "all", "--out", str(tmp_path), *options]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"initspec: wrote 2 labs in \S+ s:", lines[-3])
    assert re.fullmatch(rf"  01  {re.escape(str(tmp_path))}/10-init-matters +\S+ s", lines[-2])
    assert re.fullmatch(rf"  03  {re.escape(str(tmp_path))}/10-residual-depth +\S+ s", lines[-1])


def test_labs_table_and_durations_read_as_a_person_reads_them() -> None:
    assert [duration(s) for s in (0.42, 21.367, 495.7, 3900)] == [
        "0.4 s",
        "21.4 s",
        "8 min 16 s",
        "1 h 5 min",
    ]
    assert labs_table([("01", Path("r/10-init-matters"), 21.4), ("03", Path("r/x"), 496)]) == [
        "initspec: wrote 2 labs in 8 min 37 s:",
        "  01  r/10-init-matters  21.4 s",
        "  03  r/x                8 min 16 s",
    ]


SETUP_SUITE = """
import pytest
from initspec.experiments.init_ablation import AblationConfig, run_ablation
from initspec.plugin.hooks import computed_once

@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    config = AblationConfig(depth=2, width=8, steps=30)
    return computed_once(tmp_path_factory, "tiny-setup", lambda: run_ablation(config, 0))

def test_uses_it(trained):
    assert len(trained.runs) == 3
"""
PLUGINS = ("-p", "initspec.plugin.hooks", "-p", "initspec.plugin.progress", "-p", "no:randomly")


@pytest.mark.parametrize("capture", [[], ["-s"]], ids=["captured", "not-captured"])
def test_pytest_shows_each_training_setup_and_what_it_trained(
    pytester: pytest.Pytester, capture: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the inner session is a plain one, even where this test runs in an xdist worker
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    pytester.makepyfile(test_setup=SETUP_SUITE)
    result = pytester.runpytest(*PLUGINS, "--no-claims-report", *capture)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "initspec: training setup tiny-setup ...",
            "initspec: tiny-setup: 3 runs, 90 steps trained in *",
        ]
    )


def test_an_xdist_worker_shows_its_training_setups_on_the_terminal(
    pytester: pytest.Pytester,
) -> None:
    """xdist forwards no worker output; a worker's setup lines reach the terminal's stderr."""
    pytest.importorskip("xdist")
    pytester.makepyfile(test_setup=SETUP_SUITE)
    result = pytester.runpytest_subprocess(*PLUGINS, "--no-claims-report", "-n", "1")
    result.assert_outcomes(passed=1)
    result.stderr.fnmatch_lines(
        [
            "[[]gw0] initspec: training setup tiny-setup ...",
            "[[]gw0] initspec: tiny-setup: 3 runs, 90 steps trained in *",
        ]
    )


def test_pytest_quiet_shows_no_training_setup(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_setup=SETUP_SUITE)
    result = pytester.runpytest(*PLUGINS, "--no-claims-report", "-q")
    result.assert_outcomes(passed=1)
    assert "training setup" not in result.stdout.str()


CLAIM_SUITE = """
import pytest

@pytest.mark.claim("lab01.xavier-slow")
def test_claim(evidence):
    evidence.check("final loss", [0.6, 0.5, 0.7], comparison="<", bound={bound})
"""


def test_the_session_ends_with_verdicts_changes_and_where_the_report_is(
    pytester: pytest.Pytester,
) -> None:
    reports = pytester.path / "reports"
    arguments = (*PLUGINS, f"--reports-dir={reports}", f"--known-failures={pytester.path}")
    pytester.makepyfile(test_claim=CLAIM_SUITE.format(bound=1.0))
    first = pytester.runpytest(*arguments)
    first.stdout.fnmatch_lines(
        [
            "*= initspec claims =*",
            "* claims: *1 holds*; 1 measured in this run",
            "no previous report to compare verdicts with",
            "report: reports/index.md, reports/index.html",  # relative to the working directory
        ]
    )
    pytester.makepyfile(test_claim=CLAIM_SUITE.format(bound=0.1))
    second = pytester.runpytest(*arguments)
    second.stdout.fnmatch_lines(
        [
            "*= initspec claims =*",
            "* claims: *1 refuted*; 1 measured in this run",
            "verdict changed since the previous report (1):",
            "  lab01.xavier-slow: holds -> refuted",
            "report: reports/index.md, reports/index.html",  # relative to the working directory
        ]
    )
    unwritten = pytester.runpytest(*arguments, "--no-claims-report")
    unwritten.stdout.fnmatch_lines(["the claims report was not written (--no-claims-report)"])
