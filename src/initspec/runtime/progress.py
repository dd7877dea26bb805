"""Progress of training runs, for the person waiting: what trains, how far it is, when it ends.

Lines go to stdout (stderr is for errors). A lab (:func:`lab_progress`) first prints a header:
its title, the directory it writes, each training setup it plans with its runs and steps, and
the total. Then, while it trains:

* on a terminal, one tqdm bar for the whole lab (steps done of planned, rate, ETA), with the
  lines below printed above it;
* elsewhere (a log, tox, CI), plain lines and no bar: every ``every`` steps of a run, its step,
  loss, rate and ETA, and the lab's total so far with its ETA;

and for every run a line when it starts, and one when it ends: done (steps, time, final loss)
or diverged (the step whose loss was not finite; its steps left are taken off the total).

A training loop reports through the callback of :func:`step_printer`, called as
``progress(step, loss)`` after every step; a non-finite loss is the last call of a run that
diverged (:func:`initspec.training.loop.train`, :func:`initspec.training.hand_sgd.train_deep`).

Inside a spec training fixture (:func:`training_setup`, entered by
:func:`initspec.plugin.session_cache.computed_once`) the lines are fewer: one when the setup starts,
one every :data:`STATUS_EVERY_S` seconds with its runs and steps so far, one when it ends.
Training loops given no callback report to it through :func:`ambient_progress`. The lines go
where :func:`set_session_sink` says (pytest's terminal, :mod:`initspec.plugin.progress`); with
no sink a setup prints nothing.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from tqdm import tqdm

Sink = Callable[[str], None]
STATUS_EVERY_S = 30.0  # a training setup's status line, at most this often
UNIT = " steps"


@dataclass(frozen=True)
class Planned:
    """One training setup of a lab, for its header: what it trains, how many runs of how many
    steps each."""

    what: str
    runs: int
    steps: int


def duration(seconds: float) -> str:
    """A wall time as a person reads it: ``0.4 s``, ``21.4 s``, ``8 min 16 s``, ``1 h 5 min``."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def _print(text: str) -> None:
    print(text, file=sys.stdout, flush=True)


class Tracker:
    """The steps of every run of one lab or training setup: planned, done, and the steps that
    a diverged run will never take. Safe to call from the threads that train side by side."""

    def __init__(
        self,
        name: str,
        write: Sink,
        *,
        planned: int | None = None,
        bar: tqdm | None = None,
        quiet_runs: bool = False,
        status_every: float | None = None,
    ) -> None:
        self.name = name
        self.planned = planned
        self.total = planned or 0
        self.done = 0
        self.runs = 0
        self.finished = 0
        self.diverged: list[str] = []
        self.quiet_runs = quiet_runs  # a training setup: no line per run
        self.start = time.perf_counter()
        self._write = write
        self._bar = bar
        self._lock = threading.RLock()
        self._status_every = status_every
        self._next_status = self.start + (status_every or math.inf)

    @property
    def plain(self) -> bool:
        """Plain progress lines (no bar to show them)."""
        return self._bar is None

    def say(self, text: str) -> None:
        """Print a line (above the bar on a terminal)."""
        with self._lock:
            if self._bar is not None:
                self._bar.write(text, file=sys.stdout)
            else:
                self._write(text)

    def add_run(self, steps: int) -> None:
        """A run starts; its steps join the total unless the lab planned them."""
        with self._lock:
            self.runs += 1
            if self.planned is None:
                self.total += steps
                if self._bar is not None:
                    self._bar.total = self.total
                    self._bar.refresh()

    def advance(self) -> None:
        """One step done."""
        with self._lock:
            self.done += 1
            if self._bar is not None:
                self._bar.update(1)
            if time.perf_counter() >= self._next_status:
                self._next_status = time.perf_counter() + (self._status_every or math.inf)
                self._write(self.status())

    def end_run(self, label: str | None, steps_left: int, diverged: bool) -> None:
        """A run ended: after its last step, or at a non-finite loss ``steps_left`` early."""
        with self._lock:
            self.finished += 1
            if diverged:
                self.diverged.append(label or f"run {self.runs}")
                self.total = max(self.total - steps_left, self.done)
                if self._bar is not None:
                    self._bar.total = self.total
                    self._bar.refresh()

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def rate(self) -> float:
        """Steps per second since the lab or setup started."""
        elapsed = self.elapsed()
        return self.done / elapsed if elapsed > 0 else 0.0

    def status(self) -> str:
        """``lab 01: 1,800/6,000 steps (30%), 85.2 steps/s, ETA 49.3 s``, or for a setup whose
        total is not known ahead, the runs and steps so far."""
        rate = self.rate()
        if self.planned is None:
            return (
                f"{self.name}: {self.runs} runs started, {self.finished} done, {self.done:,} "
                f"steps, {rate:.1f} steps/s, {duration(self.elapsed())} so far"
            )
        share = self.done / self.total if self.total else 1.0
        left = (self.total - self.done) / rate if rate > 0 else math.inf
        eta = duration(left) if math.isfinite(left) else "unknown"
        return (
            f"{self.name}: {self.done:,}/{self.total:,} steps ({share:.0%}), "
            f"{rate:.1f} steps/s, ETA {eta}"
        )


