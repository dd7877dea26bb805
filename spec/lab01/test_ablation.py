"""Lab 01's three-curve experiment at the lab's setup: 12 layers, 1000 steps, over 5 weight seeds.

Each ablation (uniform, Xavier, Kaiming; same batches, own weight seeds) trains once per session
(see conftest.py); the tests below read different claims off the same runs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import math

import pytest
import torch
from criteria import LOW_LOSS, first_mean, last_mean
from torch import nn

from initspec.claims import CLAIMS
from initspec.data import batch_order, toy_data
from initspec.experiments.init_ablation import DEFAULTS, SLOPE_WINDOW, Ablation, run_ablation
from initspec.models import build_mlp, chance_loss, linear_layers
from initspec.pytest_plugin import Evidence
from initspec.train import grad_norm, train

# "NaN within ~20 steps" (Expected outcome, uniform).
NAN_WITHIN_STEPS = int(CLAIMS["lab01.uniform-fails"].value("nan_within_steps"))
# "Smooth descent": the mean loss of each 50-step window may rise by at most this much over the
# previous window (per-batch noise aside, the curve only goes down).
SMOOTH_WINDOW = 50
SMOOTH_RISE = 0.02
# "trains, but slowly ... descends sluggishly": after 1000 steps Xavier's loss is still at least
# 10x Kaiming's (it is "somewhere in between"), while its loss does go down.
SLOW_FACTOR = 10.0
# "clearly differentiated" / "clearly different": neighbouring final losses differ by at least
# this much (a NaN run counts as infinitely high).
CLEAR_GAP = 0.1
# The measured per-layer growth of the second moment matches n_in Var(W) / 2 to within 25 %.
GROWTH_RTOL = 0.25
# Independent weight draws: correlation of two runs' standardised first-layer weights.
INDEPENDENT_CORRELATION = 0.02


def window_rises(losses: list[float | None]) -> list[float]:
    values = [loss for loss in losses if loss is not None]
    means = [
        sum(values[i : i + SMOOTH_WINDOW]) / SMOOTH_WINDOW
        for i in range(0, len(values) - SMOOTH_WINDOW + 1, SMOOTH_WINDOW)
    ]
    return [later - earlier for earlier, later in itertools.pairwise(means)]


@pytest.mark.claim("lab01.uniform-fails")
def test_uniform_init_does_not_train(lab_ablations: list[Ablation], evidence: Evidence) -> None:
    nan_steps = [a.runs["uniform"].first_nan_step for a in lab_ablations]
    flat_steps = [a.runs["uniform"].flatline_step for a in lab_ablations]
    failed = [
        (nan is not None and nan <= NAN_WITHIN_STEPS) or flat is not None
        for nan, flat in zip(nan_steps, flat_steps, strict=True)
    ]
    evidence.record(first_nan_step=nan_steps, flatline_step=flat_steps, steps=DEFAULTS.steps)
    evidence.seeds(run=len(failed), held=sum(failed))
    assert all(failed), (
        f"expected NaN within {NAN_WITHIN_STEPS} steps or a flatline at chance on every seed; "
        f"measured first NaN steps {nan_steps}, flatline steps {flat_steps}"
    )


def relu_growth(a: float) -> float:
    """Predicted factor per Linear + ReLU on the second moment: n_in Var(W) / 2, Var = a^2 / 3."""
    return DEFAULTS.width * (a * a / 3) / 2


def measured_growth(init: str, weight_seed: int, data_seed: int) -> float:
    """Geometric-mean growth of the second moment per hidden layer, at init, on real inputs."""
    model = build_mlp(depth=12, width=256, in_dim=256, out_dim=2, init=init, seed=weight_seed)
    moments = second_moments(model, toy_data(data_seed).x_train[:256])
    ratios = [b / a for a, b in itertools.pairwise(moments)]
    return math.exp(sum(map(math.log, ratios)) / len(ratios))


def second_moments(model: nn.Sequential, x: torch.Tensor) -> list[float]:
    """Mean square of the input of every Linear layer, at init, in forward order."""
    moments: list[float] = []
    with torch.no_grad():
        for module in model:
            if isinstance(module, nn.Linear):
                moments.append(x.pow(2).mean().item())
            x = module(x)
    return moments


@pytest.mark.claim("lab01.uniform-failure-mode")
def test_uniform_fails_by_forward_blow_up_from_its_scale(
    lab_ablations: list[Ablation], evidence: Evidence
) -> None:
    """The mode (NaN or flatline) and its step; the cause is the scale: n_in Var(W) / 2 per layer.

    ReLU halves the second moment and a layer multiplies it by n_in Var(W); with U[-0.5, 0.5]
    that is 256 / 12 / 2 = 10.7 per layer: the forward pass blows up, which is what makes the
    loss NaN. The same formula below 1 gives the other mode; see the next test.
    """
    modes = [
        "nan" if run.first_nan_step is not None else "flat" if run.flatline_step else "trains"
        for run in (a.runs["uniform"] for a in lab_ablations)
    ]
    nan_steps = [a.runs["uniform"].first_nan_step for a in lab_ablations]
    initial = [a.runs["uniform"].result.losses[0] for a in lab_ablations]
    predicted = relu_growth(0.5)
    growth = [
        measured_growth("uniform", a.runs["uniform"].weight_seed, a.seed) for a in lab_ablations
    ]
    evidence.record(
        modes=modes,
        first_nan_step=nan_steps,
        initial_loss=initial,
        predicted_growth_per_layer=predicted,
        measured_growth_per_layer=growth,
        steps=DEFAULTS.steps,
    )
    held = [
        mode == "nan" and abs(g / predicted - 1) < GROWTH_RTOL
        for mode, g in zip(modes, growth, strict=True)
    ]
    evidence.seeds(run=len(held), held=sum(held))
    assert all(held), (
        f"expected NaN blow-up with second-moment growth ~{predicted:.3g} per layer on every "
        f"seed; measured modes {modes}, growth {[round(g, 3) for g in growth]}"
    )


# The other failure mode: "flatlines at random", "the gradient is zero everywhere". A flat loss
# averages (last 100 steps) within FLAT_TOL nats of chance, ln 2; a vanished gradient has a
# first-layer norm below VANISHED_GRAD (Kaiming's is about 1.5 at step 0 on the same data).
FLAT_TOL = 0.01
VANISHED_GRAD = 1e-4
SMALL_UNIFORM = 0.05  # the lab's "U[-0.05, 0.05]" (its hint of last resort)
SMALL_UNIFORM_STEPS = 300
SMALL_UNIFORM_SEEDS = (0, 1, 2)


@pytest.mark.claim("lab01.uniform-failure-mode")
@pytest.mark.parametrize("seed", SMALL_UNIFORM_SEEDS)
def test_the_same_formula_below_one_gives_the_flatline(seed: int, evidence: Evidence) -> None:
    """U[-0.05, 0.05]: n_in Var(W) / 2 = 0.107 < 1, so the signal vanishes and the loss is flat."""
    init = f"uniform:{SMALL_UNIFORM}"
    model = build_mlp(depth=12, width=256, in_dim=256, out_dim=2, init=init, seed=seed)
    growth = measured_growth(init, seed, seed)
    first = linear_layers(model)[0]
    config = dataclasses.replace(DEFAULTS, steps=SMALL_UNIFORM_STEPS).train_config(seed)
    result = train(model, toy_data(seed), config, probes={"grad": lambda m: grad_norm(first)})
    off_chance = abs(last_mean(result.losses) - chance_loss(2))
    worst_grad = max(value for _, value in result.probes["grad"])
    evidence.record(
        predicted_growth_per_layer=relu_growth(SMALL_UNIFORM),
        measured_growth_per_layer=growth,
        last_100_mean_minus_chance=off_chance,
        max_first_layer_grad_norm=worst_grad,
        first_nan_step=result.first_nan_step,
        steps=SMALL_UNIFORM_STEPS,
    )
    flat = result.first_nan_step is None and off_chance < FLAT_TOL and worst_grad < VANISHED_GRAD
    evidence.seeds(run=1, held=int(flat))
    assert growth < 1 and abs(growth / relu_growth(SMALL_UNIFORM) - 1) < GROWTH_RTOL
    assert flat, (
        f"expected a last-100 mean loss within {FLAT_TOL} of chance and first-layer gradients "
        f"below {VANISHED_GRAD}; measured {off_chance:.3g} and {worst_grad:.3g}"
    )


@pytest.mark.claim("lab01.xavier-slow")
def test_xavier_trains_but_slowly(lab_ablations: list[Ablation], evidence: Evidence) -> None:
    xavier = [a.runs["xavier"] for a in lab_ablations]
    kaiming = [a.runs["kaiming"] for a in lab_ablations]
    heads = [first_mean(run.result.losses) for run in xavier]
    tails = [last_mean(run.result.losses) for run in xavier]
    kaiming_tails = [last_mean(run.result.losses) for run in kaiming]
    slopes = [run.slope for run in xavier]
    evidence.record(
        first_100_mean=heads,
        last_100_mean=tails,
        kaiming_last_100_mean=kaiming_tails,
        slope_last_200=slopes,
        final_loss=[run.final_loss for run in xavier],
        steps=DEFAULTS.steps,
        slope_window=SLOPE_WINDOW,
    )
    held = [
        slope is not None and slope < 0 and tail < head and tail > SLOW_FACTOR * k_tail
        for slope, head, tail, k_tail in zip(slopes, heads, tails, kaiming_tails, strict=True)
    ]
    evidence.seeds(run=len(held), held=sum(held))
    assert all(held), (
        "expected Xavier's loss to go down (negative slope over the last 200 steps, last-100 "
        f"mean below first-100 mean) yet end above {SLOW_FACTOR:g}x Kaiming's; measured slopes "
        f"{slopes}, first-100 means {heads}, last-100 means {tails}, Kaiming {kaiming_tails}"
    )


@pytest.mark.claim("lab01.kaiming-trains")
def test_kaiming_descends_smoothly_to_a_low_loss(
    lab_ablations: list[Ablation], evidence: Evidence
) -> None:
    kaiming = [a.runs["kaiming"] for a in lab_ablations]
    tails = [last_mean(run.result.losses) for run in kaiming]
    worst_rise = [max(window_rises(run.result.losses), default=math.inf) for run in kaiming]
    evidence.record(
        last_100_mean=tails,
        final_loss=[run.final_loss for run in kaiming],
        worst_window_rise=worst_rise,
        val_loss=[run.result.val_loss for run in kaiming],
        val_accuracy=[run.result.val_accuracy for run in kaiming],
        steps=DEFAULTS.steps,
    )
    held = [
        tail < LOW_LOSS and rise <= SMOOTH_RISE
        for tail, rise in zip(tails, worst_rise, strict=True)
    ]
    evidence.seeds(run=len(held), held=sum(held))
    assert all(held), (
        f"expected a last-100 mean loss below {LOW_LOSS} and no {SMOOTH_WINDOW}-step window "
        f"rising by more than {SMOOTH_RISE}; measured {tails}, worst rises {worst_rise}"
    )


@pytest.mark.claim("lab01.ordering")
def test_curves_end_clearly_apart_kaiming_xavier_uniform(
    lab_ablations: list[Ablation], evidence: Evidence
) -> None:
    ends = [
        {init: last_mean(a.runs[init].result.losses) for init in ("kaiming", "xavier", "uniform")}
        for a in lab_ablations
    ]
    evidence.record(last_100_mean=ends, steps=DEFAULTS.steps, clear_gap=CLEAR_GAP)
    held = [
        end["xavier"] - end["kaiming"] >= CLEAR_GAP and end["uniform"] - end["xavier"] >= CLEAR_GAP
        for end in ends
    ]
    evidence.seeds(run=len(held), held=sum(held))
    assert all(held), (
        f"expected Kaiming < Xavier < uniform, each at least {CLEAR_GAP} apart (NaN = inf); "
        f"measured last-100 means {ends}"
    )


def batch_digests(model: nn.Module, record: list[str]) -> None:
    """Append a digest of every training batch the model's first layer sees (not evaluation)."""

    def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
        if module.training:
            record.append(hashlib.sha1(inputs[0].detach().numpy().tobytes()).hexdigest())

    linear_layers(model)[0].register_forward_pre_hook(hook)


