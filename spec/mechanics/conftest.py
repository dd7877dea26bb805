"""Fixtures of the mechanics specs: the lecture's BatchNorm model, trained once per seed.

The tier's :class:`~spec.common.plans.Plan` gives the steps and seeds; every seed (the names'
split and batch order, and each model's weights) is shifted by ``--seed-base``.
"""

from __future__ import annotations

import functools

import pytest
from spec.common.runs import trained_once

from initspec.data.corpus import default_splits
from initspec.data.toy import Dataset
from initspec.models.charmodel import build_char_mlp
from initspec.plugin.evidence import current_seed_base, current_tier

from .cases import (
    CHAR_BN_PLANS,
    CharBatchNormRuns,
    TrainedCharBatchNorm,
    train_post_schedule,
)


def train_char_batchnorm(
    vocab_size: int, data: Dataset, steps: int, seed: int, data_seed: int
) -> TrainedCharBatchNorm:
    """The post's hidden-fix character MLP with BatchNorm, trained ``steps`` of its schedule."""
    model = build_char_mlp(vocab_size, init="hidden-fix", batchnorm=True, seed=seed)
    initial_weight = model.hidden.weight.detach().clone()
    initial_bias = model.hidden.bias.detach().clone()
    result = train_post_schedule(model, data, steps, data_seed)
    return TrainedCharBatchNorm(seed, model, result, initial_weight, initial_bias)


@pytest.fixture(scope="session")
def char_batchnorm_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> CharBatchNormRuns:
    """The character MLP with BatchNorm, each weight seed of the tier's plan, side by side."""
    plan = CHAR_BN_PLANS[current_tier(request.config)]
    seed_base = current_seed_base(request.config)
    vocab, splits = default_splits(seed=seed_base)
    data = splits.as_dataset()
    jobs = [
        functools.partial(
            train_char_batchnorm, vocab.size, data, plan.steps, seed_base + s, seed_base
        )
        for s in plan.seeds
    ]
    seeds = plan.seeded(seed_base)
    runs = trained_once(tmp_path_factory, "mechanics-char-bn", jobs, steps=plan.steps, seeds=seeds)
    return CharBatchNormRuns(plan, data, vocab.size, runs)
