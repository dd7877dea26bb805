"""BatchNorm stabilises training and allows higher learning rates: a learning-rate sweep.

Both of the post's BatchNorm models, each with and without BatchNorm: the first model (hidden
fix, BatchNorm after the hidden Linear: the post's ``use_batch_norm`` run) and the 5-layer tanh
MLP (hidden 100, gain 5/3, last layer x 0.1). The post's loop (plain SGD, batch 32; the
learning rate a tenth from step 100,000) over a grid of learning rates, for the steps the post
trains each model in the document tier (the first model 200,000, the 5-layer model 1,000) and
the first few hundred of them in the quick tier.

A run's final loss is the mean of its last ``SMOOTHING_WINDOW`` losses. "Stabilises": where the
plain model's run does not break, BatchNorm's does not either; a run "breaks" when it hits NaN
or ends worse than a uniform guess (a final loss above chance). "Allows higher learning rates":
the largest learning rate of the grid at which BatchNorm's run trains
(:func:`initspec.judging.phrases.trains`: a final loss at most 80 % of chance) lies above the plain
model's.

Weight seed = batch seed, on one split of the names (seed ``--seed-base``): the claim compares
the two variants of a model with each other, not with a printed number. The first model's seeds
at one learning rate train as one stacked model.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import pytest
from spec.common.plans import Plan, TierPlans

from initspec.claims.registry import CLAIMS
from initspec.data.corpus import CharSplits, Vocabulary
from initspec.judging.phrases import SMOOTHING_WINDOW, final_mean, trains, trains_level
from initspec.models.charmodel import build_char_mlp, build_deep_char_mlp
from initspec.plugin.evidence import Evidence, interpreted, mean_ci
from initspec.runtime.progress import training_setup
from initspec.training.blog_recipe import blog_config
from initspec.training.loop import TrainResult, train
from initspec.training.parallel import side_by_side
from initspec.training.stacked import StackedCharMLP

POST = CLAIMS["blog.bn-stabilises"]
LR_DROP_STEP = int(CLAIMS["blog.init-fixes-converge"].value("lr_drop_step"))
# The grid (a test choice): the post's lr 0.1, then from 0.5 up, doubling.
LRS = (0.1, 0.5, 1.0, 2.0, 4.0)
LABELS = {"plain": False, "batchnorm": True}  # label -> BatchNorm after each hidden Linear
MODELS = ("first-model", "five-layer")
DOCUMENT_STEPS = {
    "first-model": int(POST.value("first_model_steps")),
    "five-layer": int(POST.value("five_layer_steps")),
}
# Per model and tier: its Plan (steps, seeds trained first, cap on seeds). The quick tier trains the
# first few hundred steps of the post's runs. On a grid this coarse the step by which
# BatchNorm's largest training lr exceeds the plain model's is 0 or 1 for the first model, and
# its mean needs many seeds to be told from 0. The first model's seeds at one learning rate
# train as one stacked model, where a seed costs a fraction of a run of its own (a seed added
# later would train alone): so all of them from the start, 20 in the quick tier and 10 in the
# document tier (10 runs of 200,000 steps a seed). The 5-layer model trains one run at a time:
# 3 or 5 seeds, more up to the cap where its t interval is undecided.
PLANS = {
    "first-model": TierPlans(
        quick=Plan(400, DOCUMENT_STEPS["first-model"], tuple(range(20)), cap=20),
        document=Plan(
            DOCUMENT_STEPS["first-model"], DOCUMENT_STEPS["first-model"], tuple(range(10)), cap=10
        ),
    ),
    "five-layer": TierPlans(
        quick=Plan(300, DOCUMENT_STEPS["five-layer"], tuple(range(3)), cap=10),
        document=Plan(
            DOCUMENT_STEPS["five-layer"], DOCUMENT_STEPS["five-layer"], tuple(range(5)), cap=10
        ),
    ),
}


Finals = dict[tuple[str, float, int], float | None]  # (label, lr, seed) -> final loss


class Sweep:
    """One model's final losses over LABELS x LRS, per seed, trained when first asked for."""

    def __init__(
        self,
        model: str,
        setup: Plan,
        vocab_size: int,
        splits: CharSplits,
        post_loop: Callable[..., list[TrainResult]],
    ) -> None:
        self.model, self.setup = model, setup
        self.vocab_size, self.splits, self.post_loop = vocab_size, splits, post_loop
        self.finals: Finals = {}

    def jobs(self, seeds: list[int]) -> list[Callable[[], Finals]]:
        """Training jobs for ``seeds`` (not yet measured), for ``side_by_side``."""
        seeds = [s for s in seeds if ("plain", LRS[0], s) not in self.finals]
        if not seeds:
            return []
        if self.model == "first-model":  # a stacked model per (label, lr): the seeds together
            return [
                functools.partial(self._first_model, label, lr, seeds)
                for label in LABELS
                for lr in LRS
            ]
        return [
            functools.partial(self._five_layer, label, lr, seed)
            for label in LABELS
            for lr in LRS
            for seed in seeds
        ]

    def measure(self, seeds: list[int]) -> None:
        jobs = self.jobs(seeds)
        if jobs:
            with training_setup(
                f"makemore-bn-sweep-{self.model}-seeds-{'-'.join(map(str, seeds))}"
            ):
                for finals in side_by_side(jobs):
                    self.finals.update(finals)

    def _first_model(self, label: str, lr: float, seeds: list[int]) -> Finals:
        models = [
            build_char_mlp(self.vocab_size, init="hidden-fix", batchnorm=LABELS[label], seed=s)
            for s in seeds
        ]
        stack = StackedCharMLP(models)  # the sweep reads the losses alone: no logit probe
        results = self.post_loop(stack, self.splits, self.setup.steps, seeds, lr, probe=False)
        return {(label, lr, s): final_mean(r.losses) for s, r in zip(seeds, results, strict=True)}

    def _five_layer(self, label: str, lr: float, seed: int) -> Finals:
        if self.setup.steps > LR_DROP_STEP:
            raise ValueError("the 5-layer sweep trains before the learning-rate drop only")
        model = build_deep_char_mlp(self.vocab_size, batchnorm=LABELS[label], seed=seed)
        config = blog_config(self.setup.steps, lr=lr, data_seed=seed)
        return {
            (label, lr, seed): final_mean(train(model, self.splits.as_dataset(), config).losses)
        }

    def trains(self, label: str, lr: float, seed: int) -> bool:
        return trains(self.finals[label, lr, seed], math.log(self.vocab_size))

    def breaks(self, label: str, lr: float, seed: int) -> bool:
        """It hit NaN, or ended worse than a uniform guess (a final loss above chance)."""
        final = self.finals[label, lr, seed]
        return final is None or final > math.log(self.vocab_size)

    def top(self, label: str, seed: int) -> int:
        """Index in LRS of the largest learning rate at which ``label`` trains (-1: none)."""
        return max((i for i, lr in enumerate(LRS) if self.trains(label, lr, seed)), default=-1)

    def steps_higher(self, seed: int) -> float:
        """Grid steps by which BatchNorm's largest training lr exceeds the plain model's."""
        self.measure([seed])
        return float(self.top("batchnorm", seed) - self.top("plain", seed))

    def summary(self, seeds: list[int]) -> dict[str, object]:
        return {
            f"final_loss_{label}": {
                str(lr): [self.finals[label, lr, s] for s in seeds] for lr in LRS
            }
            for label in LABELS
        } | {
            f"largest_lr_that_trains_{label}": [
                LRS[self.top(label, s)] if self.top(label, s) >= 0 else None for s in seeds
            ]
            for label in LABELS
        }


