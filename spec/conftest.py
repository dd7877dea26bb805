"""What every spec test shares: one torch thread, and the training setups several labs read.

Every test runs torch on one intra-op thread: the models are small (a batch of 32 or 64
against a few hundred units), a second thread gains them nothing, and a result must not
depend on the machine's core count. Independent runs go side by side instead, one per core
(:func:`initspec.parallel.side_by_side`, which pins each run to one thread the same way).

Lab 01's ablation at the lab's setup is also lab 02's no-norm row: the same model, seeds and
batches, so lab 02 reads these runs instead of training them again.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from initspec.experiments.init_ablation import DEFAULTS, Ablation, run_ablations
from initspec.pytest_plugin import computed_once
from initspec.threads import single_thread

# Training claims at the lab's 12-layer setup are judged over this many seeds.
LAB01_SEEDS = tuple(range(5))


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread() -> Iterator[None]:
    """The whole session on one intra-op thread (set before any other fixture trains)."""
    with single_thread():
        yield


@pytest.fixture(scope="session")
def lab_ablations(tmp_path_factory: pytest.TempPathFactory) -> list[Ablation]:
    """Lab 01's setup (12 layers, 1000 steps, lr 1e-3), once per seed in LAB01_SEEDS."""
    return computed_once(
        tmp_path_factory,
        "lab01-lab",
        lambda: run_ablations([(DEFAULTS, seed) for seed in LAB01_SEEDS]),
    )