_current: Tracker | None = None  # the lab or training setup now training
_session_sink: Sink | None = None  # where a training setup's lines go (pytest's terminal)
_run_status: Callable[[], str] | None = None  # the whole run's setups and ETA, for those lines
_setup_ended: Callable[[str], None] | None = None  # told each training setup that ends


class RunProgress:
    """The callback of one run: ``(step, loss)`` after each step, a non-finite loss at the step
    where the run stops. Reports to ``tracker`` (the lab or setup) when there is one."""

    def __init__(self, label: str | None, total: int, every: int, tracker: Tracker | None) -> None:
        self.label = label
        self.total = total
        self.every = max(every, 1)
        self.tracker = tracker
        self.started: float | None = None
        self.ended = False

    def _say(self, text: str) -> None:
        if self.tracker is None:
            _print(text)
        elif not self.tracker.quiet_runs:
            self.tracker.say(text)

    def __call__(self, step: int, loss: float) -> None:
        if self.ended:
            return
        name = self.label or "run"
        if self.started is None:
            self.started = time.perf_counter()
            if self.tracker is not None:
                self.tracker.add_run(self.total)
            self._say(f"  {name}: training {self.total:,} steps")
        if not math.isfinite(loss):
            self.ended = True
            if self.tracker is not None:
                self.tracker.end_run(self.label, self.total - step, diverged=True)
            self._say(
                f"  {name}: diverged: the loss is {loss} at step {step} of {self.total:,}; "
                "the run stops there"
            )
            return
        done = step + 1
        if self.tracker is not None:
            self.tracker.advance()
        elapsed = time.perf_counter() - self.started
        if done >= self.total:
            self.ended = True
            if self.tracker is not None:
                self.tracker.end_run(self.label, 0, diverged=False)
            self._say(
                f"  {name}: done, {self.total:,} steps in {duration(elapsed)}, "
                f"final loss {loss:.4g}"
            )
        elif done % self.every == 0 and (self.tracker is None or self.tracker.plain):
            self._say(self._line(done, loss, elapsed))

    def _line(self, done: int, loss: float, elapsed: float) -> str:
        """``  xavier: step 300/1,000, loss 0.6903 [00:06<00:14, 48.10 steps/s]`` (tqdm's
        meter, the first step's own time not counted), then the lab's total."""
        meter = tqdm.format_meter(
            done - 1,
            self.total - 1,
            elapsed,
            unit=UNIT,
            bar_format="[{elapsed}<{remaining}, {rate_fmt}]",
        )
        line = f"  {self.label or 'run'}: step {done:,}/{self.total:,}, loss {loss:.4g} {meter}"
        if self.tracker is not None and self.tracker.planned is not None:
            line += f" | {self.tracker.status()}"
        return line


