"""Lab 01's three-curve experiment at the lab's setup: 12 layers, 1000 steps, five weight seeds.

Each ablation (uniform, Xavier, Kaiming; same batches, own weight seeds) trains once per session
(spec/conftest.py); the tests below read different claims off the same runs. Rules: a statement
about what a run does at the lab's setup ("trains", "hits NaN", "descends smoothly") is judged on
every seed, since the document states it of the run, not of a typical run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import math
from typing import TYPE_CHECKING

import pytest
import torch
import torch.nn.functional as F
from criteria import CLEAR_GAP, DOCUMENT_STEPS, finals, trained_for
from torch import nn

from initspec.claims import CLAIMS
from initspec.data import batch_order, toy_data
from initspec.evidence import Evidence
from initspec.experiments.init_ablation import (
    DEFAULTS,
    SLOPE_WINDOW,
    Ablation,
    run_ablation,
    weight_seed,
)
from initspec.metrics import rise_above_running_min
from initspec.models import linear_layers
from initspec.phrases import (
    exploded,
    flat_at_chance,
    flat_band,
    low_loss_level,
    smooth_tolerance,
    trains_level,
    window_means,
)
from initspec.train import grad_norm

if TYPE_CHECKING:
    from conftest import Plan  # spec/conftest.py

# "NaN within ~20 steps" (Expected outcome, uniform).
NAN_WITHIN_STEPS = int(CLAIMS["lab01.uniform-fails"].value("nan_within_steps"))
# "If you accidentally drew uniform [-0.05, 0.05]" (the hint of last resort): the init the
# failure-mode test compares with the lab's U[-0.5, 0.5].
_VARIANCE = CLAIMS["lab01.uniform-variance"]
UNIFORM_BOUND = _VARIANCE.value("bound")
SMALL_UNIFORM_BOUND = _VARIANCE.value("small_bound")
# "Same underlying cause": the mean-field factor n_in Var(W) / 2 per Linear + ReLU predicts the
# growth of the second moment; the measured geometric-mean growth over the 11 hidden layers
# matches it within 25 % (finite width, 256 input examples).
GROWTH_RTOL = 0.25
# "Independent draws" of the weights: two runs' standardised first-layer weights (65,536
# entries, so about 0.004 standard deviation of the correlation for independent draws)
# correlate by less than 0.02 in absolute value.
INDEPENDENT_CORRELATION = 0.02
# The batch sequence does not depend on the run's length (initspec.data.batch_order): watching
# the first 50 batches of each run is watching the start of the lab's 1000-step sequence.
WATCHED_STEPS = 50


@pytest.mark.claim("lab01.uniform-fails")
def test_uniform_init_does_not_train(lab_ablations: list[Ablation], evidence: Evidence) -> None:
    chance = lab_ablations[0].chance
    nan_steps = [a.runs["uniform"].first_nan_step for a in lab_ablations]
    final = finals(lab_ablations, "uniform")
    trained_for(evidence, lab_ablations)
    evidence.record(first_nan_step=nan_steps, final_loss=final, chance=chance)
    # Every seed: the document says what the uniform run does, not what it does on average.
    evidence.check_all(
        f"NaN within ~{NAN_WITHIN_STEPS} steps, or flat at chance",
        [
            (step is not None and step <= NAN_WITHIN_STEPS) or flat_at_chance(loss, chance)
            for step, loss in zip(nan_steps, final, strict=True)
        ],
        document="forward-pass blow-up → NaN within ~20 steps, or saturated ReLU → loss "
        "flatlines at random",
    )


def relu_growth(bound: float) -> float:
    """Predicted factor per Linear + ReLU on the second moment of U[-a, a] weights at the lab's
    width: n_in Var(W) / 2, Var = a^2 / 3."""
    return DEFAULTS.width * (bound * bound / 3) / 2


def growth_band(bound: float) -> list[float]:
    predicted = relu_growth(bound)
    return [predicted * (1 - GROWTH_RTOL), predicted * (1 + GROWTH_RTOL)]


def measured_growth(init: str, weight_seed: int, data_seed: int) -> float:
    """Geometric-mean growth of the second moment per hidden layer, at init, on real inputs."""
    data = toy_data(data_seed)
    model = DEFAULTS.build_model(init, data, weight_seed)
    moments = second_moments(model, data.x_train[:256])
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


def first_layer_grad_at_init(init: str, weight_seed: int, data_seed: int) -> float:
    """The first Linear layer's gradient norm at init, on the run's first training batch."""
    data = toy_data(data_seed)
    model = DEFAULTS.build_model(init, data, weight_seed)
    batch = batch_order(len(data.x_train), DEFAULTS.batch_size, 1, data_seed)[0]
    F.cross_entropy(model(data.x_train[batch]), data.y_train[batch]).backward()
    return grad_norm(linear_layers(model)[0])


@pytest.mark.claim("lab01.uniform-failure-mode")
def test_uniform_fails_by_forward_blow_up_from_its_scale(
    lab_ablations: list[Ablation], evidence: Evidence
) -> None:
    """The mode (NaN or flatline) and its step; the cause is the scale: n_in Var(W) / 2 per layer.

    ReLU halves the second moment and a layer multiplies it by n_in Var(W); with U[-0.5, 0.5]
    that is 256 / 12 / 2 = 10.7 per layer: the forward pass blows up, which is what makes the
    loss NaN. The same formula below 1 gives the other mode; see the next test.
    """
    runs = [a.runs["uniform"] for a in lab_ablations]
    growth = [
        measured_growth("uniform", run.weight_seed, a.seed)
        for run, a in zip(runs, lab_ablations, strict=True)
    ]
    trained_for(evidence, lab_ablations)
    evidence.record(
        first_nan_step=[run.first_nan_step for run in runs],
        flatline_step=[run.flatline_step for run in runs],
        initial_loss=[run.result.losses[0] for run in runs],
        predicted_growth_per_layer=relu_growth(UNIFORM_BOUND),
        measured_growth_per_layer=growth,
    )
    # Every seed: the mode is what each run does; the growth is a property of each draw.
    evidence.check_all(
        "the uniform run hits NaN (forward blow-up)",
        [exploded(run.result.losses) for run in runs],
        document="At what step did uniform init produce its first NaN (or saturation)?",
    )
    evidence.check(
        "second-moment growth per layer at init, against n_in Var(W) / 2",
        growth,
        comparison="in",
        bound=growth_band(UNIFORM_BOUND),
        document="a different failure mode than blow-up but the same underlying cause",
    )


@pytest.mark.claim("lab01.uniform-failure-mode")
def test_the_same_formula_below_one_gives_the_flatline(
    small_uniform_ablations: list[Ablation], evidence: Evidence
) -> None:
    """U[-0.05, 0.05]: n_in Var(W) / 2 = 0.107 < 1, so the signal shrinks at every layer and
    the loss stays flat at chance, with no NaN.

    The document's "the gradient is zero everywhere" comes from ReLUs that are all zero; this
    init does not kill the units (it shrinks their signal), so its first-layer gradient at init
    is recorded beside Kaiming's on the same batch rather than judged as "zero".
    """
    chance = small_uniform_ablations[0].chance
    runs = [next(iter(a.runs.values())) for a in small_uniform_ablations]
    init = runs[0].init
    growth = [
        measured_growth(init, run.weight_seed, a.seed)
        for run, a in zip(runs, small_uniform_ablations, strict=True)
    ]
    final = finals(small_uniform_ablations, init)
    kaiming_index = DEFAULTS.inits.index("kaiming")  # the lab's Kaiming run, same data seed
    trained_for(evidence, small_uniform_ablations)
    evidence.record(
        init=init,
        predicted_growth_per_layer=relu_growth(SMALL_UNIFORM_BOUND),
        measured_growth_per_layer=growth,
        first_nan_step=[run.first_nan_step for run in runs],
        flatline_step=[run.flatline_step for run in runs],
        final_loss=final,
        chance=chance,
        first_layer_grad_norm_at_init=[
            first_layer_grad_at_init(init, run.weight_seed, a.seed)
            for run, a in zip(runs, small_uniform_ablations, strict=True)
        ],
        kaiming_first_layer_grad_norm_at_init=[
            first_layer_grad_at_init("kaiming", weight_seed(a.seed, kaiming_index), a.seed)
            for a in small_uniform_ablations
        ],
    )
    # Every seed: the growth is a property of each draw, the flatline what each run does.
    evidence.check(
        "second-moment growth per layer at init, against n_in Var(W) / 2 (below one)",
        growth,
        comparison="in",
        bound=growth_band(SMALL_UNIFORM_BOUND),
        document="the same underlying cause",
    )
    evidence.check(
        "final loss flat at chance (no NaN)",
        final,
        comparison="in",
        bound=list(flat_band(chance)),
        unit="nats",
        document="Uniform doesn't NaN, just plateaus ... no NaN, but no learning",
    )


@pytest.mark.claim("lab01.xavier-slow")
def test_xavier_trains_but_slowly(lab_ablations: list[Ablation], evidence: Evidence) -> None:
    """ "Trains, but slowly": it trains (the phrase), ends clearly above Kaiming ("somewhere in
    between"), and is still going down over the document's last-200-step window."""
    chance = lab_ablations[0].chance
    xavier, kaiming = finals(lab_ablations, "xavier"), finals(lab_ablations, "kaiming")
    above_kaiming = [
        None if x is None or k is None else x - k for x, k in zip(xavier, kaiming, strict=True)
    ]
    slopes = [a.runs["xavier"].slope for a in lab_ablations]
    trained_for(evidence, lab_ablations)
    evidence.record(
        final_loss=xavier,
        kaiming_final_loss=kaiming,
        chance=chance,
        final_loss_above_kaiming=above_kaiming,
        slope_last_window=slopes,
        slope_window=SLOPE_WINDOW,
        flat_at_chance=[flat_at_chance(loss, chance) for loss in xavier],
    )
    # Every seed: the document says what the Xavier run does at the lab's setup.
    evidence.check(
        "final loss: trains",
        xavier,
        comparison="<=",
        bound=trains_level(chance),
        unit="nats",
        document="Xavier: trains, but slowly.",
    )
    evidence.check(
        "final loss above Kaiming's",
        above_kaiming,
        comparison=">=",
        bound=CLEAR_GAP,
        unit="nats",
        document="the Xavier run is somewhere in between",
    )
    evidence.check(
        f"slope of the loss over the last {SLOPE_WINDOW} steps",
        slopes,
        comparison="<",
        bound=0.0,
        unit="nats/step",
        document="Loss curve descends sluggishly ... Compute the slope of its loss curve over "
        "the last 200 steps.",
    )


@pytest.mark.claim("lab01.kaiming-trains")
def test_kaiming_descends_smoothly_to_a_low_loss(
    lab_ablations: list[Ablation], evidence: Evidence
) -> None:
    chance = lab_ablations[0].chance
    runs = [a.runs["kaiming"] for a in lab_ablations]
    final = finals(lab_ablations, "kaiming")
    rises = [rise_above_running_min(window_means(run.result.losses)) for run in runs]
    trained_for(evidence, lab_ablations)
    evidence.record(
        final_loss=final,
        worst_window_rise=rises,
        val_loss=[run.result.val_loss for run in runs],
        val_accuracy=[run.result.val_accuracy for run in runs],
    )
    # Every seed: "trains as expected" is said of the run, each run.
    evidence.check(
        "final loss: a low loss",
        final,
        comparison="<=",
        bound=low_loss_level(chance),
        unit="nats",
        document="Kaiming: trains as expected.",
    )
    evidence.check(
        "largest rise of a window mean above the lowest before it: smooth",
        rises,
        comparison="<=",
        bound=smooth_tolerance(chance),
        unit="nats",
        document="Smooth descent.",
    )


@pytest.mark.claim("lab01.ordering")
def test_curves_end_clearly_apart_kaiming_xavier_uniform(
    lab_ablations: list[Ablation], evidence: Evidence
) -> None:
    ends = {init: finals(lab_ablations, init) for init in ("kaiming", "xavier", "uniform")}
    xavier_above_kaiming = [
        None if x is None or k is None else x - k
        for x, k in zip(ends["xavier"], ends["kaiming"], strict=True)
    ]
    # A run that hit NaN never finished: it ends above every run that did.
    uniform_above_xavier = [
        u is None or (x is not None and u - x >= CLEAR_GAP)
        for u, x in zip(ends["uniform"], ends["xavier"], strict=True)
    ]
    trained_for(evidence, lab_ablations)
    evidence.record(
        final_loss=ends,
        xavier_above_kaiming=xavier_above_kaiming,
        clear_gap=CLEAR_GAP,
    )
    # Every seed: the figure of each seed must show the three curves apart, in this order.
    evidence.check(
        "Xavier's final loss above Kaiming's",
        xavier_above_kaiming,
        comparison=">=",
        bound=CLEAR_GAP,
        unit="nats",
        document="three curves on the same axes, clearly differentiated",
    )
    evidence.check_all(
        "uniform ends clearly above Xavier, or hit NaN",
        uniform_above_xavier,
        document="the uniform run diverges or flatlines; the Kaiming run trains; the Xavier run "
        "is somewhere in between",
    )


def batch_digests(model: nn.Module, record: list[str]) -> None:
    """Append a digest of every training batch the model's first layer sees (not evaluation)."""

    def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
        if module.training:
            record.append(hashlib.sha1(inputs[0].detach().numpy().tobytes()).hexdigest())

    linear_layers(model)[0].register_forward_pre_hook(hook)


def watch_runs(seed: int) -> tuple[bool, list[int], float]:
    """Train the lab's three runs of data seed ``seed`` for WATCHED_STEPS steps; return whether
    every run saw the data seed's batch sequence (a run that hits NaN sees a prefix of it), the
    weight seeds, and the largest |correlation| of two runs' standardised first-layer weights."""
    config = dataclasses.replace(DEFAULTS, steps=WATCHED_STEPS)
    seen: dict[str, list[str]] = {}
    first_weights: dict[str, torch.Tensor] = {}

    def watch(init: str, model: nn.Module) -> None:
        seen[init] = []
        batch_digests(model, seen[init])
        first_weights[init] = linear_layers(model)[0].weight.detach().clone().flatten()

    ablation = run_ablation(config, seed, on_model=watch)
    data = toy_data(seed)
    order = batch_order(len(data.x_train), config.batch_size, WATCHED_STEPS, seed)
    expected = [hashlib.sha1(data.x_train[index].numpy().tobytes()).hexdigest() for index in order]
    same = all(bool(s) and s == expected[: len(s)] for s in seen.values())
    standardised = [(w - w.mean()) / w.std() for w in first_weights.values()]
    correlation = max(
        abs(float((a * b).mean())) for a, b in itertools.combinations(standardised, 2)
    )
    return same, [run.weight_seed for run in ablation.runs.values()], correlation


@pytest.mark.claim("lab01.same-batches")
def test_runs_share_batches_but_not_weights(
    lab01_plans: dict[str, Plan], evidence: Evidence
) -> None:
    seeds = lab01_plans["lab"].seeds
    watched = [watch_runs(seed) for seed in seeds]
    evidence.horizon(steps=WATCHED_STEPS, document_steps=DOCUMENT_STEPS)
    evidence.record(
        data_seeds=list(seeds),
        weight_seeds=[w for _, w, _ in watched],
        largest_weight_correlation=[c for _, _, c in watched],
    )
    # Every seed: "same seed for data shuffling across runs" is a property of every triple.
    evidence.check_all(
        "the three runs see the data seed's batch sequence",
        [same for same, _, _ in watched],
        document="Same seed for data shuffling across runs (so the three runs see identical "
        "batch sequences).",
    )
    evidence.check_all(
        "weight seeds differ from each other and from the data seed",
        [
            len(set(weights)) == len(weights) and seed not in weights
            for seed, (_, weights, _) in zip(seeds, watched, strict=True)
        ],
        document="Different seed for each init's weight sampling",
    )
    evidence.check(
        "largest |correlation| of two runs' first-layer weights",
        [c for _, _, c in watched],
        comparison="<",
        bound=INDEPENDENT_CORRELATION,
        document="so the inits themselves are independent draws",
    )
