"""Training runs as tasks on a Dask cluster: ``--scheduler ADDRESS`` or ``$INITSPEC_SCHEDULER``.

Every call of :func:`initspec.training.parallel.side_by_side` sends its jobs (a training run each:
its config and seeds in, its results out) to the Dask scheduler at ADDRESS as tasks
(:meth:`Cluster.run`), and the caller judges what comes back, here, as it judges a local run.
Without an address nothing of this runs and Dask is not imported.

Why the results are a local run's: a task is the job itself, pickled here with its seeds and
its model as built here; a worker runs it on one torch thread
(:func:`initspec.training.parallel.one_job`), as a local run does, and sends back only what it
returns, in the order the jobs were given. Which worker ran what, and when, changes nothing on the
same CPU and library versions.

Faults:

* a worker that dies mid-task: the scheduler gives the task to another worker (Dask's
  ``distributed.scheduler.allowed-failures``); a task that raises is retried :data:`RETRIES`
  times (``retries=``); each result is the one future's, so none is lost or counted twice;
* a scheduler that cannot be reached, or Dask not installed: :class:`ClusterError` (one line,
  exit code 2) from :func:`connect`, before any training;
* a worker with another Python, initspec, torch or numpy: refused, one line naming both
  versions, at :func:`connect` for the workers there and by the task itself for a worker that
  joins later (:func:`run_task` checks before it unpickles the job);
* Ctrl-C (or SIGTERM, SIGHUP): the tasks not done are cancelled and :class:`Interrupted` is
  raised on, so nothing is written (:mod:`initspec.runtime.interrupts`).

Progress: a line when a call's tasks are submitted (with Dask's dashboard link where the
scheduler has one), then tasks done / total with an ETA, at most every :data:`PROGRESS_EVERY_S`
seconds, and a last line with the time and the workers that ran them.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import io
import os
import pickle
import platform
import socket
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy
import torch

from initspec.runtime.interrupts import raise_if_stopped
from initspec.runtime.progress import RunProgress, duration, quiet
from initspec.training.parallel import Dispatcher, one_job, set_dispatcher

SCHEDULER_VARIABLE = "INITSPEC_SCHEDULER"
RETRIES = 2  # a task that raises runs again this many times
CONNECT_TIMEOUT_S = 10.0
PROGRESS_EVERY_S = 10.0
POLL_S = 0.2  # how often the tasks' states are read (and a stop looked for)
INSTALL_HINT = "pip install -c constraints.txt 'initspec[distributed]'"

Say = Callable[[str], None]


class ClusterError(Exception):
    """The cluster cannot run the training: one line for the user, exit code 2."""


def scheduler_address(option: str | None) -> str | None:
    """The scheduler's address: ``option`` (``--scheduler``) if given, else
    ``$INITSPEC_SCHEDULER``; None (train here) when neither names one."""
    if option is not None:
        if not option.strip():
            raise ClusterError("--scheduler must name the Dask scheduler's address, got ''")
        return option.strip()
    return os.environ.get(SCHEDULER_VARIABLE, "").strip() or None


@functools.cache
def _initspec_version() -> str:
    """initspec's version and a digest of its source files, read once a process (about when it
    loaded them): two checkouts of one version that differ in code differ here, and so does a
    worker started after the code was edited."""
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    try:
        version = importlib.metadata.version("initspec")
    except importlib.metadata.PackageNotFoundError:
        version = "(not installed)"
    return f"{version} (source {digest.hexdigest()[:12]})"


def versions() -> dict[str, str]:
    """What must be the same on every worker as here for the same results."""
    return {
        "Python": platform.python_version(),
        "initspec": _initspec_version(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
    }


def mismatch(theirs: Mapping[str, str], ours: Mapping[str, str], worker: str) -> str | None:
    """One line naming the first version that differs, or None."""
    for name, version in ours.items():
        other = theirs.get(name, "(none)")
        if other != version:
            return (
                f"worker {worker} has {name} {other}, this machine {name} {version}: "
                "start the workers with the same versions"
            )
    return None


@dataclass(frozen=True)
class Ran:
    """What a task sends back: the job's result, and where it ran."""

    value: Any
    worker: str  # host:pid


@dataclass(frozen=True)
class Refused:
    """A task that a worker would not run: its versions differ from the client's."""

    message: str


def _no_progress() -> Callable[[int, float], None]:
    return quiet


def dumps_job(job: Callable[[], Any]) -> bytes:
    """The job as bytes for a worker (cloudpickle: closures and lambdas too). A run's progress
    callback (it reports to this process's terminal) becomes one that prints nothing."""
    import cloudpickle

    class JobPickler(cloudpickle.Pickler):  # type: ignore[misc]
        def reducer_override(self, obj: Any) -> Any:
            if isinstance(obj, RunProgress):
                return (_no_progress, ())
            return super().reducer_override(obj)

    buffer = io.BytesIO()
    JobPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(job)
    return buffer.getvalue()


def run_task(payload: bytes, expected: Mapping[str, str], paths: Sequence[str]) -> Ran | Refused:
    """A task, on a worker: check the versions, then run the job on one torch thread.

    ``paths`` are the client's import paths outside its Python installation (the spec's
    directories), added where this machine has them, so that a job from a spec module unpickles.
    """
    worker = f"{socket.gethostname()}:{os.getpid()}"
    problem = mismatch(versions(), expected, worker)
    if problem is not None:
        return Refused(problem)
    for path in paths:
        if path not in sys.path and os.path.isdir(path):
            sys.path.append(path)
    job = pickle.loads(payload)
    torch.set_num_threads(1)  # kept: a worker's tasks share the process's setting
    with one_job():
        value = job()
    return Ran(value, worker)


