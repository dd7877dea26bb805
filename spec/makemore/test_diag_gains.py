"""The post's gain figures: its 5-layer tanh MLP without BatchNorm at gains 0.5, 5/3 and 3.0.

The post shows no code for these figures: it builds the 5-layer model (last Linear x 0.1,
hidden Linears x gain), and its one training loop for that model (plain SGD, lr 0.075, batch
32) breaks at step 1000, after which it prints its BatchNorm statistics. When it reads the gain
figures is left open (claims.py: the horizon assumption). Each claim is judged after that loop
(``trained_gain_snapshot``, the function the makemore lab draws from, read on the batch after
the last step) and re-judged at init and after 100 steps as sensitivity rows, and at the
readings of its words' bounds. The corpus is the lecture's names file (V = 27): the post's bird
names (V = 29) are not available, so every figure here is measured on other data than the post's.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from spec.common.plans import Plan, TierPlans

from initspec import theory
from initspec.claims.registry import CLAIMS
from initspec.data.corpus import CharSplits, Vocabulary
from initspec.experiments.char_diagnostics import (
    BATCH_SIZE,
    UPDATE_LR,
    UPDATE_STEPS,
    Snapshot,
    gain_snapshot,
    trained_gain_snapshot,
)
from initspec.judging.conditions import condition_from_rows
from initspec.judging.judge import judge
from initspec.judging.outcome import Criterion
from initspec.plotting.diagnostics import plot_activation_histograms, plot_gradient_histograms
from initspec.plugin.evidence import Evidence, Reading, Rule, every, interpreted, mean_ci
from initspec.training.diagnostics import SATURATION_THRESHOLD
from initspec.training.parallel import side_by_side

SMALL = CLAIMS["blog.gain-too-small"].value("gain")
LARGE = CLAIMS["blog.gain-too-large"].value("gain")
FIVE_THIRDS = CLAIMS["blog.gain-five-thirds"].value("gain")
GAINS = (SMALL, FIVE_THIRDS, LARGE)

# Readings of the post's words (no document puts numbers on them; claims.py lists each as an
# assumption with its plausible range, re-judged as sensitivity rows):
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
# The horizons a figure may be read at: at init, after a tenth of the loop, after the loop.
EARLY_STEPS = 100
SMALL_FACTORS = (1.5, 2.0, 3.0)
CLOSE_TO_ZERO_FRACTIONS = (0.1, 1 / 3, 0.5)
MOST_THRESHOLDS = (0.9, SATURATION_THRESHOLD, 0.99)
SIMILAR_FACTORS = (1.5, 2.0, 3.0)


# Both tiers train the post's own 1000 steps (about 2.5 s a run): 5 seeds in the quick tier, 10
# in the document tier. Every criterion, a mean_ci one too, reads that fixed set of seeds.
SETUPS = TierPlans(
    quick=Plan(UPDATE_STEPS, UPDATE_STEPS, tuple(range(5))),
    document=Plan(UPDATE_STEPS, UPDATE_STEPS, tuple(range(10))),
)


class GainRuns:
    """The gain models trained as the post trains them, per (gain, seed), each trained once.

    Seeds here are the suite's (already shifted by --seed-base); ``train`` trains the missing
    ones side by side, ``trained`` trains one on demand (a seed that ``check_seeds`` adds).
    """

    def __init__(self, vocab: Vocabulary, splits: CharSplits, steps: int) -> None:
        self.vocab, self.splits, self.steps = vocab, splits, steps
        self._runs: dict[tuple[float, int], Snapshot] = {}
        self._other: dict[tuple[float, int, int], Snapshot] = {}

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

    def at(self, horizon: int, gain: float, seed: int) -> Snapshot:
        """The model at ``horizon`` steps: at init (0), after the loop, or after another
        number of steps (trained once, on demand)."""
        if horizon == 0:
            return self.at_init(gain, seed)
        if horizon == self.steps:
            return self.trained(gain, seed)
        key = (gain, seed, horizon)
        if key not in self._other:
            self._other[key] = trained_gain_snapshot(
                self.vocab, self.splits, gain=gain, batchnorm=False, seed=seed, steps=horizon
            )
        return self._other[key]


@pytest.fixture(scope="module")
def gain_setup(tier: str) -> Plan:
    return SETUPS[tier]


@pytest.fixture(scope="module")
def seeds(gain_setup: Plan, seed_base: int) -> list[int]:
    return list(gain_setup.seeded(seed_base))


@pytest.fixture(scope="module")
def runs(gain_setup: Plan, seeds: list[int], char_data: tuple[Vocabulary, CharSplits]) -> GainRuns:
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
    gain_setup: Plan,
    runs: GainRuns,
    corpus: dict[str, object],
    post_corpus: dict[str, str],
) -> Callable[[float, str], None]:
    """What every gain claim records first: horizon, setup, corpus and the post's two figures."""

    def begin(gain: float, label: str) -> None:
        gain_setup.record(evidence)
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


