"""Stopping a run quickly and cleanly: Ctrl-C, SIGTERM and SIGHUP.

A signal handler may only run in the main thread, and the training runs happen in worker
threads (:mod:`initspec.training.parallel`), so the handler does not raise: it sets one process-wide
flag, :data:`STOP`. Every training loop checks the flag between steps
(:func:`raise_if_stopped`) and raises :class:`Interrupted`, so each running job stops within
one step; :func:`initspec.training.parallel.side_by_side` then cancels the jobs not yet started and
raises it on, and :func:`initspec.runtime.atomic.atomic_directory` removes its staging directory on
the way out, so nothing is written. A second signal while stopping ends the process at once
(exit code 130), with no traceback; the staging directory it leaves is removed by the next run.
Before the command begins (while Python imports it) and after it ends, the ``initspec``
command's entry point (:mod:`initspec.cli.entry`) makes a signal end the process at once, with one
line and exit code 130 (:func:`exit_at_once_on_signals`): never 143 without a word.

    def main() -> int:
        return run_interruptibly(lambda: the_real_main(argv))
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from types import FrameType

EXIT_CODE = 130  # 128 + SIGINT, what a shell reports for Ctrl-C
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

STOP = threading.Event()  # set: every training loop stops at its next step
_received: list[int] = []  # the signals received while STOP was set by a handler


class Interrupted(KeyboardInterrupt):
    """A stop was asked for; raised by a training loop between two steps.

    A KeyboardInterrupt, so that no ``except Exception`` on the way up takes it for a failed
    measurement.
    """


def raise_if_stopped() -> None:
    """Raise :class:`Interrupted` if a stop was asked for. Cheap: call it every step."""
    if STOP.is_set():
        raise Interrupted(_reason())


def _reason() -> str:
    if not _received:
        return "interrupted"
    return f"interrupted by {signal.Signals(_received[0]).name}"


def _exit_now(code: int) -> None:
    """End the process without unwinding (no traceback, no waiting for threads)."""
    os._exit(code)


def _handle(signum: int, frame: FrameType | None) -> None:
    if STOP.is_set():
        os.write(2, b"initspec: interrupted again; stopping at once\n")
        _exit_now(EXIT_CODE)
        return
    _received.append(signum)
    STOP.set()


def _exit_at_once(signum: int, frame: FrameType | None) -> None:
    name = signal.Signals(signum).name
    os.write(2, f"initspec: interrupted by {name}; stopping at once\n".encode())
    _exit_now(EXIT_CODE)


def exit_at_once_on_signals(signals: Sequence[signal.Signals] = SIGNALS) -> None:
    """From now on, outside :func:`stop_on_signals`, each of ``signals`` ends the process at
    once: one line on stderr, exit code 130. For a command's start-up and its end, when
    there is nothing to stop cleanly. A signal that is ignored stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in signals:
        if signal.getsignal(signum) not in (signal.SIG_IGN, None):
            signal.signal(signum, _exit_at_once)


@contextlib.contextmanager
def stop_on_signals(signals: Sequence[signal.Signals] = SIGNALS) -> Iterator[None]:
    """Inside the block, the first of ``signals`` sets :data:`STOP`; a second ends the process.

    The previous handlers come back on leaving, and the flag is cleared on entry and on exit.
    A signal that was ignored when the block began (``nohup`` ignores SIGHUP, a shell ignores
    SIGINT for background jobs) stays ignored. Outside the main thread, where Python cannot
    install handlers, the block changes nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in signals}
    STOP.clear()
    _received.clear()
    # None: a handler installed from C, which Python could not put back; left alone too
    ours = [signum for signum, handler in previous.items() if handler not in (signal.SIG_IGN, None)]
    try:
        for signum in ours:
            signal.signal(signum, _handle)
        yield
    finally:
        for signum in ours:
            signal.signal(signum, previous[signum])
        STOP.clear()
        _received.clear()


def stop_when_orphaned(
    parent: int, *, poll_s: float = 1.0, grace_s: float = 10.0, name: str = "initspec"
) -> threading.Thread:
    """Stop this process's training once ``parent`` (the process that started it) is gone.

    A process whose parent was killed (``kill -9`` of pytest-xdist's controller) has no one to
    report to, yet its training would go on for hours. A daemon thread notices within
    ``poll_s`` that the process was handed to another parent, sets :data:`STOP` so that every
    training loop stops at its next step (writing nothing, as after Ctrl-C), and ends the
    process with exit code 130 if it is still alive ``grace_s`` later.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os.write(2, f"{name}: the process that started this one is gone; stopping\n".encode())
        _received.append(signal.SIGHUP)  # what a terminal sends when its controller goes
        STOP.set()
        time.sleep(grace_s)
        _exit_now(EXIT_CODE)

    watcher = threading.Thread(target=watch, name="initspec-orphan-watch", daemon=True)
    watcher.start()
    return watcher


def run_interruptibly(main: Callable[[], int], prog: str = "initspec") -> int:
    """``main()`` under :func:`stop_on_signals`; an interrupt becomes one line and exit code 130.

    The line says what happened; the lab being written when the signal came is not written
    (its staging directory is removed), labs finished before it are kept.
    """
    with stop_on_signals():
        try:
            return main()
        except KeyboardInterrupt as interrupt:
            reason = str(interrupt) if isinstance(interrupt, Interrupted) else "interrupted"
            print(f"{prog}: {reason}; the lab in progress was not written", file=sys.stderr)
            return EXIT_CODE
