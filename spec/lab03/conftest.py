"""Lab 03 fixtures: each 50-block training setup runs once per session, over three weight seeds.

The spec tier trains fewer steps than the lab's 1000, never fewer than a claim's own horizon:
"~50 steps then plateau" and "below 1e-7 within ~100 steps" are judged on 150 steps. Under
pytest-xdist the first worker to need a setup trains it and leaves a pickle for the others.
"""

from __future__ import annotations

from typing import Any

import pytest

from initspec.data import toy_data
from initspec.labs.lab03 import DeepRun, train_variant
from initspec.pytest_plugin import computed_once

WEIGHT_SEEDS = (1, 2, 3)  # the same weight seed for both variants of a pair; data seed 0
STEPS = 150  # the claims' horizons: ~50 steps to the plateau, ~100 steps to vanish
DEPTH_100_STEPS = 60  # question 4 compares the first 60 steps of 50 and 100 blocks


def train_runs(steps: int, **options: Any) -> list[DeepRun]:
    data = toy_data(0)
    return [train_variant(seed, steps, data=data, **options) for seed in WEIGHT_SEEDS]


def _fixture(key: str, steps: int, **options: Any) -> Any:
    @pytest.fixture(scope="session")
    def runs(
        tmp_path_factory: pytest.TempPathFactory,
    ) -> list[DeepRun]:
        return computed_once(tmp_path_factory, f"lab03-{key}", lambda: train_runs(steps, **options))

    runs.__doc__ = f"{key}: {options}, {steps} steps, weight seeds {WEIGHT_SEEDS}"
    return runs


plain_runs = _fixture("plain", STEPS, residual=False)
residual_runs = _fixture("residual", STEPS, residual=True)
plain_100_runs = _fixture("plain-100", DEPTH_100_STEPS, residual=False, depth=100)
pre_chain_runs = _fixture("pre-chain", STEPS, residual=False, norm="pre-chain")
small_scale_runs = _fixture("small-scale", STEPS, residual=True, inner_scale=0.1)
