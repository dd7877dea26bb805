"""A value computed once per test session, also when pytest-xdist spreads the tests over workers."""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from filelock import FileLock

from initspec.runtime.progress import training_setup

T = TypeVar("T")


def computed_once(
    tmp_path_factory: pytest.TempPathFactory, key: str, compute: Callable[[], T]
) -> T:
    """``compute()`` once per test session, also under pytest-xdist.

    A session-scoped fixture runs once per process; under xdist the first worker to need ``key``
    computes it and leaves a pickle in the session's shared temporary directory, and the other
    workers wait for it and load it, so no training setup runs twice. The computation shows
    on the terminal as the training setup ``key``
    (:func:`initspec.runtime.progress.training_setup`).
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        with training_setup(key):
            return compute()
    path = Path(tmp_path_factory.getbasetemp()).parent / f"initspec-{key}.pickle"
    with FileLock(str(path) + ".lock"):
        if path.exists():
            loaded: T = pickle.loads(path.read_bytes())
            return loaded
        with training_setup(key):
            value = compute()
        path.write_bytes(pickle.dumps(value))
        return value
