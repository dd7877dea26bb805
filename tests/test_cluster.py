"""Training runs as tasks on a Dask cluster (initspec.training.cluster, ``--scheduler``).

One LocalCluster of two single-thread worker processes serves the module: a throw-away spec
judged through it gives the local run's verdicts and values, a killed worker loses no run, a
worker with other versions is refused, a stop cancels the tasks, and a scheduler that cannot
be reached stops the command before any training with one line and exit code 2. Skipped where
the extra ``distributed`` is not installed (CI installs it: tox's spec environment).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import os
import pickle
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

distributed = pytest.importorskip(
    "distributed", reason="the extra `distributed` (Dask) is not installed"
)

from initspec.cli.main import main  # noqa: E402
from initspec.experiments.init_ablation import DEFAULTS, run_ablations  # noqa: E402
from initspec.runtime.interrupts import STOP, Interrupted  # noqa: E402
from initspec.runtime.progress import quiet, step_printer  # noqa: E402
from initspec.training import cluster as cluster_module  # noqa: E402
from initspec.training.cluster import (  # noqa: E402
    Cluster,
    ClusterError,
    check_workers,
    connect,
    dumps_job,
    versions,
)

pytest_plugins = ["pytester"]

CLAIM = "lab01.kaiming-trains"
# A throw-away spec: a claim judged on six tiny training runs (two data seeds, three inits).
SUITE = """
import dataclasses
import pytest
from initspec.experiments.init_ablation import DEFAULTS, run_ablations

CONFIG = dataclasses.replace(DEFAULTS, depth=3, width=16, steps=20)

@pytest.mark.claim("{claim}")
def test_tiny_ablation(evidence):
    ablations = run_ablations([(CONFIG, 0), (CONFIG, 1)])
    finals = [run.result.final_loss for a in ablations for run in a.runs.values()]
    evidence.check("final loss", finals, comparison="<", bound=2.0)
""".replace("{claim}", CLAIM)
RUNS = 6


@dataclass(frozen=True)
class Judged:
    """A run of the throw-away spec: its exit code, the claim's outcome as the plugin records
    it (the test's ``initspec`` property), and what it printed."""

    code: int
    outcome: dict[str, Any]
    printed: str


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A LocalCluster of two worker processes, one thread each, their imports done; its
    scheduler's address."""
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as local,
        distributed.Client(local, set_as_default=False) as client,
    ):
        client.run(load_training)  # each worker's first imports, once for the module
        # A pytester run drops the modules imported after its fixture began, and the modules
        # torch loads on a first training step register operator libraries once a process (a
        # second import fails): they load here, before any pytester fixture.
        run_ablations([(dataclasses.replace(DEFAULTS, depth=2, width=4, steps=2), 0)])
        yield local.scheduler_address


def load_training() -> None:
    """What the throw-away spec's runs import, loaded on a worker."""


@pytest.fixture
def cluster(scheduler: str) -> Iterator[tuple[Cluster, list[str]]]:
    """A client of the module's cluster, and the progress lines it says."""
    lines: list[str] = []
    client = connect(scheduler, lines.append)
    try:
        yield client, lines
    finally:
        client.close()


def square_or_die_once(marker: Path, index: int) -> int:
    """``index ** 2``; job 1 ends its worker process the first time it runs."""
    if index == 1 and not marker.exists():
        marker.write_text(str(os.getpid()))
        os._exit(1)
    return index * index


def judged(pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str], *args: str) -> Judged:
    """Run the throw-away spec in this process (no report: it costs more than the runs)."""
    recorded = pytester.inline_run(
        "-p", "initspec.plugin.hooks", "-p", "initspec.plugin.cluster", "--no-claims-report",
        *args,
    )  # fmt: skip
    payloads = [
        value
        for report in recorded.getreports("pytest_runtest_logreport")
        for name, value in report.user_properties
        if name == "initspec"
    ]
    assert len(payloads) == 1, f"expected one claim outcome, found {len(payloads)}"
    return Judged(int(recorded.ret or 0), json.loads(str(payloads[0])), capsys.readouterr().out)


