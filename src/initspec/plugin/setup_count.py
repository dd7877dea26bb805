"""The whole run's training setups: how many the collected tests need, how many have ended, and
an ETA, for the spec's progress lines (:func:`initspec.runtime.progress.training_setup`).

A training setup is a shared fixture (session, package or module scope) that trains through
:func:`initspec.plugin.session_cache.computed_once` or
:func:`initspec.runtime.progress.training_setup` (directly, in a nested function, or through a
helper of its own module). The total is the number of such fixtures the collected tests use. Under
pytest-xdist every worker collects every test, so each knows the run's total; the setups that ended
are files in a directory the workers share, so each counts the others'.

ETA: ``elapsed / done * (total - done)``, the mean time a setup has taken so far (on all workers
together) times the setups left; unknown until one ends. Setups differ in cost, so it is a
rough guide, and it leaves out the tests that train nothing (a small share of a run).
"""

from __future__ import annotations

import inspect
import math
import re
import time
import types
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from initspec.runtime.progress import duration

TRAINS = frozenset({"computed_once", "training_setup"})
SHARED_SCOPES = ("session", "package", "module")  # computed once, for many tests


def _names(code: types.CodeType) -> set[str]:
    """Every global name ``code`` and the functions nested in it refer to."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def trains(func: Callable[..., Any]) -> bool:
    """Whether fixture function ``func`` trains a setup: it calls :data:`TRAINS` itself, or
    through a function of its own module that does."""
    code = getattr(inspect.unwrap(func), "__code__", None)
    if code is None:
        return False
    names = _names(code)
    if names & TRAINS:
        return True
    scope = getattr(inspect.unwrap(func), "__globals__", {})  # its module's names, however named
    for name in names:
        helper = scope.get(name)
        helper_code = getattr(helper, "__code__", None)
        if inspect.isfunction(helper) and helper_code is not None and _names(helper_code) & TRAINS:
            return True
    return False


def count_setups(fixturedefs: Iterable[Any]) -> int:
    """How many distinct shared fixtures (session, package or module scope) among
    ``fixturedefs`` (pytest's FixtureDef objects, those the collected tests use) train a
    setup."""
    seen = {
        (getattr(d, "baseid", ""), d.argname)
        for d in fixturedefs
        if getattr(d, "scope", None) in SHARED_SCOPES and trains(d.func)
    }
    return len(seen)


class SetupCount:
    """The run's training setups: ``total`` from collection, the ended ones counted here or,
    under pytest-xdist, as files in ``shared`` (one per setup, named by its key)."""

    def __init__(self, total: int, shared: Path | None = None) -> None:
        self.total = total
        self.shared = shared
        self.start = time.monotonic()
        self._ended: set[str] = set()
        if shared is not None:
            shared.mkdir(parents=True, exist_ok=True)

    def ended(self, key: str) -> None:
        """Setup ``key`` has ended (trained, or loaded from another worker's pickle)."""
        self._ended.add(key)
        if self.shared is not None:
            name = re.sub(r"[^A-Za-z0-9_.-]+", "-", key)[:200] or "setup"
            (self.shared / name).touch()

    def done(self) -> int:
        if self.shared is not None:
            try:
                return sum(1 for _ in self.shared.iterdir())
            except OSError:
                return len(self._ended)
        return len(self._ended)

    def status(self) -> str:
        """``run: 3/9 training setups done, 4 min 10 s so far, ETA 8 min 20 s``."""
        done = self.done()
        total = max(self.total, done)
        elapsed = time.monotonic() - self.start
        if done == 0:
            eta = "ETA unknown until a setup ends"
        else:
            left = elapsed / done * (total - done)
            eta = f"ETA {duration(left)}" if math.isfinite(left) else "ETA unknown"
        return f"run: {done}/{total} training setups done, {duration(elapsed)} so far, {eta}"
