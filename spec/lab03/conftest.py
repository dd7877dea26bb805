"""Lab 03 fixtures: every 50-block training setup, over three weight seeds, trained once per
session; all their runs train side by side (one thread each, see initspec.parallel).

The spec tier trains fewer steps than the lab's 1000, never fewer than a claim's own horizon:
"~50 steps then plateau" and "below 1e-7 within ~100 steps" are judged on 150 steps. Under
pytest-xdist the first worker to need the runs trains them and leaves a pickle for the others.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest

from initspec.data import toy_data
from initspec.experiments.residual_depth import DeepRun, train_variant
from initspec.parallel import side_by_side
from initspec.pytest_plugin import computed_once

WEIGHT_SEEDS = (1, 2, 3)  # the same weight seed for both variants of a pair; data seed 0
STEPS = 150  # the claims' horizons: ~50 steps to the plateau, ~100 steps to vanish
DEPTH_100_STEPS = 60  # question 4 compares the first 60 steps of 50 and 100 blocks

# setup name -> (steps, options for initspec.blocks.BlockConfig)
SETUPS: dict[str, tuple[int, dict[str, Any]]] = {
    "plain": (STEPS, {"residual": False}),
    "residual": (STEPS, {"residual": True}),
    "plain-100": (DEPTH_100_STEPS, {"residual": False, "depth": 100}),
    "pre-chain": (STEPS, {"residual": False, "norm": "pre-chain"}),
    "small-scale": (STEPS, {"residual": True, "inner_scale": 0.1}),
}


def train_setups() -> dict[str, list[DeepRun]]:
    data = toy_data(0)
    keys = [(name, seed) for name in SETUPS for seed in WEIGHT_SEEDS]
    jobs = [
        functools.partial(train_variant, seed, SETUPS[name][0], data=data, **SETUPS[name][1])
        for name, seed in keys
    ]
    runs: dict[str, list[DeepRun]] = {name: [] for name in SETUPS}
    for (name, _), run in zip(keys, side_by_side(jobs), strict=True):
        runs[name].append(run)
    return runs


@pytest.fixture(scope="session")
def deep_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[DeepRun]]:
    """Every setup in SETUPS, once per weight seed."""
    return computed_once(tmp_path_factory, "lab03-setups", train_setups)


def _fixture(name: str) -> Any:
    @pytest.fixture(scope="session")
    def runs(deep_runs: dict[str, list[DeepRun]]) -> list[DeepRun]:
        return deep_runs[name]

    steps, options = SETUPS[name]
    runs.__doc__ = f"{name}: {options}, {steps} steps, weight seeds {WEIGHT_SEEDS}"
    return runs


plain_runs = _fixture("plain")
residual_runs = _fixture("residual")
plain_100_runs = _fixture("plain-100")
pre_chain_runs = _fixture("pre-chain")
small_scale_runs = _fixture("small-scale")