def test_a_spec_judged_through_the_cluster_gets_the_local_verdict_and_values(
    pytester: pytest.Pytester,
    capsys: pytest.CaptureFixture[str],
    scheduler: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("INITSPEC_SCHEDULER", raising=False)
    monkeypatch.delenv("INITSPEC_TIER", raising=False)
    pytester.makepyfile(test_tiny_spec=SUITE)
    here = judged(pytester, capsys)
    there = judged(pytester, capsys, f"--scheduler={scheduler}")
    assert here.code == 0 and there.code == 0, f"exit codes {here.code} and {there.code}"
    summary = f"ran {RUNS} training runs on"
    assert summary in there.printed, f"expected {summary!r} in the output:\n{there.printed}"
    assert "training runs on" not in here.printed, "expected the local run not to use Dask"
    verdicts = here.outcome["verdict"], there.outcome["verdict"]
    assert verdicts[1] == verdicts[0], (
        f"expected the local verdict {verdicts[0]!r}, got {verdicts[1]!r}"
    )
    values = [[c["measured"] for c in j.outcome["criteria"]] for j in (here, there)]
    assert values[1] == values[0], f"expected the local values {values[0]}, measured {values[1]}"
    assert len(values[0][0]) == RUNS, f"expected {RUNS} final losses, got {values[0]}"


def test_a_killed_worker_loses_no_run_and_counts_none_twice(
    cluster: tuple[Cluster, list[str]], tmp_path: Path
) -> None:
    client, lines = cluster
    marker = tmp_path / "killed"
    jobs = [functools.partial(square_or_die_once, marker, index) for index in range(4)]
    assert client.run(jobs) == [0, 1, 4, 9]
    assert marker.exists(), "expected job 1 to have ended a worker process"
    assert len(client.ran) == 4, f"expected 4 runs counted, counted {client.ran}"
    assert str(os.getpid()) not in {worker.split(":")[1] for worker in client.ran}, (
        f"expected the runs on worker processes, not this one: {client.ran}"
    )
    assert lines[-1].startswith("cluster: 4/4 runs done in"), lines[-1]


def test_progress_says_the_runs_done_with_an_eta_and_the_dashboard(
    cluster: tuple[Cluster, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, lines = cluster
    monkeypatch.setattr(cluster_module, "PROGRESS_EVERY_S", 0.0)
    client.run([functools.partial(time.sleep, 0), functools.partial(time.sleep, 2)])
    assert "cluster: 2 runs sent to" in lines[0] and "dashboard http" in lines[0], lines[0]
    assert any(line.startswith("cluster: 1/2 runs done, ETA ") for line in lines[1:-1]), (
        f"expected a line with one run of two done and an ETA, got {lines}"
    )
    assert lines[-1].startswith("cluster: 2/2 runs done in"), lines[-1]


def test_a_worker_with_other_versions_is_refused_naming_both(
    cluster: tuple[Cluster, list[str]],
) -> None:
    client, _ = cluster
    ours = versions()
    client.expected = {**ours, "torch": "0.0.0"}
    expected = re.escape(f"has torch {ours['torch']}, this machine torch 0.0.0")
    with pytest.raises(ClusterError, match=expected):
        check_workers(client)  # the workers there when the client connects
    with pytest.raises(ClusterError, match=expected):  # one that joins later: the task refuses
        client.run([functools.partial(pow, 2, 3)])


def test_a_stop_cancels_the_submitted_tasks(cluster: tuple[Cluster, list[str]]) -> None:
    client, _ = cluster
    timer = threading.Timer(1.0, STOP.set)
    timer.start()
    try:
        with pytest.raises(Interrupted):
            client.run([functools.partial(time.sleep, 5)] * 6)
    finally:
        timer.cancel()
        STOP.clear()

    def initspec_tasks(dask_scheduler: Any) -> list[str]:
        return [str(key) for key in dask_scheduler.tasks if "initspec-run" in str(key)]

    deadline = time.monotonic() + 20
    while (left := client.client.run_on_scheduler(initspec_tasks)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"expected every task cancelled, the scheduler still holds {left}"


def test_an_unreachable_scheduler_stops_before_training_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster_module, "CONNECT_TIMEOUT_S", 1.0)
    out = tmp_path / "out"
    code = main(
        ["lab", "01", "--out", str(out), "--steps", "5", "--scheduler", "tcp://127.0.0.1:9"]
    )
    captured = capsys.readouterr()
    assert code == 2, f"expected exit code 2, got {code}"
    assert captured.err.startswith("initspec: error: cannot reach the Dask scheduler at "), (
        captured.err
    )
    assert captured.err.count("\n") == 1, f"expected one line, got {captured.err!r}"
    assert "training" not in captured.out, f"expected no training, got {captured.out!r}"
    assert not out.exists() or not any(out.iterdir()), f"expected nothing written in {out}"


def test_an_unreachable_scheduler_stops_pytest_with_exit_code_2(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster_module, "CONNECT_TIMEOUT_S", 1.0)
    monkeypatch.setenv("INITSPEC_SCHEDULER", "tcp://127.0.0.1:9")
    pytester.makepyfile(test_tiny_spec="def test_nothing():\n    raise AssertionError('ran')\n")
    result = pytester.runpytest("-p", "initspec.plugin.cluster")
    assert result.ret == 2, f"expected exit code 2, got {result.ret}"
    result.stderr.fnmatch_lines(["*initspec: error: cannot reach the Dask scheduler at *"])
    assert "ran" not in result.stdout.str(), "expected no test to run"


def test_without_a_scheduler_nothing_imports_dask() -> None:
    code = (
        "import sys\n"
        "import initspec.plugin.cluster\n"
        "from initspec.training.cluster import on_cluster\n"
        "from initspec.training.parallel import side_by_side\n"
        "with on_cluster(None, print) as cluster:\n"
        "    assert cluster is None and side_by_side([int] * 2) == [0, 0]\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed'))\n"
        "assert not loaded, loaded\n"
    )
    environment = {k: v for k, v in os.environ.items() if k != "INITSPEC_SCHEDULER"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment
    )
    assert done.returncode == 0, f"expected no Dask module loaded: {done.stderr[-500:]}"


def test_a_runs_progress_callback_travels_as_one_that_prints_nothing() -> None:
    job = functools.partial(tuple, [step_printer("run", 10)])
    (callback,) = pickle.loads(dumps_job(job))()
    assert callback is quiet, f"expected the quiet callback on the worker, got {callback!r}"


def test_a_job_that_cannot_leave_this_process_is_refused_before_sending(
    cluster: tuple[Cluster, list[str]],
) -> None:
    client, lines = cluster
    job = functools.partial(bool, threading.Lock())
    with pytest.raises(ClusterError, match="cannot be sent to the cluster"):
        client.run([job])
    assert not lines, f"expected nothing sent, got {lines}"


def test_an_unreachable_scheduler_stops_initspec_map_before_any_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster_module, "CONNECT_TIMEOUT_S", 1.0)
    out = tmp_path / "maps"
    code = main(["map", "lab03-blocks", "--out", str(out), "--scheduler", "tcp://127.0.0.1:9"])
    captured = capsys.readouterr()
    assert code == 2, f"expected exit code 2, got {code}"
    assert captured.err == captured.err.splitlines()[0] + "\n", (
        f"expected one line, got {captured.err!r}"
    )
    assert "cannot reach the Dask scheduler" in captured.err, captured.err
    assert not out.exists(), f"expected nothing written in {out}"
