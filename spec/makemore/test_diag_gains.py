"""The post's gain figures: its 5-layer tanh MLP without BatchNorm at gains 0.5, 5/3 and 3.0.

The post builds the model (last Linear x 0.1, hidden Linears x gain), runs its training loop
(plain SGD, lr 0.075, batch 32) until it breaks at step 1000, then draws the histograms of
every tanh layer's output and of the gradient arriving there. Here each case is that run, per
weight seed (``trained_gain_snapshot``: the same function the makemore lab draws from), read on
the batch after the last step as the post reads its printout; the same model at init is
recorded beside it. The corpus is the lecture's names file (V = 27): the post's bird names
(V = 29) are not available, so every figure here is measured on other data than the post's.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from initspec.claims import CLAIMS
from initspec.corpus import CharSplits, Vocabulary
from initspec.diagnostics import SATURATION_THRESHOLD
from initspec.diagnostics_plots import plot_activation_histograms, plot_gradient_histograms
from initspec.evidence import Evidence, every, mean_ci
from initspec.experiments.char_diagnostics import (
    BATCH_SIZE,
    UPDATE_LR,
    UPDATE_STEPS,
    Snapshot,
    gain_snapshot,
    trained_gain_snapshot,
)
from initspec.parallel import side_by_side

SMALL = CLAIMS["blog.gain-too-small"].value("gain")
LARGE = CLAIMS["blog.gain-too-large"].value("gain")
FIVE_THIRDS = CLAIMS["blog.gain-five-thirds"].value("gain")
GAINS = (SMALL, FIVE_THIRDS, LARGE)

# Test-only readings of the post's words (no document puts numbers on them):
# "the activations are slowly condensing toward 0": the last tanh layer's std under half the
# first's;
CONDENSED = 0.5
# "while the gradients are expanding": the last layer's gradient std over twice the first's;
EXPANDED = 2.0
# "most of the activations are close to -1 or 1": more than half beyond the post's saturation
# threshold 0.97 on either side (abs(t) > 0.97), over every tanh output of the five layers;
MOST = 0.5
# "the gradients are close to 0": every layer's gradient std under a tenth of the same layer's in
# the model with the recommended gain 5/3 (same seed, same training): an order of magnitude;
CLOSE_TO_ZERO = 0.1
# "very similar standard deviations": the largest layer's gradient std within twice the smallest's.
SIMILAR = 2.0


@dataclass(frozen=True)
class GainSetup:
    """How long each gain model trains and over which weight seeds (before --seed-base)."""

    steps: int
    document_steps: int
    seeds: tuple[int, ...]
    cap: int  # most seeds a mean_ci criterion may add while undecided


# Both tiers train the post's own 1000 steps (about 2.5 s a run). Quick: 5 seeds; a mean_ci
# criterion may add seeds up to 10. Document: 10 seeds, up to 20.
SETUPS = {
    "quick": GainSetup(UPDATE_STEPS, UPDATE_STEPS, tuple(range(5)), cap=10),
    "document": GainSetup(UPDATE_STEPS, UPDATE_STEPS, tuple(range(10)), cap=20),
}


class GainRuns:
    """The gain models trained as the post trains them, per (gain, seed), each trained once.

    Seeds here are the suite's (already shifted by --seed-base); ``train`` trains the missing
    ones side by side, ``trained`` trains one on demand (a seed that ``check_seeds`` adds).
    """

    def __init__(self, vocab: Vocabulary, splits: CharSplits, steps: int) -> None:
        self.vocab, self.splits, self.steps = vocab, splits, steps
        self._runs: dict[tuple[float, int], Snapshot] = {}

    def _train(self, gain: float, seed: int) -> Snapshot:
        return trained_gain_snapshot(
            self.vocab, self.splits, gain=gain, batchnorm=False, seed=seed, steps=self.steps
        )

    def train(self, pairs: list[tuple[float, int]]) -> None:
        missing = [pair for pair in pairs if pair not in self._runs]
        jobs = [lambda gain=gain, seed=seed: self._train(gain, seed) for gain, seed in missing]
        self._runs.update(zip(missing, side_by_side(jobs), strict=True))

    def trained(self, gain: float, seed: int) -> Snapshot:
        self.train([(gain, seed)])
        return self._runs[gain, seed]

    def at_init(self, gain: float, seed: int) -> Snapshot:
        return gain_snapshot(self.vocab, self.splits, gain=gain, batchnorm=False, seed=seed)


@pytest.fixture(scope="module")
def gain_setup(tier: str) -> GainSetup:
    return SETUPS[tier]


@pytest.fixture(scope="module")
def seeds(gain_setup: GainSetup, seed_base: int) -> list[int]:
    return [seed_base + seed for seed in gain_setup.seeds]


@pytest.fixture(scope="module")
def runs(
    gain_setup: GainSetup, seeds: list[int], char_data: tuple[Vocabulary, CharSplits]
) -> GainRuns:
    vocab, splits = char_data
    gain_runs = GainRuns(vocab, splits, gain_setup.steps)
    gain_runs.train([(gain, seed) for gain in GAINS for seed in seeds])
    return gain_runs


def ratio_last_to_first(values: list[float]) -> float:
    return values[-1] / values[0]


def falls_layer_after_layer(values: list[float]) -> bool:
    return all(b < a for a, b in itertools.pairwise(values))


def rises_layer_after_layer(values: list[float]) -> bool:
    return all(b > a for a, b in itertools.pairwise(values))


def saturated_share(snap: Snapshot) -> float:
    """The share of all tanh outputs (every layer) with abs(t) > 0.97: what the figure shows."""
    return statistics.fmean(snap.column("saturation"))


def layer_figures(snap: Snapshot) -> dict[str, list[float]]:
    return {
        "activation_std": snap.column("std"),
        "saturation_abs": snap.column("saturation"),
        "gradient_std": snap.column("grad_std"),
    }


@pytest.fixture
def start(
    evidence: Evidence,
    gain_setup: GainSetup,
    runs: GainRuns,
    corpus: dict[str, object],
    post_corpus: dict[str, str],
) -> Callable[[float, str], None]:
    """What every gain claim records first: horizon, setup, corpus and the post's two figures."""

    def begin(gain: float, label: str) -> None:
        evidence.horizon(steps=gain_setup.steps, document_steps=gain_setup.document_steps)
        evidence.record(
            gain=gain,
            lr=UPDATE_LR,
            batch=BATCH_SIZE,
            optimizer="sgd, no momentum",
            read_at=f"the batch after step {gain_setup.steps}, as the post prints after its loop",
            **corpus,
            **post_corpus,
        )
        draw(evidence, gain_setup, runs, gain, label)

    return begin


