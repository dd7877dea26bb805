"""tanh saturation in the single-hidden-layer char model, and dead units.

The post's first model, which is also the lecture's (embedding 10, context 3, hidden 200,
tanh), at init on the first training batch of 32 (the post reads ``h`` from the forward pass
of its first step), over several weight seeds: how far the naive N(0, 1) init spreads the
pre-activations, how many outputs pile at +-1, how little gradient saturated units pass, and
what shrinking W1 and b1 does to all of it. No training: every seed costs a forward and a
backward pass, so every claim here is judged over ``SEEDS`` (shifted by --seed-base).

The corpus is the lecture's names file (V = 27), the lecture's own; the post measured on its
bird names (V = 29), which are not available, so the post's claims (blog.*) are measured on
other data than the post's, and record so.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch
from torch.nn import functional as F

from initspec.claims.registry import CLAIMS
from initspec.data.corpus import CharSplits, Vocabulary
from initspec.experiments.char_diagnostics import BATCH_SIZE, first_batch
from initspec.models.charmodel import CharMLP, build_char_mlp
from initspec.plotting.diagnostics import plot_saturation_map
from initspec.plugin.evidence import Evidence, every, interpreted, stated
from initspec.training.diagnostics import (
    DEAD_THRESHOLD,
    SATURATION_THRESHOLD,
    Diagnostics,
    dead_units,
)

SEEDS = tuple(range(10))  # a forward and a backward pass each: cheap, so ten in every tier

SPREAD = CLAIMS["lecture.tanh-saturation-grad"].value("preactivation_range")
SHRINK = CLAIMS["lecture.shrink-preactivations"]
SHRUNK_SPREAD = SHRINK.value("preactivation_range")
SHRINK_FACTOR = SHRINK.value("factor")

# Test-only readings of the documents' words (no document puts numbers on them):
# "about ±15", "e.g., ±1.5": the range holding 99 % of abs(pre) within a factor 1.5 of it;
ABOUT = 1.5
# "a large majority of the output values ... are close to -1 or 1" (the post), "post-activation
# mass at ±1" (the lecture): more than half of the outputs (no number is put on "large");
MAJORITY = 0.5
# "remove most saturation": the saturated share falls to under half of the naive model's;
MOST_REMOVED = 0.5
# "1 − h² ≈ 0", "pass almost no gradient": where abs(h) > 0.99 (the post's saturation map),
# tanh passes at most 1 − 0.99² of the gradient arriving at its output;
SATURATED_DERIVATIVE = 1 - DEAD_THRESHOLD**2


@dataclass
class HiddenLayer:
    """The hidden layer on one batch: pre-activations, outputs, and the gradients at both."""

    pre: torch.Tensor
    out: torch.Tensor
    grad_pre: torch.Tensor
    grad_out: torch.Tensor

    def passed(self) -> torch.Tensor:
        """The share of the gradient at the output that reaches the pre-activation, per entry."""
        return (self.grad_pre / self.grad_out).abs()


def hidden_layer(model: CharMLP, splits: CharSplits, seed: int) -> HiddenLayer:
    """Forward and backward the first batch of data seed ``seed``, keeping the hidden layer."""
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


def naive(vocab: Vocabulary, seed: int) -> CharMLP:
    return build_char_mlp(vocab.size, init="naive", seed=seed)


def shrunk(vocab: Vocabulary, seed: int, factor: float = SHRINK_FACTOR) -> CharMLP:
    """The naive model with W1 and b1 x ``factor``, as the lecture shrinks them."""
    model = naive(vocab, seed)
    with torch.no_grad():
        model.hidden.weight.mul_(factor)
        model.hidden.bias.mul_(factor)
    return model


def spread(pre: torch.Tensor) -> float:
    """Half-width of the range holding 99% of the pre-activations (what a histogram shows)."""
    return float(torch.quantile(pre.abs().flatten(), 0.99))


def fraction(mask: torch.Tensor) -> float:
    return float(mask.float().mean())


@pytest.fixture(scope="module")
def seeds(seed_base: int) -> list[int]:
    return [seed_base + seed for seed in SEEDS]


@pytest.mark.claim("blog.tanh-saturation")
def test_naive_init_saturates_many_hidden_units(
    seeds: list[int],
    char_data: tuple[Vocabulary, CharSplits],
    corpus: dict[str, object],
    post_corpus: dict[str, str],
    evidence: Evidence,
) -> None:
    """Many: more than half of the (example, unit) outputs at abs(h) > 0.99, every seed; and
    there autograd passes through tanh on average at most 1 − 0.99² of the gradient arriving
    at its output, every seed."""
    evidence.horizon(steps=0, document_steps=0)  # the post reads h on its first batch, at init
    vocab, splits = char_data
    layers = [hidden_layer(naive(vocab, seed), splits, seed) for seed in seeds]
    saturated = [layer.out.abs() > DEAD_THRESHOLD for layer in layers]
    evidence.record(
        per_seed=[
            {
                "seed": seed,
                "fraction_above_0.99": fraction(mask),
                "max_gradient_passed_where_saturated": float(layer.passed()[mask].max()),
                "hidden_fix_fraction_above_0.99": fraction(
                    hidden_layer(
                        build_char_mlp(vocab.size, init="hidden-fix", seed=seed), splits, seed
                    )
                    .out.abs()
                    .gt(DEAD_THRESHOLD)
                ),
            }
            for seed, layer, mask in zip(seeds, layers, saturated, strict=True)
        ],
        batch=BATCH_SIZE,
        hidden=200,
        threshold=DEAD_THRESHOLD,
        **corpus,
        **post_corpus,
    )
    figure = evidence.artifact_dir / f"saturation_map_naive_seed{seeds[0]}.png"
    evidence.artifact(plot_saturation_map(figure, layers[0].out))
    evidence.check(
        "share of hidden outputs at abs(h) > 0.99",
        [fraction(mask) for mask in saturated],
        comparison=">",
        bound=MAJORITY,
        rule=every(),
        document="a large majority of the output values of the first layer are close to -1 or 1",
        reading=interpreted(
            "a large majority: more than half at abs(h) > 0.99, the post's own map threshold"
        ),
    )
    evidence.check(
        "mean share of the gradient passed where abs(h) > 0.99",
        [float(layer.passed()[mask].mean()) for layer, mask in zip(layers, saturated, strict=True)],
        comparison="<=",
        bound=SATURATED_DERIVATIVE,
        rule=every(),
        document="Derivative: $$f'(x) = 1 - \\tanh^2(x) \\approx 0$$ ... Result: No gradient flow, "
        "no learning",
        reading=interpreted("≈ 0: where abs(h) > 0.99, 1 - h² <= 1 - 0.99², about 2 %"),
    )


@pytest.mark.claim("blog.dead-neurons")
@pytest.mark.parametrize(
    ("margin", "limit"),
    [(3.0, 0.05), (20.0, 0.0)],
    ids=["saturated-abs-pre-over-3", "pinned-abs-pre-over-20"],
)
def test_a_unit_saturated_for_the_whole_batch_passes_no_gradient(
    seeds: list[int],
    char_data: tuple[Vocabulary, CharSplits],
    corpus: dict[str, object],
    post_corpus: dict[str, str],
    evidence: Evidence,
    margin: float,
    limit: float,
) -> None:
    """Make units 0-9 saturated for every example (their bias pushes abs(pre) >= margin).

    No gradient: the weight-gradient norm of each such unit is at most ``limit`` x the median
    live unit's (exactly zero once tanh rounds to +-1 in float32), every seed; and the
    diagnostics flag every one of them as dead, every seed.
    """
    evidence.horizon(steps=0, document_steps=0)  # units made dead at init, as the post looks
    vocab, splits = char_data
    chosen = torch.arange(10)
    per_seed = []
    for seed in seeds:
        model = naive(vocab, seed)
        x = splits.train.x[first_batch(splits, seed)]
        with torch.no_grad():
            drive = (model.embedding(x).flatten(1) @ model.hidden.weight.T).abs().amax(dim=0)
            sign = torch.where(chosen % 2 == 0, 1.0, -1.0)
            model.hidden.bias[chosen] = sign * (drive[chosen] + margin)
        natural = hidden_layer(naive(vocab, seed), splits, seed)
        natural_dead = int(dead_units(natural.out, saturating=True).sum())
        with Diagnostics(model) as diag:
            layer = hidden_layer(model, splits, seed)
            flagged = dead_units(diag.outputs["act"], saturating=True)
        assert model.hidden.weight.grad is not None
        norms = model.hidden.weight.grad.norm(dim=1)
        live = norms[~flagged].median()
        per_seed.append(
            {
                "seed": seed,
                "max_dead_to_live_grad_ratio": float((norms[chosen] / live).max()),
                "all_made_dead_flagged": bool(flagged[chosen].all()),
                "flagged_by_diagnostics": int(flagged.sum()),
                "naturally_dead_units_in_naive_batch": natural_dead,
                "min_abs_output_of_dead_units": float(layer.out[:, chosen].abs().min()),
            }
        )
    evidence.record(
        per_seed=per_seed,
        units_made_dead=10,
        margin=margin,
        limit=limit,
        **corpus,
        **post_corpus,
    )
    evidence.check(
        "largest weight-gradient norm of a saturated unit / the median live unit's",
        [row["max_dead_to_live_grad_ratio"] for row in per_seed],
        comparison="<=",
        bound=limit,
        rule=every(),
        document="a neuron that outputs a constant value ... does not contribute to the learning",
        reading=interpreted(
            "no contribution: a saturated unit's weight gradient a small fraction of a live one's"
        ),
    )
    evidence.check_all(
        "the diagnostics flag every unit made dead",
        [bool(row["all_made_dead_flagged"]) for row in per_seed],
        document="look for any dead neurons in the hidden layer",
        reading=stated(),
    )


@pytest.mark.claim("lecture.tanh-saturation-grad")
def test_tanh_local_derivative_is_one_minus_t_squared(evidence: Evidence) -> None:
    """Exact: autograd's d tanh / dx equals 1 − t² on a grid of 4001 points in [-20, 20]
    (float64; to 1e-12, rounding aside)."""
    x = torch.linspace(-20, 20, 4001, dtype=torch.float64, requires_grad=True)
    t = torch.tanh(x)
    (grad,) = torch.autograd.grad(t.sum(), x)
    error = float((grad - (1 - t.detach() ** 2)).abs().max())
    evidence.record(points=4001, range=[-20, 20], dtype="float64")
    evidence.check(
        "largest abs(autograd d tanh/dx - (1 - t^2))",
        error,
        comparison="<",
        bound=1e-12,
        document="Local derivative of tanh is 1 − t^2",
        reading=stated("exact, up to float64 rounding"),
    )


@pytest.mark.claim("lecture.tanh-saturation-grad")
def test_naive_preactivations_spread_to_about_15_and_saturated_units_pass_little(
    seeds: list[int],
    char_data: tuple[Vocabulary, CharSplits],
    corpus: dict[str, object],
    evidence: Evidence,
) -> None:
    """About ±15: the 99 % range of abs(pre) within a factor 1.5 of 15. Outputs pile at ±1:
    more than half at abs(t) > 0.97. Little gradient: where abs(t) > 0.99 the pre-activation
    gets on average at most 1 − 0.99² of the gradient arriving at the output. Every seed."""
    evidence.horizon(steps=0, document_steps=0)  # the lecture's histograms at init
    vocab, splits = char_data
    layers = [hidden_layer(naive(vocab, seed), splits, seed) for seed in seeds]
    rows = []
    for seed, layer in zip(seeds, layers, strict=True):
        saturated = layer.out.abs() > DEAD_THRESHOLD
        rows.append(
            {
                "seed": seed,
                "pre_99pct_abs": spread(layer.pre),
                "pre_max_abs": float(layer.pre.abs().max()),
                "pre_std": float(layer.pre.std()),
                "fraction_above_0.97": fraction(layer.out.abs() > SATURATION_THRESHOLD),
                "gradient_passed_where_saturated": float(layer.passed()[saturated].mean()),
                "gradient_passed_where_abs_t_below_0.5": float(
                    layer.passed()[layer.out.abs() < 0.5].mean()
                ),
            }
        )
    evidence.record(per_seed=rows, **corpus)
    evidence.check(
        "99 % range of abs(pre-activation)",
        [row["pre_99pct_abs"] for row in rows],
        comparison="in",
        bound=[SPREAD / ABOUT, SPREAD * ABOUT],
        rule=every(),
        document="broad pre-activation ranges (e.g., ±15)",
        reading=interpreted("about ±15: the 99 % range of abs(pre) within a factor 1.5 of 15"),
    )
    evidence.check(
        "share of outputs at abs(t) > 0.97",
        [row["fraction_above_0.97"] for row in rows],
        comparison=">",
        bound=MAJORITY,
        rule=every(),
        document="post-activation mass at ±1, indicating severe saturation",
        reading=interpreted("mass at ±1: more than half the outputs at abs(t) > 0.97 (both tails)"),
    )
    evidence.check(
        "mean share of the gradient passed where abs(t) > 0.99",
        [row["gradient_passed_where_saturated"] for row in rows],
        comparison="<=",
        bound=SATURATED_DERIVATIVE,
        rule=every(),
        document="1 − t^2, which is near zero in the tails, so gradients are effectively killed",
        reading=interpreted("near zero: where abs(t) > 0.99, 1 - t² <= 1 - 0.99²"),
    )


@pytest.mark.claim("lecture.shrink-preactivations")
def test_shrinking_w1_and_b1_contracts_preactivations_and_removes_saturation(
    seeds: list[int],
    char_data: tuple[Vocabulary, CharSplits],
    corpus: dict[str, object],
    evidence: Evidence,
) -> None:
    """About ±1.5: the 99 % range within a factor 1.5 of 1.5. Most saturation gone: the share
    at abs(t) > 0.97 falls to under half of the naive model's. Every seed."""
    evidence.horizon(steps=0, document_steps=0)  # the lecture's histograms at init
    vocab, splits = char_data
    rows = []
    for seed in seeds:
        before = hidden_layer(naive(vocab, seed), splits, seed)
        after = hidden_layer(shrunk(vocab, seed), splits, seed)
        saturation_naive = fraction(before.out.abs() > SATURATION_THRESHOLD)
        saturation_shrunk = fraction(after.out.abs() > SATURATION_THRESHOLD)
        rows.append(
            {
                "seed": seed,
                "pre_99pct_abs_naive": spread(before.pre),
                "pre_99pct_abs_shrunk": spread(after.pre),
                "pre_max_abs_shrunk": float(after.pre.abs().max()),
                "saturation_naive": saturation_naive,
                "saturation_shrunk": saturation_shrunk,
                "saturation_shrunk_over_naive": saturation_shrunk / saturation_naive,
            }
        )
    evidence.record(
        per_seed=rows,
        factor=SHRINK_FACTOR,
        **corpus,
    )
    evidence.check(
        "99 % range of abs(pre-activation) after W1, b1 x 0.1",
        [row["pre_99pct_abs_shrunk"] for row in rows],
        comparison="in",
        bound=[SHRUNK_SPREAD / ABOUT, SHRUNK_SPREAD * ABOUT],
        rule=every(),
        document="Multiply weight matrices and biases by a factor such as 0.1 ... (e.g., ±1.5)",
        reading=interpreted("about ±1.5: the 99 % range of abs(pre) within a factor 1.5 of 1.5"),
    )
    evidence.check(
        "share at abs(t) > 0.97, shrunk / naive",
        [row["saturation_shrunk_over_naive"] for row in rows],
        comparison="<",
        bound=MOST_REMOVED,
        rule=every(),
        document="controlling those initialization scales prevents widespread saturation",
        reading=interpreted(
            "removes most saturation: the share at abs(t) > 0.97 under half the naive one"
        ),
    )
