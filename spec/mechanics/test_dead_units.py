"""Dead units: saturated (tanh) or negative (ReLU) for every input, they get no gradient.

Some first-layer units of a 3-layer MLP on the toy task are killed by moving their bias:
every training input then sends them below zero (ReLU, leaky ReLU, ELU) or into tanh's tail.
The network is trained, and the dead units' incoming gradient and weights are watched: for
ReLU and a fully saturated tanh they must stay exactly zero and unchanged; for a tanh just
past abs(t) = 0.99 the gradient must be near zero and the units must stay saturated; leaky
ReLU and ELU must pass the dead units a gradient (whether the units revive is recorded).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest
import torch
from torch import nn

from initspec.data import Dataset, toy_data
from initspec.models import build_mlp, linear_layers
from initspec.pytest_plugin import Evidence
from initspec.train import TrainConfig, train

DEAD = torch.arange(8)  # of the first layer's 64 units
SEEDS = range(3)
CONFIG = TrainConfig(steps=300, batch_size=64, lr=1e-2, momentum=0.9)


@dataclass(frozen=True)
class DeadCase:
    """A nonlinearity and how far past its dead zone every input puts the dead units."""

    name: str
    activation: str
    # ReLU-like: every pre-activation <= -margin. tanh: every pre-activation >= margin.
    margin: float
    # "zero": exactly zero gradient; "near-zero": below 1% of the live units'; "passes".
    gradient: str


CASES = [
    DeadCase("relu-negative", "relu", 1.0, "zero"),
    # tanh(z) rounds to exactly 1.0 in float32 beyond z ~ 9: the derivative 1 - t^2 is 0.
    DeadCase("tanh-at-one", "tanh", 10.0, "zero"),
    # abs(tanh) > 0.99, the blog's saturation threshold: the lecture's "near-zero derivative".
    DeadCase("tanh-above-0.99", "tanh", math.atanh(0.99), "near-zero"),
    DeadCase("leaky_relu-negative", "leaky_relu", 1.0, "passes"),
    DeadCase("elu-negative", "elu", 1.0, "passes"),
]


def first_layer_preactivations(model: nn.Module, data: Dataset) -> torch.Tensor:
    first = linear_layers(model)[0]
    with torch.no_grad():
        return data.x_train @ first.weight.T + first.bias


def kill_units(model: nn.Module, data: Dataset, case: DeadCase) -> None:
    """Shift the dead units' biases so that no training input reaches their live zone."""
    z = first_layer_preactivations(model, data)[:, DEAD]
    bias = linear_layers(model)[0].bias
    with torch.no_grad():
        if case.activation == "tanh":
            bias[DEAD] += case.margin - z.min(dim=0).values
        else:
            bias[DEAD] -= z.max(dim=0).values + case.margin


def in_dead_zone(model: nn.Module, data: Dataset, case: DeadCase) -> torch.Tensor:
    """Per training input and dead unit: is the unit outside its live zone?"""
    z = first_layer_preactivations(model, data)[:, DEAD]
    if case.activation == "tanh":
        return torch.tanh(z).abs() > 0.99
    return z <= 0


@dataclass(frozen=True)
class DeadRun:
    dead_grad_max: float  # largest norm of the dead units' incoming weight gradient, any step
    live_grad_first: float  # the live units' incoming weight gradient norm at step 0
    weight_change: float  # largest change of a dead unit's incoming weight or bias
    still_dead: int  # dead units still dead (for every training input) after training
    live_fraction: float  # the largest fraction of training inputs a dead unit is live for
    final_loss: float


def train_with_dead_units(case: DeadCase, seed: int) -> DeadRun:
    data = toy_data(seed=0)
    model = build_mlp(
        depth=3,
        width=64,
        in_dim=data.in_dim,
        out_dim=2,
        activation=case.activation,
        seed=seed,
        init="xavier",
    )
    kill_units(model, data, case)
    first = linear_layers(model)[0]
    before = torch.cat([first.weight[DEAD], first.bias[DEAD, None]], dim=1).detach().clone()

    def dead_grad(m: nn.Module) -> float:
        grad = linear_layers(m)[0].weight.grad
        return 0.0 if grad is None else grad[DEAD].norm().item()

    def live_grad(m: nn.Module) -> float:
        grad = linear_layers(m)[0].weight.grad
        return 0.0 if grad is None else grad[len(DEAD) :].norm().item()

    result = train(model, data, CONFIG, probes={"dead": dead_grad, "live": live_grad})
    after = torch.cat([first.weight[DEAD], first.bias[DEAD, None]], dim=1).detach()
    dead_zone = in_dead_zone(model, data, case)
    return DeadRun(
        dead_grad_max=max(value for _, value in result.probes["dead"]),
        live_grad_first=result.probes["live"][0][1],
        weight_change=(after - before).abs().max().item(),
        still_dead=int(dead_zone.all(dim=0).sum()),
        live_fraction=(~dead_zone).float().mean(dim=0).max().item(),
        final_loss=math.nan if result.final_loss is None else result.final_loss,
    )


@pytest.mark.claim("lecture.dead-neuron-never-recovers")
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_dead_units_get_no_gradient_unless_the_nonlinearity_leaks(
    evidence: Evidence, case: DeadCase
) -> None:
    runs = [train_with_dead_units(case, seed) for seed in SEEDS]
    ratios = [run.dead_grad_max / run.live_grad_first for run in runs]
    if case.gradient == "zero":
        held = [run.dead_grad_max == 0 and run.weight_change == 0 for run in runs]
    elif case.gradient == "near-zero":
        held = [ratio < 1e-2 for ratio in ratios]
    else:
        held = [run.dead_grad_max > 0 and run.weight_change > 0 for run in runs]
    if case.gradient != "passes":  # dead units must also stay dead
        held = [h and run.still_dead == len(DEAD) for h, run in zip(held, runs, strict=True)]
    evidence.record(
        steps=CONFIG.steps,
        dead_units=len(DEAD),
        dead_grad_max=[run.dead_grad_max for run in runs],
        dead_over_live_grad=ratios,
        dead_weight_change=[run.weight_change for run in runs],
        still_dead_after_training=[run.still_dead for run in runs],
        revived=[len(DEAD) - run.still_dead for run in runs],
        revived_units_largest_live_input_fraction=[run.live_fraction for run in runs],
        final_loss=[run.final_loss for run in runs],
    )
    evidence.seeds(run=len(runs), held=sum(held))
    if case.gradient == "near-zero":
        evidence.condition(
            "saturation complete in float32 (tanh(z) == ±1 exactly, |z| >~ 9): then the "
            "gradient is exactly zero and the unit never moves (case tanh-at-one)"
        )
    expectation = {
        "zero": "exactly zero gradient and unchanged weights, dead throughout",
        "near-zero": "a gradient below 1% of the live units', dead throughout",
        "passes": "a non-zero gradient that moves the weights",
    }[case.gradient]
    assert all(held), (
        f"{case.name}: expected {expectation} in every seed; measured dead/live gradient "
        f"{[f'{r:.3g}' for r in ratios]}, weight change {[r.weight_change for r in runs]}, "
        f"still dead {[r.still_dead for r in runs]} of {len(DEAD)}"
    )