def draw(evidence: Evidence, setup: GainSetup, runs: GainRuns, gain: float, label: str) -> None:
    """The post's two figures for the case, after training, at the first seed."""
    snap = runs.trained(gain, evidence.seed_base + setup.seeds[0])
    folder = evidence.artifact_dir
    title = f"({label}, after {setup.steps} steps, seed {evidence.seed_base + setup.seeds[0]})"
    evidence.artifact(
        plot_activation_histograms(
            folder / "activations.png", snap.outputs, title=f"Distribution of activations {title}"
        )
    )
    evidence.artifact(
        plot_gradient_histograms(
            folder / "gradients.png", snap.grads, title=f"Distribution of gradients {title}"
        )
    )


def per_seed(
    seeds: list[int], runs: GainRuns, gain: float, extra: Callable[[int], dict[str, object]]
) -> list[dict[str, object]]:
    """Each seed's per-layer figures after training and at init, and the claim's own extras."""
    return [
        {
            "seed": seed,
            "trained": layer_figures(runs.trained(gain, seed)),
            "init": layer_figures(runs.at_init(gain, seed)),
            **extra(seed),
        }
        for seed in seeds
    ]


@pytest.mark.claim("blog.gain-too-small")
def test_gain_half_condenses_activations_toward_zero_while_gradients_expand(
    seeds: list[int],
    runs: GainRuns,
    start: Callable[[float, str], None],
    evidence: Evidence,
) -> None:
    """Forward order, layer 1 to 5: activation std falls and gradient std rises, the last
    activation std under half the first's and the last gradient std over twice the first's.
    Every seed (a statement about what the setup does, far from its bounds)."""
    start(SMALL, "gain 0.5")
    trained = [runs.trained(SMALL, seed) for seed in seeds]
    at_init = [runs.at_init(SMALL, seed) for seed in seeds]

    def ratios(snaps: list[Snapshot], key: str) -> list[float]:
        return [ratio_last_to_first(snap.column(key)) for snap in snaps]

    init_std, init_grad = ratios(at_init, "std"), ratios(at_init, "grad_std")
    init_holds = all(r < CONDENSED for r in init_std) and all(r > EXPANDED for r in init_grad)
    evidence.record(
        per_seed=per_seed(seeds, runs, SMALL, lambda seed: {}),
        holds_when=(
            f"at init, before any training step: activation std last/first layer "
            f"{statistics.fmean(init_std):.3f} and gradient std last/first "
            f"{statistics.fmean(init_grad):.1f} (means over {len(seeds)} seeds); "
            f"every seed within both bounds: {init_holds}"
        ),
    )
    document = "the activations are slowly condensing toward 0, while the gradients are expanding"
    evidence.check(
        "activation std, last tanh layer / first",
        ratios(trained, "std"),
        comparison="<",
        bound=CONDENSED,
        rule=every(),
        document=document,
    )
    evidence.check_all(
        "activation std falls layer after layer",
        [falls_layer_after_layer(snap.column("std")) for snap in trained],
        document=document,
    )
    evidence.check(
        "gradient std, last tanh layer / first",
        ratios(trained, "grad_std"),
        comparison=">",
        bound=EXPANDED,
        rule=every(),
        document=document,
    )
    evidence.check_all(
        "gradient std rises layer after layer",
        [rises_layer_after_layer(snap.column("grad_std")) for snap in trained],
        document=document,
    )


