"""Fixtures of the mechanics specs: the lecture's BatchNorm model, trained once."""

from __future__ import annotations

import pytest

from initspec.charmodel import build_char_mlp
from initspec.corpus import default_splits
from initspec.train import train

from .cases import (
    CHAR_BN_CONFIG,
    CHAR_BN_SEEDS,
    CharBatchNormRuns,
    TrainedCharBatchNorm,
)


@pytest.fixture(scope="session")
def char_batchnorm_runs() -> CharBatchNormRuns:
    """The character MLP with BatchNorm, trained once per seed for every test that reads it."""
    vocab, splits = default_splits(seed=0)
    data = splits.as_dataset()
    runs = []
    for seed in CHAR_BN_SEEDS:
        model = build_char_mlp(vocab.size, init="hidden-fix", batchnorm=True, seed=seed)
        initial_bias = model.hidden.bias.detach().clone()
        result = train(model, data, CHAR_BN_CONFIG)
        runs.append(TrainedCharBatchNorm(seed, model, result, initial_bias))
    return CharBatchNormRuns(data, vocab.size, runs)