def draw(evidence: Evidence, setup: Plan, runs: GainRuns, gain: float, label: str) -> None:
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


def horizons(setup: Plan) -> tuple[int, ...]:
    return (0, EARLY_STEPS, setup.steps)


def horizon_label(horizon: int) -> str:
    return "at init" if horizon == 0 else f"{horizon} steps"


@dataclass(frozen=True)
class Spec:
    """One criterion of a claim, ready to judge: name, values per seed, bound and reading."""

    name: str
    values: list[float] | list[bool]
    comparison: str
    bound: float | bool
    rule: Rule
    document: str
    how: str
    predicted: tuple[float, str] | None = None  # the theory's value at init, and why beside

    def reading(self) -> Reading:
        base = interpreted(self.how)
        return base if self.predicted is None else base.predicting(*self.predicted)

    def judged(self) -> Criterion:
        return judge(
            self.name,
            self.values,
            bound=self.bound,
            comparison=self.comparison,
            rule=self.rule,
            document=self.document,
            reading=self.reading(),
        )

    def check(self, evidence: Evidence) -> Criterion:
        return evidence.check(
            self.name,
            self.values,
            bound=self.bound,
            comparison=self.comparison,
            rule=self.rule,
            document=self.document,
            reading=self.reading(),
        )


# The mean-field theory's values for the post's 5 tanh layers at init (initspec.theory.profile:
# input second moment 1 from the N(0, 1) embedding, no bias), beside what each criterion reads.
AT_INIT = (
    "the mean-field value at init (5 tanh layers, input second moment 1, no bias), not judged: "
    "the criterion reads the model after the post's loop, where the theory does not apply; at "
    "init, width 100 moves one seed's per-layer ratio by about sqrt(2 / 100) = 14 %"
)


def theory_at_init(gain: float) -> dict[str, tuple[float, str]]:
    """initspec.theory's values at init for the criteria below, by criterion name."""
    layers = theory.profile("tanh", gain, 5)
    healthy = theory.profile("tanh", FIVE_THIRDS, 5)
    grads = layers.gradient_std
    return {
        "activation std, last tanh layer / first": (
            layers.activation_std[-1] / layers.activation_std[0],
            AT_INIT,
        ),
        "gradient std, last tanh layer / first": (grads[-1] / grads[0], AT_INIT),
        "largest / smallest layer gradient std": (max(grads) / min(grads), AT_INIT),
        "largest layer gradient std / gain 5/3's": (
            max(g / h for g, h in zip(grads, healthy.gradient_std, strict=True)),
            AT_INIT + " (the last layer's gradient taken equal in both models)",
        ),
        "saturated share": (
            statistics.fmean(
                theory.saturated_share("tanh", q, SATURATION_THRESHOLD) for q in layers.q
            ),
            AT_INIT,
        ),
    }


def small_gain_specs(snaps: list[Snapshot], factor: float) -> list[Spec]:
    """The gain-0.5 claim's criteria on these snapshots (one per seed), every seed: activation
    std last/first under 1/factor and falling layer after layer; gradient std last/first over
    factor and rising layer after layer."""
    document = "the activations are slowly condensing toward 0, while the gradients are expanding"
    how = (
        f"the post draws histograms; condensing read as the last tanh layer's std under 1/"
        f"{factor:g} of the first's and falling layer after layer, expanding as the last "
        f"layer's gradient std over {factor:g} times the first's and rising layer after layer"
    )
    return [
        Spec(
            "activation std, last tanh layer / first",
            [ratio_last_to_first(snap.column("std")) for snap in snaps],
            "<",
            1 / factor,
            every(),
            document,
            how,
            theory_at_init(SMALL)["activation std, last tanh layer / first"],
        ),
        Spec(
            "activation std falls layer after layer",
            [falls_layer_after_layer(snap.column("std")) for snap in snaps],
            "==",
            True,
            every(),
            document,
            how,
        ),
        Spec(
            "gradient std, last tanh layer / first",
            [ratio_last_to_first(snap.column("grad_std")) for snap in snaps],
            ">",
            factor,
            every(),
            document,
            how,
            theory_at_init(SMALL)["gradient std, last tanh layer / first"],
        ),
        Spec(
            "gradient std rises layer after layer",
            [rises_layer_after_layer(snap.column("grad_std")) for snap in snaps],
            "==",
            True,
            every(),
            document,
            how,
        ),
    ]