@pytest.mark.claim("blog.gain-too-large")
def test_gain_three_saturates_the_layers_and_the_gradients_go_to_zero(
    gain_setup: GainSetup,
    seeds: list[int],
    runs: GainRuns,
    start: Callable[[float, str], None],
    evidence: Evidence,
) -> None:
    """Gradients ~0: every layer's gradient std under a tenth of the gain-5/3 model's (worst
    layer, every seed: the claim's point, "a locked state where it cannot efficiently learn").
    Saturated: more than half of all tanh outputs at abs(t) > 0.97 (mean over seeds, 95 % t
    interval: a typical share near its bound, seeds added up to the cap while undecided)."""
    start(LARGE, "gain 3.0")

    def gradient_ratios(seed: int) -> list[float]:
        grads = runs.trained(LARGE, seed).column("grad_std")
        healthy = runs.trained(FIVE_THIRDS, seed).column("grad_std")
        return [g / h for g, h in zip(grads, healthy, strict=True)]

    evidence.record(
        per_seed=per_seed(
            seeds,
            runs,
            LARGE,
            lambda seed: {
                "saturated_share_all_layers": saturated_share(runs.trained(LARGE, seed)),
                "gradient_std_gain_5_3": runs.trained(FIVE_THIRDS, seed).column("grad_std"),
                "gradient_ratio_to_gain_5_3": gradient_ratios(seed),
            },
        ),
        saturated_share_all_layers_mean=statistics.fmean(
            saturated_share(runs.trained(LARGE, seed)) for seed in seeds
        ),
        saturation_threshold=SATURATION_THRESHOLD,
    )
    document = "the gradients are close to 0 ... a locked state where it cannot efficiently learn"
    evidence.check(
        "largest layer gradient std / gain 5/3's",
        [max(gradient_ratios(seed)) for seed in seeds],
        comparison="<",
        bound=CLOSE_TO_ZERO,
        rule=every(),
        document=document,
    )
    evidence.check_seeds(
        "share of tanh outputs at abs(t) > 0.97, all layers",
        lambda seed: saturated_share(runs.trained(LARGE, seed)),
        seeds=gain_setup.seeds,
        cap=gain_setup.cap,
        comparison=">",
        bound=MOST,
        rule=mean_ci(),
        document="the layers are saturated (i.e., most of the activations are close to -1 or 1)",
    )


@pytest.mark.claim("blog.gain-five-thirds")
def test_gain_five_thirds_gives_every_layer_a_similar_gradient_std(
    seeds: list[int],
    runs: GainRuns,
    start: Callable[[float, str], None],
    evidence: Evidence,
) -> None:
    """Very similar: the largest layer's gradient std within twice the smallest's, every seed."""
    start(FIVE_THIRDS, "gain 5/3")

    def spread(snap: Snapshot) -> float:
        grads = snap.column("grad_std")
        return max(grads) / min(grads)

    evidence.record(
        per_seed=per_seed(
            seeds,
            runs,
            FIVE_THIRDS,
            lambda seed: {
                "max_over_min": spread(runs.trained(FIVE_THIRDS, seed)),
                "max_over_min_gain_0_5": spread(runs.trained(SMALL, seed)),
                "max_over_min_at_init": spread(runs.at_init(FIVE_THIRDS, seed)),
            },
        )
    )
    evidence.check(
        "largest / smallest layer gradient std",
        [spread(runs.trained(FIVE_THIRDS, seed)) for seed in seeds],
        comparison="<=",
        bound=SIMILAR,
        rule=every(),
        document="the gradient distributions have very similar standard deviations",
    )
