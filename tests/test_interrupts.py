"""Interrupts stop a run quickly and cleanly (initspec.runtime.interrupts).

Ctrl-C, SIGTERM or SIGHUP: the training loops stop within a step, the jobs not yet started are
cancelled, the lab being written is not written, the command prints one line and exits 130.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from initspec.claims.numbers import LAB03_GELU_GAIN
from initspec.data.toy import toy_data
from initspec.models.blocks import build_deep_mlp
from initspec.models.mlp import build_mlp
from initspec.runtime import interrupts
from initspec.runtime.atomic import atomic_directory, remove_stale
from initspec.runtime.interrupts import (
    STOP,
    Interrupted,
    raise_if_stopped,
    run_interruptibly,
    stop_on_signals,
)
from initspec.training.hand_sgd import train_deep
from initspec.training.loop import TrainConfig, train
from initspec.training.parallel import side_by_side

LAB03 = "10-residual-depth"
LONG_LAB03 = ["lab", "03", "--steps", "100000", "--depth", "4", "--width", "32", "--quiet"]
HANG_GUARD_S = 60  # far below the minutes LONG_LAB03 trains for; only a hung run reaches it


@pytest.fixture(autouse=True)
def no_stop_left_behind() -> Iterator[None]:
    STOP.clear()
    yield
    STOP.clear()


def stop_at(step_to_stop: int, seen: list[int]) -> Callable[[int, float], None]:
    """A progress callback that records each step and asks for a stop after ``step_to_stop``."""

    def progress(step: int, loss: float) -> None:
        seen.append(step)
        if step == step_to_stop:
            STOP.set()

    return progress


def test_the_training_loop_stops_at_the_next_step() -> None:
    seen: list[int] = []
    model = build_mlp(depth=3, width=16, in_dim=256, out_dim=2, seed=0)
    with pytest.raises(Interrupted):
        train(model, toy_data(0), TrainConfig(steps=1000), progress=stop_at(3, seen))
    assert seen == [0, 1, 2, 3]


def test_the_hand_written_loop_stops_at_the_next_step() -> None:
    seen: list[int] = []
    model = build_deep_mlp(1, depth=2, width=16, in_dim=16, gain=LAB03_GELU_GAIN)
    with pytest.raises(Interrupted):
        train_deep(model, toy_data(0, dim=16), TrainConfig(steps=1000), stop_at(3, seen))
    assert seen == [0, 1, 2, 3]


def stoppable_job(steps: list[int], index: int, total: int = 1000) -> Callable[[], int]:
    """A job that, like a training loop, checks for a stop before each of its steps."""

    def job() -> int:
        for _ in range(total):
            raise_if_stopped()
            steps[index] += 1
            time.sleep(0.005)
        return index

    return job


def once_both_run(steps: list[int], then: Callable[[], object]) -> None:
    """Call ``then`` from another thread once the first two jobs have each done a few steps."""

    def watch() -> None:
        while min(steps[:2]) < 3:
            time.sleep(0.005)
        then()

    threading.Thread(target=watch, daemon=True).start()


def test_side_by_side_stops_running_jobs_and_cancels_the_rest() -> None:
    steps = [0] * 6
    once_both_run(steps, STOP.set)
    with pytest.raises(Interrupted):
        side_by_side([stoppable_job(steps, i) for i in range(6)], workers=2)
    assert sum(count > 0 for count in steps) == 2, f"steps per job: {steps}"
    assert max(steps) < 1000, f"a running job did not stop: {steps}"


def test_a_keyboard_interrupt_in_the_waiting_thread_stops_the_running_jobs() -> None:
    steps = [0] * 6
    main = threading.main_thread().ident
    assert main is not None and threading.current_thread().ident == main
    # Ctrl-C without stop_on_signals: Python's own handler raises KeyboardInterrupt. A pytest
    # started in the background by a non-interactive shell inherits SIGINT ignored, and then
    # Python installs no handler: install it here.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    once_both_run(steps, lambda: signal.pthread_kill(main, signal.SIGINT))
    try:
        with pytest.raises(KeyboardInterrupt):
            side_by_side([stoppable_job(steps, i) for i in range(6)], workers=2)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert max(steps) < 1000, f"a running job was waited for: {steps}"
    assert sum(count > 0 for count in steps) == 2, f"steps per job: {steps}"
    assert not STOP.is_set(), "the stop flag outlived the interrupted call"


def test_a_stop_while_the_files_are_written_keeps_the_old_directory(tmp_path: Path) -> None:
    final = tmp_path / "lab"
    final.mkdir()
    (final / "old.txt").write_text("old")
    with pytest.raises(Interrupted), atomic_directory(final) as staging:
        (staging / "new.txt").write_text("new")
        STOP.set()
    assert [p.name for p in tmp_path.iterdir()] == ["lab"]
    assert [p.name for p in final.iterdir()] == ["old.txt"]


@pytest.fixture
def signals_not_ignored() -> Iterator[None]:
    """Default handlers for the signals under test, whatever this pytest inherited (``nohup``
    starts it with SIGHUP ignored, and an ignored signal stays ignored by design)."""
    saved = {signum: signal.getsignal(signum) for signum in interrupts.SIGNALS}
    for signum in interrupts.SIGNALS:
        if saved[signum] is signal.SIG_IGN:
            signal.signal(signum, signal.SIG_DFL)
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


@pytest.mark.usefixtures("signals_not_ignored")
def test_the_first_signal_sets_the_flag_and_the_handlers_come_back() -> None:
    before = {signum: signal.getsignal(signum) for signum in interrupts.SIGNALS}
    with stop_on_signals():
        for signum in interrupts.SIGNALS:
            assert signal.getsignal(signum) is not before[signum]
        signal.raise_signal(signal.SIGTERM)
        assert STOP.is_set()
        with pytest.raises(Interrupted, match="SIGTERM"):
            raise_if_stopped()
    assert not STOP.is_set()
    assert {signum: signal.getsignal(signum) for signum in interrupts.SIGNALS} == before


@pytest.mark.usefixtures("signals_not_ignored")
def test_a_second_signal_exits_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    exits: list[int] = []
    monkeypatch.setattr(interrupts, "_exit_now", exits.append)
    with stop_on_signals():
        signal.raise_signal(signal.SIGINT)
        assert exits == []
        signal.raise_signal(signal.SIGHUP)
    assert exits == [130]


def test_an_ignored_signal_stays_ignored() -> None:
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    try:
        with stop_on_signals():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, previous)


@pytest.mark.parametrize("interrupt", [Interrupted("interrupted by SIGTERM"), KeyboardInterrupt()])
def test_an_interrupted_main_prints_one_line_and_returns_130(
    interrupt: KeyboardInterrupt, capsys: pytest.CaptureFixture[str]
) -> None:
    def main() -> int:
        raise interrupt

    assert run_interruptibly(main) == 130
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("initspec: interrupted"), lines


def start_long_lab(out: Path, workers: str | None = None) -> subprocess.Popen[str]:
    """``initspec lab 03`` for minutes, in a new interpreter; returns once it is training
    (its staging directory exists)."""
    env = dict(os.environ)
    if workers is not None:
        env["INITSPEC_WORKERS"] = workers
    process = subprocess.Popen(
        [sys.executable, "-m", "initspec.cli.main", *LONG_LAB03, "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # A shell ignores SIGINT in its background jobs; the command must see it here.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + HANG_GUARD_S
    while not any(p.name.startswith(f".{LAB03}.staging-") for p in out.iterdir()):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the lab never started training: {process.communicate()[1]}")
        time.sleep(0.05)
    time.sleep(0.5)  # into the training steps
    return process


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    try:
        _, err = process.communicate(timeout=HANG_GUARD_S)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("the run did not stop after the signal")
    return process.returncode, err


@pytest.mark.parametrize(
    ("signum", "workers"),
    [(signal.SIGTERM, None), (signal.SIGINT, None), (signal.SIGINT, "1")],
    ids=["sigterm", "sigint", "sigint-one-worker"],
)
def test_a_signal_stops_the_command_and_keeps_the_earlier_directory(
    signum: signal.Signals, workers: str | None, tmp_path: Path
) -> None:
    earlier = tmp_path / LAB03
    earlier.mkdir()
    (earlier / "README.md").write_text("an earlier run\n")
    process = start_long_lab(tmp_path, workers)
    process.send_signal(signum)
    code, err = finish(process)
    lines = err.strip().splitlines()
    assert code == 130, f"exit code {code}; stderr {err!r}"
    assert len(lines) == 1 and lines[0].startswith("initspec: interrupted"), lines
    assert signum.name in lines[0], lines
    assert sorted(p.name for p in tmp_path.iterdir()) == [LAB03], "something was left beside it"
    assert [p.name for p in earlier.iterdir()] == ["README.md"]
    assert (earlier / "README.md").read_text() == "an earlier run\n"


def test_a_killed_runs_staging_directory_is_removed_by_the_next_run(tmp_path: Path) -> None:
    process = start_long_lab(tmp_path)
    process.kill()
    process.wait()
    assert any(p.name.startswith(f".{LAB03}.staging-") for p in tmp_path.iterdir())
    remove_stale(tmp_path / LAB03)
    assert list(tmp_path.iterdir()) == []


WHILE_IMPORTING = """
import builtins, os, signal, sys, time
real_import = builtins.__import__

