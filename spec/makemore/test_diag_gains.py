"""The post's gain figures: the 5-layer tanh MLP (hidden 100) at init, with and without BatchNorm.

Each case is one batch of 32 forward and backward with diagnostics attached (the same
``gain_snapshot`` the makemore lab draws its figures from), over several weight seeds. The
post reads its histograms at the tanh outputs: activation std and saturation per layer, and the
std of the gradient arriving there.
"""

from __future__ import annotations

import itertools

import pytest

from initspec.corpus import default_splits
from initspec.diagnostics_plots import plot_activation_histograms, plot_gradient_histograms
from initspec.experiments.char_diagnostics import (
    UPDATE_STEPS,
    Snapshot,
    gain_snapshot,
    trained_gain_snapshot,
)

SEEDS = (0, 1, 2)
CASES = {"0.5": (0.5, False), "5/3": (5 / 3, False), "3.0": (3.0, False), "5/3+bn": (5 / 3, True)}


@pytest.fixture(scope="module")
def snapshots() -> dict[str, list[Snapshot]]:
    vocab, splits = default_splits()
    return {
        label: [gain_snapshot(vocab, splits, gain=gain, batchnorm=bn, seed=seed) for seed in SEEDS]
        for label, (gain, bn) in CASES.items()
    }


def draw(evidence, label: str, snap: Snapshot) -> None:
    """The post's two figures for one case (seed 0), registered with the verdict."""
    folder = evidence.artifact_dir
    evidence.artifact(
        plot_activation_histograms(
            folder / "activations.png", snap.outputs, title=f"Distribution of activations ({label})"
        )
    )
    evidence.artifact(
        plot_gradient_histograms(
            folder / "gradients.png", snap.grads, title=f"Distribution of gradients ({label})"
        )
    )


def after_training(label: str) -> list[dict[str, object]]:
    """The same case after the post's 1000 SGD steps (lr 0.075), per seed: recorded beside
    the verdict, which is judged at init, because the post does not say when it drew its
    gain figures and its loop stops at step 1000 before printing."""
    gain, bn = CASES[label]
    vocab, splits = default_splits()
    rows: list[dict[str, object]] = []
    for seed in SEEDS:
        snap = trained_gain_snapshot(vocab, splits, gain=gain, batchnorm=bn, seed=seed)
        rows.append(
            {
                "seed": seed,
                "activation_std": snap.column("std"),
                "saturation_abs": snap.column("saturation"),
                "gradient_std": snap.column("grad_std"),
            }
        )
    return rows


def one_sided_saturation(snap: Snapshot) -> list[float]:
    """The post's code counts t > 0.97 (one side), not abs(t) > 0.97."""
    return [float((t > 0.97).float().mean()) for t in snap.outputs.values()]


def one_to_two_percent(fraction: float) -> bool:
    return 0.0095 <= fraction < 0.0205


@pytest.mark.claim("blog.bn-deep-stats")
def test_batchnorm_model_starts_with_std_063_to_065_and_1_to_2_percent_saturated(
    snapshots, evidence
) -> None:
    """Every tanh layer, every seed: std in [0.63, 0.65] and abs(t) > 0.97 for 1-2%, each at
    the precision the claim states it (std to two decimals: [0.625, 0.655); saturation in
    percent to one decimal: [0.95%, 2.05%))."""
    per_seed, held = [], 0
    for seed, snap in zip(SEEDS, snapshots["5/3+bn"], strict=True):
        stds, saturation = snap.column("std"), snap.column("saturation")
        one_sided = one_sided_saturation(snap)
        per_seed.append(
            {"seed": seed, "std": stds, "saturation_abs": saturation, "saturation_t_gt": one_sided}
        )
        held += all(0.625 <= s < 0.655 for s in stds) and all(
            one_to_two_percent(s) for s in saturation
        )
    one_sided_ok = all(one_to_two_percent(s) for row in per_seed for s in row["saturation_t_gt"])
    evidence.record(
        per_seed=per_seed,
        document_std=[0.63, 0.64, 0.64, 0.64, 0.65],
        document_saturation_pct=[1.25, 1.69, 1.53, 1.03, 1.28],
        one_sided_saturation_within_1_to_2_pct=one_sided_ok,
        batch=32,
    )
    draw(evidence, "gain 5/3 + BatchNorm", snapshots["5/3+bn"][0])
    evidence.seeds(run=len(SEEDS), held=held)
    if one_sided_ok:
        evidence.condition(
            "saturation counted one-sided, t > 0.97, as the post's code does "
            "((t > 0.97).float().mean())"
        )
    assert held == len(SEEDS), f"expected std 0.63-0.65 and 1-2% at abs(t) > 0.97; {per_seed}"


