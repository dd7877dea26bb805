"""The spec's training setups on pytest's terminal while they train.

A training fixture computes its setup through :func:`initspec.session_cache.computed_once`,
which wraps it in :func:`initspec.progress.training_setup`: a line when the setup starts, a
status line every 30 seconds (runs done, steps, rate) and a line when it ends. This plugin
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
from typing import Any

import pytest

from initspec.progress import Sink, set_session_sink

_PREVIOUS = pytest.StashKey[Sink | None]()  # a session run inside another (pytester) restores it


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


def pytest_unconfigure(config: pytest.Config) -> None:
    if _PREVIOUS in config.stash:
        set_session_sink(config.stash[_PREVIOUS])
