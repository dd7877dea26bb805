"""tanh saturation in the single-hidden-layer char model, and dead units.

The post's first model (embedding 10, context 3, hidden 200, tanh) on the first training
batch of 32, over several weight seeds: how far the naive N(0, 1) init spreads the
pre-activations, how many outputs pile at +-1, how little gradient saturated units pass, and
what shrinking W1 and b1 by 0.1 does to all of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch
from torch.nn import functional as F

from initspec.charmodel import CharMLP, build_char_mlp
from initspec.corpus import default_splits
from initspec.diagnostics import DEAD_THRESHOLD, SATURATION_THRESHOLD, Diagnostics, dead_units
from initspec.diagnostics_plots import plot_saturation_map
from initspec.experiments.char_diagnostics import first_batch

SEEDS = (0, 1, 2)


@dataclass
class HiddenLayer:
    """The hidden layer on one batch: pre-activations, outputs, and the gradients at both."""

    pre: torch.Tensor
    out: torch.Tensor
    grad_pre: torch.Tensor
    grad_out: torch.Tensor


def hidden_layer(model: CharMLP, seed: int) -> HiddenLayer:
    """Forward and backward the first batch of data seed ``seed``, keeping the hidden layer."""
    _, splits = default_splits()
    index = first_batch(splits, seed)
    x, y = splits.train.x[index], splits.train.y[index]
    pre = model.hidden(model.embedding(x).flatten(1))
    pre.retain_grad()
    out = model.act(pre)
    out.retain_grad()
    loss = F.cross_entropy(model.output(out), y)
    loss.backward()  # type: ignore[no-untyped-call]
    assert pre.grad is not None and out.grad is not None
    return HiddenLayer(pre.detach(), out.detach(), pre.grad, out.grad)


def naive(seed: int) -> CharMLP:
    vocab, _ = default_splits()
    return build_char_mlp(vocab.size, init="naive", seed=seed)


def shrunk(seed: int, factor: float = 0.1) -> CharMLP:
    """The naive model with W1 and b1 x ``factor``, as the lecture shrinks them."""
    model = naive(seed)
    with torch.no_grad():
        model.hidden.weight.mul_(factor)
        model.hidden.bias.mul_(factor)
    return model


def spread(pre: torch.Tensor) -> float:
    """Half-width of the range holding 99% of the pre-activations (what a histogram shows)."""
    return float(torch.quantile(pre.abs().flatten(), 0.99))


def fraction(mask: torch.Tensor) -> float:
    return float(mask.float().mean())


@pytest.mark.claim("blog.tanh-saturation")
def test_naive_init_saturates_many_hidden_units(evidence) -> None:
    """Many: at least a quarter of the (example, unit) outputs at abs(h) > 0.99."""
    per_seed = []
    for seed in SEEDS:
        layer = hidden_layer(naive(seed), seed)
        saturated = layer.out.abs() > DEAD_THRESHOLD
        derivative = 1 - layer.out[saturated] ** 2
        per_seed.append(
            {
                "seed": seed,
                "fraction_above_0.99": fraction(saturated),
                "max_derivative_where_saturated": float(derivative.max()),
                "hidden_fix_fraction_above_0.99": fraction(
                    hidden_layer(
                        build_char_mlp(default_splits()[0].size, init="hidden-fix", seed=seed), seed
                    ).out.abs()
                    > DEAD_THRESHOLD
                ),
            }
        )
    held = [
        r["fraction_above_0.99"] >= 0.25 and r["max_derivative_where_saturated"] < 0.02
        for r in per_seed
    ]
    evidence.record(per_seed=per_seed, batch=32, hidden=200, threshold=DEAD_THRESHOLD)
    figure = evidence.artifact_dir / "saturation_map_naive_seed0.png"
    evidence.artifact(plot_saturation_map(figure, hidden_layer(naive(0), 0).out))
    evidence.seeds(run=len(SEEDS), held=sum(held))
    assert all(held), (
        f"expected >= 25% of outputs at abs(h) > 0.99 with 1 - h^2 < 0.02; got {per_seed}"
    )


@pytest.mark.claim("blog.dead-neurons")
@pytest.mark.parametrize(
    ("margin", "limit"),
    [(3.0, 0.05), (20.0, 0.0)],
    ids=["saturated-abs-pre-over-3", "pinned-abs-pre-over-20"],
)
def test_a_unit_saturated_for_the_whole_batch_passes_no_gradient(
    evidence, margin: float, limit: float
) -> None:
    """Make units 0-9 saturated for every example (their bias pushes abs(pre) >= margin).

    No gradient: the weight-gradient norm of each such unit is at most ``limit`` x the median
    live unit's (exactly zero once tanh rounds to +-1 in float32).
    """
    per_seed, held = [], 0
    for seed in SEEDS:
        model = naive(seed)
        _, splits = default_splits()
        x = splits.train.x[first_batch(splits, seed)]
        chosen = torch.arange(10)
        with torch.no_grad():
            drive = (model.embedding(x).flatten(1) @ model.hidden.weight.T).abs().amax(dim=0)
            sign = torch.where(chosen % 2 == 0, 1.0, -1.0)
            model.hidden.bias[chosen] = sign * (drive[chosen] + margin)
        natural_dead = int(dead_units(hidden_layer(naive(seed), seed).out, True).sum())
        with Diagnostics(model) as diag:
            layer = hidden_layer(model, seed)
            flagged = dead_units(diag.outputs["act"], saturating=True)
        assert model.hidden.weight.grad is not None
        norms = model.hidden.weight.grad.norm(dim=1)
        live = norms[~flagged].median()
        ratio = float((norms[chosen] / live).max())
        ok = ratio <= limit and bool(flagged[chosen].all())
        held += ok
        per_seed.append(
            {
                "seed": seed,
                "max_dead_to_live_grad_ratio": ratio,
                "flagged_by_diagnostics": int(flagged.sum()),
                "naturally_dead_units_in_naive_batch": natural_dead,
                "min_abs_output_of_dead_units": float(layer.out[:, chosen].abs().min()),
            }
        )
    evidence.record(per_seed=per_seed, units_made_dead=10, margin=margin, limit=limit)
    evidence.seeds(run=len(SEEDS), held=held)
    assert held == len(SEEDS), f"expected dead units' gradient <= {limit} x live; got {per_seed}"


@pytest.mark.claim("lecture.tanh-saturation-grad")
def test_tanh_local_derivative_is_one_minus_t_squared(evidence) -> None:
    x = torch.linspace(-20, 20, 4001, dtype=torch.float64, requires_grad=True)
    t = torch.tanh(x)
    (grad,) = torch.autograd.grad(t.sum(), x)
    error = float((grad - (1 - t.detach() ** 2)).abs().max())
    evidence.record(max_abs_error=error, points=4001, range=[-20, 20])
    assert error < 1e-12, f"expected autograd's d tanh / dx == 1 - t^2; max error {error}"


@pytest.mark.claim("lecture.tanh-saturation-grad")
def test_naive_preactivations_spread_to_about_15_and_saturated_units_pass_little(
    evidence,
) -> None:
    """About +-15: the 99% range of abs(pre) within a factor 1.5 of 15. Outputs pile at +-1:
    a majority at abs(t) > 0.97. Little gradient: where abs(t) > 0.99 the pre-activation gets
    under 2% of the gradient arriving at the output (1 - 0.99^2 = 0.0199)."""
    per_seed, held = [], 0
    for seed in SEEDS:
        layer = hidden_layer(naive(seed), seed)
        saturated = layer.out.abs() > DEAD_THRESHOLD
        live = layer.out.abs() < 0.5
        passed = (layer.grad_pre / layer.grad_out).abs()
        row = {
            "seed": seed,
            "pre_99pct_abs": spread(layer.pre),
            "pre_max_abs": float(layer.pre.abs().max()),
            "pre_std": float(layer.pre.std()),
            "fraction_above_0.97": fraction(layer.out.abs() > SATURATION_THRESHOLD),
            "gradient_passed_where_saturated": float(passed[saturated].mean()),
            "gradient_passed_where_abs_t_below_0.5": float(passed[live].mean()),
        }
        per_seed.append(row)
        held += (
            10.0 <= row["pre_99pct_abs"] <= 22.5
            and row["fraction_above_0.97"] > 0.5
            and row["gradient_passed_where_saturated"] < 0.02
        )
    evidence.record(per_seed=per_seed, document_spread=15)
    evidence.seeds(run=len(SEEDS), held=held)
    assert held == len(SEEDS), f"expected spread ~15, majority at +-1, <2% passed; got {per_seed}"


@pytest.mark.claim("lecture.shrink-preactivations")
def test_shrinking_w1_and_b1_contracts_preactivations_and_removes_saturation(evidence) -> None:
    """About +-1.5: the 99% range within a factor 1.5 of 1.5. Most saturation gone: the
    fraction at abs(t) > 0.97 falls to under half of the naive model's."""
    per_seed, held = [], 0
    for seed in SEEDS:
        before = hidden_layer(naive(seed), seed)
        after = hidden_layer(shrunk(seed), seed)
        row = {
            "seed": seed,
            "pre_99pct_abs_naive": spread(before.pre),
            "pre_99pct_abs_shrunk": spread(after.pre),
            "pre_max_abs_shrunk": float(after.pre.abs().max()),
            "saturation_naive": fraction(before.out.abs() > SATURATION_THRESHOLD),
            "saturation_shrunk": fraction(after.out.abs() > SATURATION_THRESHOLD),
        }
        per_seed.append(row)
        held += (
            1.0 <= row["pre_99pct_abs_shrunk"] <= 2.25
            and row["saturation_shrunk"] < 0.5 * row["saturation_naive"]
        )
    evidence.record(per_seed=per_seed, factor=0.1, document_spread=1.5)
    evidence.seeds(run=len(SEEDS), held=held)
    assert held == len(SEEDS), f"expected spread ~1.5 and most saturation gone; got {per_seed}"