@pytest.mark.claim("blog.gain-too-small")
def test_gain_half_condenses_activations_toward_zero_while_gradients_expand(
    gain_setup: Plan,
    seeds: list[int],
    runs: GainRuns,
    start: Callable[[float, str], None],
    evidence: Evidence,
) -> None:
    """Forward order, layer 1 to 5: activation std falls and gradient std rises, the last
    activation std under half the first's and the last gradient std over twice the first's.
    Every seed (a statement about what the setup does). Judged after the post's loop; the
    same criteria at init and after 100 steps, and at factors 1.5 and 3, as sensitivity rows."""
    start(SMALL, "gain 0.5")
    evidence.record(per_seed=per_seed(seeds, runs, SMALL, lambda seed: {}))
    verdicts: dict[int, bool] = {}
    for horizon in horizons(gain_setup):
        snaps = [runs.at(horizon, SMALL, seed) for seed in seeds]
        judged = [spec.judged() for spec in small_gain_specs(snaps, EXPANDED)]
        row = evidence.sensitivity("horizon", horizon_label(horizon), judged)
        verdicts[horizon] = row.verdict == "holds"
    trained = [runs.trained(SMALL, seed) for seed in seeds]
    for factor in SMALL_FACTORS:
        judged = [spec.judged() for spec in small_gain_specs(trained, factor)]
        evidence.sensitivity("condensing/expanding factor (after the loop)", factor, judged)
    condition_from_horizons(evidence, verdicts, seeds, runs, SMALL, gain_setup)
    for spec in small_gain_specs(trained, EXPANDED):
        spec.check(evidence)


def condition_from_horizons(
    evidence: Evidence,
    verdicts: dict[int, bool],
    seeds: list[int],
    runs: GainRuns,
    gain: float,
    setup: Plan,
) -> None:
    """Where the claim holds at some horizons and not at others: name both, with numbers."""
    held = [h for h, ok in verdicts.items() if ok]
    failed = [h for h, ok in verdicts.items() if not ok]
    if not held or not failed:
        return

    def figures(horizon: int) -> str:
        snaps = [runs.at(horizon, gain, seed) for seed in seeds]
        std = statistics.fmean(ratio_last_to_first(s.column("std")) for s in snaps)
        grad = statistics.fmean(ratio_last_to_first(s.column("grad_std")) for s in snaps)
        label = horizon_label(horizon)
        return f"{label}: activation std last/first layer {std:.2f}, gradient std {grad:.2f}"

    evidence.condition(
        f"read at init or early in training (holds {', '.join(map(horizon_label, held))}; fails "
        f"{', '.join(map(horizon_label, failed))}); means over {len(seeds)} seeds, "
        + "; ".join(figures(h) for h in (*held, *failed))
    )


def large_gain_specs(
    runs: GainRuns, seeds: list[int], horizon: int, fraction: float, threshold: float
) -> list[Spec]:
    """The gain-3 claim's criteria at ``horizon``: every layer's gradient std under
    ``fraction`` of the gain-5/3 model's (every seed), and more than half of all tanh outputs
    at abs(t) > ``threshold`` (mean over seeds, 95 % t interval)."""

    def gradient_ratio(seed: int) -> float:
        grads = runs.at(horizon, LARGE, seed).column("grad_std")
        healthy = runs.at(horizon, FIVE_THIRDS, seed).column("grad_std")
        return max(g / h for g, h in zip(grads, healthy, strict=True))

    def share(seed: int) -> float:
        outputs = runs.at(horizon, LARGE, seed).outputs.values()
        return statistics.fmean(float((t.abs() > threshold).float().mean()) for t in outputs)

    return [
        Spec(
            "largest layer gradient std / gain 5/3's",
            [gradient_ratio(seed) for seed in seeds],
            "<",
            fraction,
            every(),
            "the gradients are close to 0",
            f"close to 0 read as every layer's gradient std under {fraction:.2g} of the same "
            "layer's with the recommended gain 5/3 (same seed, same horizon)",
            theory_at_init(LARGE)["largest layer gradient std / gain 5/3's"],
        ),
        Spec(
            f"share of tanh outputs at abs(t) > {threshold:g}, all layers",
            [share(seed) for seed in seeds],
            ">",
            MOST,
            mean_ci(),
            "the layers are saturated (i.e., most of the activations are close to -1 or 1)",
            f"most read as more than half; close to -1 or 1 as abs(t) > {threshold:g}",
            theory_at_init(LARGE)["saturated share"] if threshold == SATURATION_THRESHOLD else None,
        ),
    ]