@pytest.mark.claim("lab01.same-batches")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_runs_share_batches_but_not_weights(seed: int, evidence: Evidence) -> None:
    """Watch the first 50 batches of each run (the batch order does not depend on the length)."""
    steps = 50
    config = dataclasses.replace(DEFAULTS, steps=steps)
    seen: dict[str, list[str]] = {}
    first_weights: dict[str, torch.Tensor] = {}

    def watch(init: str, model: nn.Module) -> None:
        seen[init] = []
        batch_digests(model, seen[init])
        first_weights[init] = linear_layers(model)[0].weight.detach().clone().flatten()

    ablation = run_ablation(config, seed, on_model=watch)
    data = toy_data(seed)
    order = batch_order(len(data.x_train), config.batch_size, steps, seed)
    expected = [hashlib.sha1(data.x_train[index].numpy().tobytes()).hexdigest() for index in order]
    # A run that hits NaN sees a prefix of the batches (its forward passes stop there).
    prefix_ok = {init: seen[init] == expected[: len(seen[init])] for init in seen}
    standardised = {init: (w - w.mean()) / w.std() for init, w in first_weights.items()}
    inits = list(standardised)
    correlations = {
        f"{a}~{b}": float((standardised[a] * standardised[b]).mean())
        for i, a in enumerate(inits)
        for b in inits[i + 1 :]
    }
    weight_seeds = {init: run.weight_seed for init, run in ablation.runs.items()}
    evidence.record(
        batches_seen={init: len(s) for init, s in seen.items()},
        same_batches=prefix_ok,
        weight_seeds=weight_seeds,
        data_seed=seed,
        weight_correlations=correlations,
        steps=steps,
    )
    evidence.seeds(run=1, held=int(all(prefix_ok.values())))
    assert all(prefix_ok.values()), f"runs saw different batches: {prefix_ok}"
    assert (
        len(set(weight_seeds.values())) == len(weight_seeds) and seed not in weight_seeds.values()
    )
    assert all(abs(r) < INDEPENDENT_CORRELATION for r in correlations.values()), (
        f"expected independent weight draws (|correlation| < {INDEPENDENT_CORRELATION}); "
        f"measured {correlations}"
    )
