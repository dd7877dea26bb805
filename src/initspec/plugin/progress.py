"""The spec's training setups on pytest's terminal while they train.

A training fixture computes its setup through :func:`initspec.plugin.session_cache.computed_once`,
which wraps it in :func:`initspec.runtime.progress.training_setup`: a line when the setup starts, a
status line every 30 seconds (runs done, steps, rate) and a line when it ends; the status and
end lines also give the whole run's training setups done of all and an ETA (counted at
collection, :mod:`initspec.plugin.setup_count`). This plugin
gives those lines a place: the terminal reporter, with pytest's output capture suspended for
each line, so they show with and without ``-s``. A pytest-xdist worker has no terminal of its
own (xdist does not forward its output), so a worker writes its lines to the standard error it
was started with, which is the terminal's, each line named by the worker (``[gw0]``). Under
``-q`` nothing is shown.
"""

from __future__ import annotations

import sys
import threading
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest

from initspec.plugin.setup_count import SetupCount, count_setups
from initspec.runtime.progress import Sink, set_run_status, set_session_sink, set_setup_ended

_PREVIOUS = pytest.StashKey[Sink | None]()  # a session run inside another (pytester) restores it
_PREVIOUS_RUN = pytest.StashKey[tuple[Any, Any]]()


@pytest.hookimpl(trylast=True)  # after pytest's own configure has made the terminal reporter
def pytest_configure(config: pytest.Config) -> None:
    if config.get_verbosity() < 0:
        return
    reporter: Any = config.pluginmanager.get_plugin("terminalreporter")
    capture: Any = config.pluginmanager.get_plugin("capturemanager")
    lock = threading.Lock()  # setups report from the threads that train side by side
    worker = getattr(config, "workerinput", {}).get("workerid")

    def write(line: str) -> None:
        with lock, capture.global_and_fixture_disabled() if capture else nullcontext():
            if worker is not None:
                # capture suspended: sys.stderr is the worker's own, the terminal's
                sys.stderr.write(f"[{worker}] {line}\n")
                sys.stderr.flush()
                return
            reporter.write_line(line)
            reporter.currentfspath = None  # the next test's result starts a line of its own

    if worker is None and reporter is None:
        return
    config.stash[_PREVIOUS] = set_session_sink(write)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Count the training setups the collected tests use; the setups' lines then say how many
    of them have ended, and an ETA (:mod:`initspec.plugin.setup_count`)."""
    config = session.config
    if _PREVIOUS not in config.stash:  # nowhere to show it (-q)
        return
    fixturedefs = [
        defs[-1]
        for item in session.items
        for defs in getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {}).values()
        if defs
    ]
    shared = None
    if hasattr(config, "workerinput"):  # the workers share the session's temporary directory
        factory: Any = getattr(config, "_tmp_path_factory", None)
        if factory is not None:
            shared = Path(factory.getbasetemp()).parent / "initspec-setups-ended"
    count = SetupCount(count_setups(fixturedefs), shared)
    config.stash[_PREVIOUS_RUN] = (set_run_status(count.status), set_setup_ended(count.ended))


def pytest_unconfigure(config: pytest.Config) -> None:
    if _PREVIOUS_RUN in config.stash:
        status, ended = config.stash[_PREVIOUS_RUN]
        set_run_status(status)
        set_setup_ended(ended)
    if _PREVIOUS in config.stash:
        set_session_sink(config.stash[_PREVIOUS])
