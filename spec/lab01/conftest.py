"""Lab 01 fixtures: each training setup runs once per test session, over several weight seeds.

Training runs on one intra-op thread: the lab's 64 x 256 matmuls gain nothing from a second
thread, and on a shared or xdist-loaded machine spinning threads slow a step down many times.

Under pytest-xdist the first worker to need a setup trains it and leaves the result (a pickle)
in the session's shared temporary directory; the other workers wait for it and load it, so no
setup trains twice. A serial run just trains it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
import torch
from filelock import FileLock

from initspec.labs.lab01 import DEFAULTS, Ablation, Lab01Config, run_ablation

# Training claims at the lab's 12-layer setup are judged over this many seeds; the pitfalls
# (other depths, other learning rates) over fewer, as the spec allows.
SEEDS = tuple(range(5))
FEW_SEEDS = tuple(range(3))

T = TypeVar("T")


def shared(tmp_path_factory: pytest.TempPathFactory, key: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per session, shared between xdist workers through a locked pickle."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return compute()  # not under xdist: the session-scoped fixture already runs once
    root = Path(tmp_path_factory.getbasetemp()).parent
    path = root / f"lab01-{key}.pickle"
    with FileLock(str(path) + ".lock"):
        if path.exists():
            loaded: T = pickle.loads(path.read_bytes())
            return loaded
        value = compute()
        path.write_bytes(pickle.dumps(value))
        return value


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@pytest.fixture(autouse=True)
def _one_thread_per_test() -> Iterator[None]:
    with one_thread():
        yield


def ablations(config: Lab01Config, seeds: tuple[int, ...]) -> list[Ablation]:
    with one_thread():
        return [run_ablation(config, seed) for seed in seeds]


@pytest.fixture(scope="session")
def lab_ablations(tmp_path_factory: pytest.TempPathFactory) -> list[Ablation]:
    """The lab's setup (12 layers, 1000 steps, lr 1e-3), once per seed in SEEDS."""
    return shared(tmp_path_factory, "lab", lambda: ablations(DEFAULTS, SEEDS))


@pytest.fixture(scope="session")
def deep_ablations(tmp_path_factory: pytest.TempPathFactory) -> list[Ablation]:
    """Block D question 4: the same setup at 24 layers, once per seed in FEW_SEEDS."""
    config = dataclasses.replace(DEFAULTS, depth=24)
    return shared(tmp_path_factory, "deep", lambda: ablations(config, FEW_SEEDS))
