"""Lab 01 fixtures: each training setup runs once per test session, over several weight seeds.

A setup's runs (its seeds and inits) train side by side, one per core, each on one thread.

Under pytest-xdist the first worker to need a setup trains it and leaves the result (a pickle)
in the session's shared temporary directory; the other workers wait for it and load it, so no
setup trains twice. A serial run just trains it.
"""

from __future__ import annotations

import dataclasses

import pytest

from initspec.experiments.init_ablation import DEFAULTS, Ablation, run_ablations
from initspec.pytest_plugin import computed_once

# The lab's own setup trains in spec/conftest.py (lab 02 reads it too), over five seeds; the
# pitfalls (other depths, other learning rates) run over fewer, as the spec allows.
FEW_SEEDS = tuple(range(3))


@pytest.fixture(scope="session")
def deep_ablations(tmp_path_factory: pytest.TempPathFactory) -> list[Ablation]:
    """Block D question 4: the same setup at 24 layers, once per seed in FEW_SEEDS."""
    config = dataclasses.replace(DEFAULTS, depth=24)
    return computed_once(
        tmp_path_factory,
        "lab01-deep",
        lambda: run_ablations([(config, seed) for seed in FEW_SEEDS]),
    )