def importing(name, *args, **kwargs):
    if name == "initspec.cli.main":  # a signal while the command line is still being imported
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)
    return real_import(name, *args, **kwargs)

builtins.__import__ = importing
from initspec.cli.entry import main
sys.exit(main(["claims"]))
"""

AFTER_THE_COMMAND = """
import os, signal, time
from initspec.runtime.interrupts import exit_at_once_on_signals, run_interruptibly
exit_at_once_on_signals()
run_interruptibly(lambda: 0)
os.kill(os.getpid(), signal.SIGTERM)  # while Python shuts down, say
time.sleep(30)
"""


@pytest.mark.parametrize("code", [WHILE_IMPORTING, AFTER_THE_COMMAND], ids=["start-up", "end"])
def test_a_signal_outside_the_command_exits_130_with_one_line(code: str) -> None:
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == interrupts.EXIT_CODE, f"expected exit code 130, got {run.returncode}"
    assert run.stderr.splitlines() == ["initspec: interrupted by SIGTERM; stopping at once"]


def test_the_command_enters_through_the_entry_point() -> None:
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "initspec"]
    assert script.value == "initspec.cli.entry:main"


ORPHAN_TEST = '''
import os
import time
from pathlib import Path

import torch

from initspec.runtime.interrupts import raise_if_stopped
from initspec.training.parallel import side_by_side


def train_for_long() -> None:
    """A training loop: torch work between the flag's checks."""
    deadline = time.monotonic() + 120
    weights = torch.randn(256, 256)
    while time.monotonic() < deadline:
        raise_if_stopped()
        weights = torch.tanh(weights @ weights) / 16


