"""Training setups that more than one lab's tests read, trained once per session.

Lab 01's ablation at the lab's setup is also lab 02's no-norm row: the same model, seeds and
batches, so lab 02 reads these runs instead of training them again.
"""

from __future__ import annotations

import pytest

from initspec.labs.lab01 import DEFAULTS, Ablation, run_ablations
from initspec.pytest_plugin import computed_once

# Training claims at the lab's 12-layer setup are judged over this many seeds.
LAB01_SEEDS = tuple(range(5))


@pytest.fixture(scope="session")
def lab_ablations(tmp_path_factory: pytest.TempPathFactory) -> list[Ablation]:
    """Lab 01's setup (12 layers, 1000 steps, lr 1e-3), once per seed in LAB01_SEEDS."""
    return computed_once(
        tmp_path_factory,
        "lab01-lab",
        lambda: run_ablations([(DEFAULTS, seed) for seed in LAB01_SEEDS]),
    )