def _project_paths() -> list[str]:
    """This process's import paths outside the Python installation (and its virtual env)."""
    installed = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    paths = []
    for entry in sys.path:
        path = Path(entry or os.getcwd()).resolve()
        if path.is_dir() and not any(path.is_relative_to(root) for root in installed):
            paths.append(str(path))
    return paths


@dataclass
class Cluster:
    """A connection to a Dask scheduler that runs :func:`side_by_side`'s jobs as tasks."""

    client: Any  # distributed.Client
    address: str
    say: Say
    expected: dict[str, str] = field(default_factory=versions)
    ran: list[str] = field(default_factory=list)  # the worker of every task that came back

    @property
    def dashboard(self) -> str | None:
        try:
            link = self.client.dashboard_link
        except (KeyError, AttributeError):
            return None
        return str(link) if link else None

    def run(self, jobs: Sequence[Callable[[], Any]]) -> list[Any]:
        """Every job as a task; their results in the order of ``jobs``."""
        try:  # a job that cannot go fails here, before anything is sent
            payloads = [dumps_job(job) for job in jobs]
        except (pickle.PicklingError, TypeError, AttributeError) as error:
            raise ClusterError(
                f"a training run cannot be sent to the cluster ({error}); a caller whose jobs "
                "hold what cannot leave this process passes side_by_side(..., anywhere=False)"
            ) from error
        paths = _project_paths()
        batch = uuid.uuid4().hex[:8]
        futures = [
            self.client.submit(
                run_task,
                payload,
                self.expected,
                paths,
                key=f"initspec-run-{batch}-{index}",
                pure=False,
                retries=RETRIES,
            )
            for index, payload in enumerate(payloads)
        ]
        try:
            outcomes = self._gather(futures)
        except BaseException:  # Ctrl-C, a stop, a failed task: nothing else of this call runs
            self.client.cancel(futures)
            raise
        results = []
        for outcome in outcomes:
            if isinstance(outcome, Refused):
                raise ClusterError(outcome.message)
            results.append(outcome.value)
        self.ran.extend(outcome.worker for outcome in outcomes if isinstance(outcome, Ran))
        return results

    def _gather(self, futures: list[Any]) -> list[Ran | Refused]:
        total = len(futures)
        workers = len(self.client.scheduler_info(n_workers=-1).get("workers", {}))
        link = f"; dashboard {self.dashboard}" if self.dashboard else ""
        self.say(f"cluster: {total} runs sent to {self.address} ({workers} workers){link}")
        start = last = time.monotonic()
        pending = set(futures)
        while pending:
            raise_if_stopped()
            done = {future for future in pending if future.done()}
            if not done:
                time.sleep(POLL_S)
                continue
            for future in done:
                if future.status != "finished":
                    future.result()  # raises the task's error, or says it was cancelled
            pending -= done
            now = time.monotonic()
            if pending and now - last >= PROGRESS_EVERY_S:
                last = now
                finished = total - len(pending)
                left = (now - start) / finished * len(pending) if finished else None
                eta = duration(left) if left is not None else "unknown"
                self.say(f"cluster: {finished}/{total} runs done, ETA {eta}{link}")
        outcomes: list[Ran | Refused] = [future.result() for future in futures]
        hosts = {outcome.worker for outcome in outcomes if isinstance(outcome, Ran)}
        self.say(
            f"cluster: {total}/{total} runs done in {duration(time.monotonic() - start)} "
            f"by {len(hosts)} worker process{'' if len(hosts) == 1 else 'es'}"
        )
        return outcomes

    def close(self) -> None:
        self.client.close()


def connect(address: str, say: Say, timeout: float | None = None) -> Cluster:
    """A client of the scheduler at ``address`` whose workers run this machine's versions.

    Raises :class:`ClusterError` (one line) when Dask is missing, the scheduler cannot be
    reached within ``timeout`` seconds (default :data:`CONNECT_TIMEOUT_S`), or a worker runs
    other versions.
    """
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError(f"--scheduler needs Dask distributed: {INSTALL_HINT}") from None
    start: Any = Client  # typed where Dask is installed, unknown where it is not
    timeout = CONNECT_TIMEOUT_S if timeout is None else timeout
    try:
        client = start(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {reason}") from None
    cluster = Cluster(client, address, say)
    try:
        check_workers(cluster)
    except BaseException:
        client.close()
        raise
    return cluster


def check_workers(cluster: Cluster) -> None:
    """Refuse (:class:`ClusterError`) a worker whose versions differ from ``cluster.expected``."""
    found: dict[str, dict[str, str]] = cluster.client.run(versions)
    for worker, theirs in sorted(found.items()):
        problem = mismatch(theirs, cluster.expected, worker)
        if problem is not None:
            raise ClusterError(problem)


def dispatch_to(cluster: Cluster) -> Dispatcher | None:
    """Send :func:`side_by_side`'s jobs to ``cluster`` from now on; returns the previous
    dispatcher (:func:`initspec.training.parallel.set_dispatcher`)."""
    return set_dispatcher(cluster.run)


@contextlib.contextmanager
def on_cluster(option: str | None, say: Say) -> Iterator[Cluster | None]:
    """Inside the block, :func:`side_by_side`'s jobs go to the scheduler that ``option`` (or
    ``$INITSPEC_SCHEDULER``) names; with neither, nothing changes (and None is given)."""
    address = scheduler_address(option)
    if address is None:
        yield None
        return
    cluster = connect(address, say)
    previous = dispatch_to(cluster)
    try:
        yield cluster
    finally:
        set_dispatcher(previous)
        cluster.close()