def test_trains_for_long() -> None:
    Path(os.environ["ORPHAN_PID_FILE"]).write_text(str(os.getpid()))
    side_by_side([train_for_long, train_for_long])
'''


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc")
def test_an_xdist_worker_stops_when_its_controller_is_killed(tmp_path: Path) -> None:
    """kill -9 of pytest-xdist's controller leaves no worker training: execnet ends a worker
    whose controller's pipe closes, and initspec's watcher (stop_when_orphaned) stops one that
    execnet does not reach; on this machine either alone passes this test."""
    (tmp_path / "test_orphan.py").write_text(ORPHAN_TEST, encoding="utf-8")
    pid_file = tmp_path / "worker.pid"
    controller = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-n", "1", "-p", "no:cacheprovider",
         "-p", "initspec.plugin.hooks", "--no-claims-report", "-q",
         str(tmp_path / "test_orphan.py")],
        cwd=tmp_path,
        env={**os.environ, "ORPHAN_PID_FILE": str(pid_file)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not pid_file.exists() and controller.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pid_file.exists(), f"expected the worker to start the test: {controller.poll()=}"
        time.sleep(0.2)  # the file is written whole before the loop starts
        worker = int(pid_file.read_text())
        controller.kill()
        controller.wait()
        deadline = time.monotonic() + 30
        while alive(worker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not alive(worker), (
            f"expected the worker {worker} to stop within 30 s of its controller's kill -9; it runs"
        )
    finally:
        if controller.poll() is None:
            controller.kill()
        with contextlib.suppress(ProcessLookupError, ValueError, FileNotFoundError):
            os.kill(int(pid_file.read_text()), signal.SIGKILL)


ORPHAN_CHILD = """
import os, sys, time
from initspec.runtime.interrupts import Interrupted, raise_if_stopped, stop_when_orphaned
stop_when_orphaned(os.getppid(), poll_s=0.05, grace_s=5.0)
print(os.getpid(), flush=True)
try:
    while True:
        raise_if_stopped()
        time.sleep(0.01)
except Interrupted as stop:
    print(f"stopped: {stop}", flush=True)
    sys.exit(7)
"""


def test_a_process_whose_parent_is_killed_stops_its_training(tmp_path: Path) -> None:
    """stop_when_orphaned: the training loop of a process whose parent died raises Interrupted."""
    out = tmp_path / "child.out"
    parent_code = (
        "import subprocess, sys, time\n"
        f"child = [sys.executable, '-c', {ORPHAN_CHILD!r}]\n"
        f"subprocess.Popen(child, stdout=open({str(out)!r}, 'w'))\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", parent_code])
    try:
        deadline = time.monotonic() + 60
        while not out.read_text() if out.exists() else True:
            assert time.monotonic() < deadline, "expected the child to start"
            time.sleep(0.05)
        child = int(out.read_text().split()[0])
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 20
        while alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(child), f"expected the orphaned child {child} to stop; it runs"
        assert "stopped: interrupted by SIGHUP" in out.read_text(), out.read_text()
    finally:
        parent.kill()
        with contextlib.suppress(ProcessLookupError, ValueError, IndexError):
            os.kill(int(out.read_text().split()[0]), signal.SIGKILL)