def step_printer(label: str, total: int, every: int = 100) -> Callable[[int, float], None]:
    """The progress callback of a run called ``label`` of ``total`` steps: a line when it
    starts, every ``every`` steps (without a bar), when it ends and if it diverges."""
    return RunProgress(label, total, every, _current)


def ambient_progress(total: int) -> Callable[[int, float], None] | None:
    """The callback of a run that was given none, inside a training setup
    (:func:`training_setup`): it counts the run's steps there. None elsewhere."""
    tracker = _current
    if tracker is None or not tracker.quiet_runs:
        return None
    return RunProgress(None, total, total, tracker)


def quiet(step: int, loss: float) -> None:
    """A progress callback that prints nothing."""


@contextmanager
def lab_progress(
    title: str, directory: str, plan: Sequence[Planned] | None, *, workers: int
) -> Iterator[Tracker]:
    """A lab's header, then its progress (see the module docstring) while the body trains."""
    global _current
    planned = sum(item.runs * item.steps for item in plan) if plan else None
    _print(f"{title} -> {directory}")
    for item in plan or ():
        _print(f"  {item.what}: {item.runs} run{'s' * (item.runs != 1)} x {item.steps:,} steps")
    if plan:
        runs = sum(item.runs for item in plan)
        _print(f"  {runs} runs, {planned:,} steps in all, up to {workers} side by side")
    bar = None
    if sys.stdout.isatty():
        tqdm.monitor_interval = 0  # no monitor thread: the bar is updated every step anyway
        bar = tqdm(
            total=planned, desc=title, unit=UNIT, file=sys.stdout, dynamic_ncols=True, leave=False
        )
    tracker = Tracker(title, _print, planned=planned, bar=bar)
    _current = tracker
    try:
        yield tracker
    finally:
        _current = None
        if bar is not None:
            bar.close()
    if tracker.diverged:
        _print(f"  diverged: {', '.join(tracker.diverged)}")


def set_run_status(status: Callable[[], str] | None) -> Callable[[], str] | None:
    """What a training setup's status and end lines add about the whole run (the setups done
    of all, an ETA: :mod:`initspec.plugin.setup_count`); returns what they added before."""
    global _run_status
    previous, _run_status = _run_status, status
    return previous


def set_setup_ended(ended: Callable[[str], None] | None) -> Callable[[str], None] | None:
    """Told the name of each training setup that ends; returns what was told before."""
    global _setup_ended
    previous, _setup_ended = _setup_ended, ended
    return previous


def set_session_sink(sink: Sink | None) -> Sink | None:
    """Where a training setup's lines go (None: nowhere); returns where they went before."""
    global _session_sink
    previous, _session_sink = _session_sink, sink
    return previous


def session_sink() -> Sink | None:
    """Where a training setup's lines go now (None: nowhere)."""
    return _session_sink


@contextmanager
def training_setup(name: str) -> Iterator[None]:
    """A spec training setup called ``name``: a line when it starts, a status line every
    :data:`STATUS_EVERY_S` seconds, a line when it ends (runs, steps, time, divergences)."""
    global _current
    sink = _session_sink
    if sink is None or _current is not None:  # nowhere to say it, or inside another setup
        yield
        return

    def say(text: str) -> None:
        sink(f"initspec: {text}")

    def say_with_run(text: str) -> None:
        run = _run_status
        say(f"{text}; {run()}" if run is not None else text)

    tracker = Tracker(name, say_with_run, quiet_runs=True, status_every=STATUS_EVERY_S)
    say(f"training setup {name} ...")
    _current = tracker
    ended = "stopped after"
    try:
        yield
        ended = "trained in"
        if _setup_ended is not None:
            _setup_ended(name)
    finally:
        _current = None
        diverged = f"; {len(tracker.diverged)} diverged" if tracker.diverged else ""
        say_with_run(
            f"{name}: {tracker.runs} runs, {tracker.done:,} steps {ended} "
            f"{duration(tracker.elapsed())}{diverged}"
        )