@pytest.fixture(scope="module")
def sweeps(
    char_data: tuple[Vocabulary, CharSplits],
    tier: str,
    seed_base: int,
    post_loop_runner: Callable[..., list[TrainResult]],
) -> dict[str, Sweep]:
    """Both models' sweeps, the seeds of their plans trained side by side."""
    vocab, splits = char_data
    out = {}
    for model, plans in PLANS.items():
        out[model] = Sweep(model, plans[tier], vocab.size, splits, post_loop_runner)
    jobs = [
        (sweep, job)
        for sweep in out.values()
        for job in sweep.jobs([seed_base + seed for seed in sweep.setup.seeds])
    ]
    with training_setup("makemore-bn-sweep"):
        trained = side_by_side([job for _, job in jobs])
    for (sweep, _), finals in zip(jobs, trained, strict=True):
        sweep.finals.update(finals)
    return out


DESCRIPTION = {
    "first-model": "the first model (hidden fix; BatchNorm after its one hidden Linear)",
    "five-layer": "the 5-layer tanh MLP (gain 5/3, last layer x 0.1; BatchNorm after each Linear)",
}


@pytest.mark.claim("blog.bn-stabilises")
@pytest.mark.parametrize("model", MODELS)
def test_batchnorm_trains_at_learning_rates_where_the_plain_model_breaks(
    model: str,
    sweeps: dict[str, Sweep],
    seed_base: int,
    corpus: dict[str, object],
    post_corpus: dict[str, str],
    evidence: Evidence,
) -> None:
    sweep = sweeps[model]
    seeds = [seed_base + seed for seed in sweep.setup.seeds]
    chance = math.log(sweep.vocab_size)
    sweep.setup.record(evidence)
    evidence.record(
        **corpus,
        **post_corpus,
        model=DESCRIPTION[model],
        lrs=list(LRS),
        trains_below=trains_level(chance),
        final_loss=f"mean of the last {SMOOTHING_WINDOW} losses; null after a NaN",
        **sweep.summary(seeds),
    )
    (other_model,) = (name for name in MODELS if name != model)
    other = sweeps[other_model]
    other_seeds = [seed_base + seed for seed in other.setup.seeds]
    higher = [sweep.steps_higher(s) for s in seeds]
    other_higher = [other.steps_higher(s) for s in other_seeds]
    if max(higher) <= 0 < min(other_higher):
        evidence.condition(
            f"the deeper model only: in {DESCRIPTION[other_model]} BatchNorm trains up to lr "
            f"{fmt_lrs(other, 'batchnorm', other_seeds)} and the plain model up to "
            f"{fmt_lrs(other, 'plain', other_seeds)}; in {DESCRIPTION[model]} BatchNorm up to "
            f"{fmt_lrs(sweep, 'batchnorm', seeds)} and the plain model up to "
            f"{fmt_lrs(sweep, 'plain', seeds)} (per seed)"
        )
    evidence.check_all(
        "BatchNorm's run does not break at any learning rate of the grid where the plain one "
        "does not",
        [
            not any(
                sweep.breaks("batchnorm", lr, s) for lr in LRS if not sweep.breaks("plain", lr, s)
            )
            for s in seeds
        ],  # what BatchNorm does to a run: every seed
        document="Stabilizes training",
        reading=interpreted(
            "stabilises: never breaks at a learning rate where the plain model does not"
        ),
    )
    evidence.check_seeds(
        "grid steps by which BatchNorm's largest training lr exceeds the plain model's",
        sweep.steps_higher,
        seeds=sweep.setup.seeds,
        cap=sweep.setup.most_seeds,
        bound=0.0,
        comparison=">",
        rule=mean_ci(),  # a coarse grid: the typical step, not any one seed's, decides
        document="allows higher learning rates",
        reading=interpreted(
            "higher: the largest grid lr that trains is larger with BatchNorm (mean)"
        ),
        unit="grid steps",
    )


def fmt_lrs(sweep: Sweep, label: str, seeds: list[int]) -> str:
    """The largest training lr of ``label`` per seed, e.g. "2, 2, 1" ("none" where none)."""
    tops = [sweep.top(label, s) for s in seeds]
    return ", ".join(f"{LRS[i]:g}" if i >= 0 else "none" for i in tops)
