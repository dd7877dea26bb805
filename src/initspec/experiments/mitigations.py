"""The lecture's "modern mitigations" on lab 01's setup: residual connections, normalisation
layers and Adam, each judged by the range of init scales at which the network still trains.

A setup is lab 01's 12-layer ReLU MLP (hidden 256, SGD momentum 0.9, lr 1e-3, batch 64)
with one change; the init is U[-a, a] for several a. A run that ends in NaN has not trained:
its final loss counts as chance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from torch import nn

from initspec.data import Dataset
from initspec.metrics import final_loss
from initspec.models import build_mlp
from initspec.residual import Residual
from initspec.train import TrainConfig, train

MITIGATIONS = ("none", "residual", "batchnorm", "adam")
# U[-a, a]: far too small, small, about Kaiming's sqrt(6 / 256) = 0.153, lab 01's failing 0.5
INIT_SCALES = (0.01, 0.05, 0.15, 0.5)
CHANCE = math.log(2)
TRAINED = 0.8 * CHANCE  # a run has trained when its final loss is below 0.8 x chance
FINAL_WINDOW = 20  # the final loss is the mean of the last 20 steps


def with_residuals(mlp: nn.Sequential) -> nn.Sequential:
    """Wrap every hidden (Linear, activation) pair of a plain MLP as x + act(Linear(x)).

    The first Linear (input to width) and the last (the logits) stay as they are.
    """
    layers = list(mlp)
    first, last, hidden = layers[:2], layers[-1], layers[2:-1]
    pairs = [Residual(nn.Sequential(hidden[i], hidden[i + 1])) for i in range(0, len(hidden), 2)]
    return nn.Sequential(*first, *pairs, last)


def build(mitigation: str, init: str, seed: int, depth: int = 12, width: int = 256) -> nn.Module:
    if mitigation not in MITIGATIONS:
        raise ValueError(f"unknown mitigation {mitigation!r}; known: {', '.join(MITIGATIONS)}")
    norm = "batchnorm" if mitigation == "batchnorm" else None
    mlp = build_mlp(
        depth=depth, width=width, in_dim=256, out_dim=2, init=init, norm=norm, seed=seed
    )
    return with_residuals(mlp) if mitigation == "residual" else mlp


@dataclass(frozen=True)
class ScaleSweep:
    """Final losses (mean of the last 20 steps; chance for a NaN run) per init scale."""

    mitigation: str
    seed: int
    steps: int
    final_losses: dict[float, float]
    first_nan_steps: dict[float, int | None]

    @property
    def spread(self) -> float:
        return max(self.final_losses.values()) - min(self.final_losses.values())

    @property
    def trained_scales(self) -> list[float]:
        return [scale for scale, loss in self.final_losses.items() if loss < TRAINED]


def sweep(mitigation: str, seed: int, data: Dataset, steps: int) -> ScaleSweep:
    """Train ``mitigation``'s model from U[-a, a] for every a in INIT_SCALES (weight seed
    ``seed``, data seed 0), one after another."""
    optimizer = "adam" if mitigation == "adam" else "sgd"
    config = TrainConfig(steps=steps, optimizer=optimizer, data_seed=0)
    finals: dict[float, float] = {}
    nans: dict[float, int | None] = {}
    for scale in INIT_SCALES:
        model = build(mitigation, f"uniform:{scale}", seed)
        result = train(model, data, config)
        nans[scale] = result.first_nan_step
        finals[scale] = final_loss(result.losses, FINAL_WINDOW, diverged=CHANCE)
    return ScaleSweep(mitigation, seed, steps, finals, nans)
