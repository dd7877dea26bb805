"""What the mechanics specs share: the BatchNorm implementations under test, property settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from hypothesis import HealthCheck, settings
from torch import nn

from initspec.charmodel import CharMLP
from initspec.data import Dataset
from initspec.norms import BatchNorm1d
from initspec.pytest_plugin import Evidence
from initspec.train import TrainConfig, TrainResult

# Every BatchNorm claim is checked on initspec's layer and on PyTorch's.
BATCHNORMS: dict[str, Callable[..., nn.Module]] = {
    "initspec": BatchNorm1d,
    "torch": nn.BatchNorm1d,
}

# Property tests take the function-scoped ``evidence`` fixture; it is shared by all examples
# on purpose (it accumulates the worst case), so hypothesis need not warn about it.
property_test = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


def record_worst(evidence: Evidence, **figures: float) -> None:
    """Keep, for each figure, the largest value seen over a property test's examples."""
    worst = {
        name: value
        for name, value in figures.items()
        if evidence.figures.get(name) is None or value > evidence.figures[name]
    }
    evidence.record(**worst, examples=int(evidence.figures.get("examples", 0)) + 1)


# The lecture's setting: the character MLP (context 3, embedding 10, hidden 200, tanh) with
# BatchNorm after the hidden Linear, SGD at lr 0.1 on batches of 32; far fewer steps than
# the post's 200,000, enough for gamma, beta and the running statistics to move.
CHAR_BN_SEEDS = range(3)
CHAR_BN_CONFIG = TrainConfig(steps=1000, batch_size=32, lr=0.1, momentum=0.0, data_seed=0)


@dataclass(frozen=True)
class TrainedCharBatchNorm:
    seed: int
    model: CharMLP
    result: TrainResult
    initial_hidden_bias: torch.Tensor


@dataclass(frozen=True)
class CharBatchNormRuns:
    data: Dataset
    vocab_size: int
    runs: list[TrainedCharBatchNorm]