@pytest.mark.claim("blog.gain-too-small")
def test_gain_half_shrinks_activations_with_depth_while_gradients_grow(snapshots, evidence) -> None:
    """Shrink toward 0: activation std falls layer after layer, the last under half the first.
    Gradients grow: gradient std rises layer after layer, the last over twice the first."""
    per_seed, held = [], 0
    for seed, snap in zip(SEEDS, snapshots["0.5"], strict=True):
        stds, grads = snap.column("std"), snap.column("grad_std")
        shrinks = all(b < a for a, b in itertools.pairwise(stds)) and stds[-1] < 0.5 * stds[0]
        grows = all(b > a for a, b in itertools.pairwise(grads)) and grads[-1] > 2 * grads[0]
        per_seed.append({"seed": seed, "activation_std": stds, "gradient_std": grads})
        held += shrinks and grows
    evidence.record(per_seed=per_seed, after_training=after_training("0.5"), steps=UPDATE_STEPS)
    draw(evidence, "gain 0.5", snapshots["0.5"][0])
    evidence.seeds(run=len(SEEDS), held=held)
    assert held == len(SEEDS), f"expected shrinking activations, growing gradients; {per_seed}"


@pytest.mark.claim("blog.gain-too-large")
def test_gain_three_saturates_the_layers_and_the_gradients_vanish(snapshots, evidence) -> None:
    """Saturate: every layer has over 20% at abs(t) > 0.97 (10x the post's healthy 1-2%).
    Gradients ~0: every layer's gradient std is under a tenth of the gain-5/3 model's."""
    per_seed, held = [], 0
    pairs = zip(SEEDS, snapshots["3.0"], snapshots["5/3"], strict=True)
    for seed, snap, healthy in pairs:
        saturation = snap.column("saturation")
        grads, reference = snap.column("grad_std"), healthy.column("grad_std")
        ratio = [g / r for g, r in zip(grads, reference, strict=True)]
        per_seed.append(
            {
                "seed": seed,
                "saturation_abs": saturation,
                "gradient_std": grads,
                "gradient_std_gain_5_3": reference,
                "gradient_ratio_to_gain_5_3": ratio,
                "weight_grad_data_ratio": snap.grad_data,
                "weight_grad_data_ratio_gain_5_3": healthy.grad_data,
            }
        )
        held += all(s > 0.2 for s in saturation) and all(r < 0.1 for r in ratio)
    evidence.record(per_seed=per_seed, after_training=after_training("3.0"), steps=UPDATE_STEPS)
    draw(evidence, "gain 3.0", snapshots["3.0"][0])
    evidence.seeds(run=len(SEEDS), held=held)
    assert held == len(SEEDS), f"expected saturated layers and ~0 gradients; {per_seed}"


@pytest.mark.claim("blog.gain-five-thirds")
def test_gain_five_thirds_gives_every_layer_a_similar_gradient_std(snapshots, evidence) -> None:
    """Similar: the largest layer's gradient std within 2x of the smallest's."""
    per_seed, held = [], 0
    for seed, snap, small in zip(SEEDS, snapshots["5/3"], snapshots["0.5"], strict=True):
        grads = snap.column("grad_std")
        spread = max(grads) / min(grads)
        contrast = max(small.column("grad_std")) / min(small.column("grad_std"))
        per_seed.append(
            {"seed": seed, "gradient_std": grads, "max_over_min": spread, "gain_0_5": contrast}
        )
        held += spread <= 2.0
    evidence.record(per_seed=per_seed, after_training=after_training("5/3"), steps=UPDATE_STEPS)
    draw(evidence, "gain 5/3", snapshots["5/3"][0])
    evidence.seeds(run=len(SEEDS), held=held)
    assert held == len(SEEDS), f"expected gradient stds within 2x of each other; {per_seed}"