@pytest.mark.claim("blog.gain-too-large")
def test_gain_three_saturates_the_layers_and_the_gradients_go_to_zero(
    gain_setup: Plan,
    seeds: list[int],
    runs: GainRuns,
    start: Callable[[float, str], None],
    evidence: Evidence,
) -> None:
    """Gradients ~0: every layer's gradient std under a tenth of the gain-5/3 model's (worst
    layer, every seed: the claim's point, "a locked state where it cannot efficiently learn").
    Saturated: more than half of all tanh outputs at abs(t) > 0.97 (mean over seeds, 95 % t
    interval). Judged after the post's loop; at init and after 100 steps, and at the other
    readings of "close to 0" and "close to -1 or 1", as sensitivity rows."""
    start(LARGE, "gain 3.0")
    evidence.record(
        per_seed=per_seed(
            seeds,
            runs,
            LARGE,
            lambda seed: {
                "saturated_share_all_layers": saturated_share(runs.trained(LARGE, seed)),
                "gradient_std_gain_5_3": runs.trained(FIVE_THIRDS, seed).column("grad_std"),
            },
        ),
        saturated_share_all_layers_mean=statistics.fmean(
            saturated_share(runs.trained(LARGE, seed)) for seed in seeds
        ),
        saturation_threshold=SATURATION_THRESHOLD,
    )
    final = gain_setup.steps
    for horizon in horizons(gain_setup):
        specs = large_gain_specs(runs, seeds, horizon, CLOSE_TO_ZERO, SATURATION_THRESHOLD)
        evidence.sensitivity("horizon", horizon_label(horizon), [s.judged() for s in specs])
    for fraction in CLOSE_TO_ZERO_FRACTIONS:
        specs = large_gain_specs(runs, seeds, final, fraction, SATURATION_THRESHOLD)
        evidence.sensitivity(
            "'close to 0': fraction of gain 5/3's gradient std (after the loop)",
            f"{fraction:.2g}",
            [s.judged() for s in specs],
        )
    for threshold in MOST_THRESHOLDS:
        specs = large_gain_specs(runs, seeds, final, CLOSE_TO_ZERO, threshold)
        evidence.sensitivity(
            "'close to -1 or 1': abs(t) above (after the loop)",
            threshold,
            [s.judged() for s in specs],
        )
    condition = condition_from_rows(evidence.sensitivity_rows)
    if condition is not None:
        evidence.condition(condition)
    for spec in large_gain_specs(runs, seeds, final, CLOSE_TO_ZERO, SATURATION_THRESHOLD):
        spec.check(evidence)


@pytest.mark.claim("blog.gain-five-thirds")
def test_gain_five_thirds_gives_every_layer_a_similar_gradient_std(
    gain_setup: Plan,
    seeds: list[int],
    runs: GainRuns,
    start: Callable[[float, str], None],
    evidence: Evidence,
) -> None:
    """Very similar: the largest layer's gradient std within twice the smallest's, every seed,
    after the post's loop; at init and after 100 steps as sensitivity rows."""
    start(FIVE_THIRDS, "gain 5/3")

    def spread(snap: Snapshot) -> float:
        grads = snap.column("grad_std")
        return max(grads) / min(grads)

    def spec(horizon: int, factor: float) -> Spec:
        return Spec(
            "largest / smallest layer gradient std",
            [spread(runs.at(horizon, FIVE_THIRDS, seed)) for seed in seeds],
            "<=",
            factor,
            every(),
            "the gradient distributions have very similar standard deviations",
            f"very similar read as the largest layer's gradient std within {factor:g} times "
            "the smallest's",
            theory_at_init(FIVE_THIRDS)["largest / smallest layer gradient std"],
        )

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
    for horizon in horizons(gain_setup):
        evidence.sensitivity("horizon", horizon_label(horizon), [spec(horizon, SIMILAR).judged()])
    for factor in SIMILAR_FACTORS:
        evidence.sensitivity(
            "'very similar': largest / smallest within (after the loop)",
            factor,
            [spec(gain_setup.steps, factor).judged()],
        )
    spec(gain_setup.steps, SIMILAR).check(evidence)
