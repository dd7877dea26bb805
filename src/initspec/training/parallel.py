"""Independent training runs side by side, one per core.

Why: the labs' matmuls are small (a batch of 64 against a few hundred units, or lab 03's
64 x 256 x 1024). One run cannot keep two cores busy: splitting each small matmul across two
threads costs nearly as much in synchronisation as it saves. Two runs on two threads, each
doing its ops on one intra-op thread, do close to twice the work of one run. PyTorch releases
the GIL inside its kernels, so plain Python threads are enough.

Every run does its ops on one intra-op thread, however many run beside it, so its result is
the same bit for bit whether it ran alone, beside others, or on a machine with more cores.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

from initspec.runtime.interrupts import STOP
from initspec.training.threads import single_thread

R = TypeVar("R")

WORKERS_VARIABLE = "INITSPEC_WORKERS"  # overrides how many runs go side by side

_inside_a_job = threading.local()

# Sends a call's jobs elsewhere and returns their results in order (initspec.training.cluster);
# None: this process's threads.
Dispatcher = Callable[[Sequence[Callable[[], Any]]], list[Any]]
_dispatcher: Dispatcher | None = None


def set_dispatcher(dispatcher: Dispatcher | None) -> Dispatcher | None:
    """Where :func:`side_by_side` sends its jobs from now on (None: this process's threads);
    returns where they went before. :mod:`initspec.training.cluster` sets it for ``--scheduler``."""
    global _dispatcher
    previous, _dispatcher = _dispatcher, dispatcher
    return previous


def dispatching() -> bool:
    """Whether :func:`side_by_side` sends its jobs elsewhere now (:func:`set_dispatcher`)."""
    return _dispatcher is not None


@contextlib.contextmanager
def one_job() -> Iterator[None]:
    """Inside the block this thread runs one job: torch on one intra-op thread, and a
    :func:`side_by_side` called there runs its jobs one after another, here."""
    _inside_a_job.active = True
    try:
        with single_thread():
            yield
    finally:
        _inside_a_job.active = False


def default_workers() -> int:
    """``$INITSPEC_WORKERS`` if set, else the number of CPUs this process may run on.

    Not torch's thread count: callers often hold it at one
    (:func:`initspec.training.threads.single_thread`).
    """
    value = os.environ.get(WORKERS_VARIABLE, "").strip()
    if not value:
        return max(1, len(os.sched_getaffinity(0)))
    # ASCII digits only: str.isdigit() also accepts "²" and full-width digits.
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise ValueError(f"{WORKERS_VARIABLE} must be a positive integer, got {value!r}")
    return int(value)


def side_by_side(
    jobs: Sequence[Callable[[], R]], workers: int | None = None, *, anywhere: bool = True
) -> list[R]:
    """Call every job, ``workers`` at a time (default :func:`default_workers`), one torch
    thread each; return their results in the order of ``jobs``.

    Under ``--scheduler`` (:func:`set_dispatcher`, :mod:`initspec.training.cluster`) every job is a
    task on the cluster instead, and only what it returns comes back: a caller that reads what
    its jobs change in place (a hook on a model, a list they append to) passes
    ``anywhere=False`` to keep them in this process.

    Jobs must be independent (each builds and trains its own model from its own seeds). A job
    that calls ``side_by_side`` runs its own jobs one after another. If a job raises, the jobs
    not yet started are cancelled and the first exception (in job order) is raised once the
    running ones finish.

    Interrupts: once a stop is asked for (:mod:`initspec.runtime.interrupts`), every running
    training loop raises :class:`~initspec.runtime.interrupts.Interrupted` at its next step, so the
    call raises it within a step, the jobs not yet started cancelled. A KeyboardInterrupt that
    reaches this thread directly (Ctrl-C without
    :func:`~initspec.runtime.interrupts.stop_on_signals`) asks the running jobs to stop the same way
    before it is raised on.
    """
    inside_a_job = getattr(_inside_a_job, "active", False)
    if _dispatcher is not None and anywhere and jobs and not inside_a_job:
        return _dispatcher(jobs)
    count = min(workers if workers is not None else default_workers(), len(jobs))
    if count < 1 and jobs:
        raise ValueError(f"workers must be positive, got {workers}")
    if count <= 1 or inside_a_job:
        with single_thread():
            return [job() for job in jobs]

    def call(job: Callable[[], R]) -> R:
        _inside_a_job.active = True
        try:
            return job()
        finally:
            _inside_a_job.active = False

    with single_thread(), ThreadPoolExecutor(count, thread_name_prefix="initspec-run") as pool:
        futures: list[Future[R]] = []
        try:
            for job in jobs:
                futures.append(pool.submit(call, job))
            wait(futures, return_when="FIRST_EXCEPTION")
        except KeyboardInterrupt:
            _stop_running(futures)
            raise
        finally:
            for future in futures:
                future.cancel()  # a no-op for the ones already running or done
        return [future.result() for future in futures]


def _stop_running(futures: Sequence[Future[R]]) -> None:
    """Cancel the jobs not started, stop the running ones at their next step, wait for them.

    The stop flag is set only while they stop (unless it was set already), so the jobs of a
    later call run normally.
    """
    for future in futures:
        future.cancel()
    already_stopping = STOP.is_set()
    STOP.set()
    try:
        wait(futures)
    finally:
        if not already_stopping:
            STOP.clear()
