"""Shared runs of the character model: trained once per session, judged by several claims.

Data: the lecture's own names file (:mod:`initspec.data.corpus`: 32,033 names, V = 27), on which the
lecture measured its numbers. The post's bird names (V = 29) are not available, so the post's
claims are measured on the lecture's names too (``post_corpus`` says so in their evidence).

Runs: the post's first model (embedding 10, context 3, hidden 200, tanh) in the post's loop:
plain SGD, batch 32, lr 0.1 and a tenth of it from step 100,000 of 200,000 (the post's and the
lecture's run). ``char_setup`` takes the horizon and the seeds from the tier:

- quick: the first 3,000 steps of that run (before the learning rate drops), 3 seeds;
- document: all 200,000 steps, 5 seeds.

Seed s (0, 1, ... plus ``--seed-base``) is a run's weight seed, its batch-order seed and the
seed of its own 80/10/10 split of the names. The documents print one run each, so the spread
over our seeds covers everything that differs between two runs of their recipe, the split
included. The variants of one seed (:data:`CHAR_VARIANTS`) train together as one stacked model
(:mod:`initspec.training.stacked`): the same split and batches, different initial weights.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytest
import torch
from spec.common.plans import Plan, TierPlans

from initspec.claims.registry import CLAIMS
from initspec.data.corpus import CORPUS_DESCRIPTION, CharSplits, Vocabulary, default_splits
from initspec.experiments.char_init import (
    PROBE_EVERY,
    PROBE_EXAMPLES,
    CharInitConfig,
    logit_std,
    train_with_decay,
)
from initspec.models.charmodel import CharMLP, build_char_mlp
from initspec.plugin.evidence import current_seed_base, current_tier
from initspec.plugin.hooks import computed_once
from initspec.training.blog_recipe import BLOG_LR, blog_config
from initspec.training.loop import TrainResult
from initspec.training.parallel import side_by_side
from initspec.training.stacked import StackedCharMLP, train_stacked

POST_LOOP = CLAIMS["blog.init-fixes-converge"]  # the post prints its loop: steps, lr drop
DOCUMENT_STEPS = int(POST_LOOP.value("steps"))
LR_DROP_STEP = int(POST_LOOP.value("lr_drop_step"))
QUICK_STEPS = 3_000  # the quick tier's horizon: the first 3,000 steps of the post's run
# The shared runs' horizon and weight seeds per tier.
CHAR_PLANS = TierPlans(
    quick=Plan(QUICK_STEPS, DOCUMENT_STEPS, tuple(range(3))),
    document=Plan(DOCUMENT_STEPS, DOCUMENT_STEPS, tuple(range(5))),
)


def zeroed(model: CharMLP, *, hidden: bool = False) -> CharMLP:
    """``model`` with exactly-zero output weights (and hidden weights too, if ``hidden``)."""
    with torch.no_grad():
        model.output.weight.zero_()
        if hidden:
            model.hidden.weight.zero_()
    return model


# The shared runs, by label: each builds its model from (V, weight seed) with the same draws.
# "naive", "output-fix", "hidden-fix": the post's three inits
# (initspec.models.charmodel.CHAR_INITS). "zero-output": the hidden fix with exactly-zero output
# weights (b2 = 0 already); "zero-output-and-hidden": the same with zero hidden weights too (b1 = 0
# already), so h = 0.
CHAR_VARIANTS: dict[str, Callable[[int, int], CharMLP]] = {
    "naive": lambda v, seed: build_char_mlp(v, init="naive", seed=seed),
    "output-fix": lambda v, seed: build_char_mlp(v, init="output-fix", seed=seed),
    "hidden-fix": lambda v, seed: build_char_mlp(v, init="hidden-fix", seed=seed),
    "zero-output": lambda v, seed: zeroed(build_char_mlp(v, init="hidden-fix", seed=seed)),
    "zero-output-and-hidden": lambda v, seed: zeroed(
        build_char_mlp(v, init="hidden-fix", seed=seed), hidden=True
    ),
}


def post_loop(
    stack: StackedCharMLP,
    splits: CharSplits,
    steps: int,
    data_seeds: Sequence[int],
    lr: float = BLOG_LR,
    probe: bool = True,
) -> list[TrainResult]:
    """The first ``steps`` steps of the post's loop for every member of ``stack`` at once.

    Plain SGD, batch 32, ``lr`` until step ``LR_DROP_STEP`` and ``lr / 10`` from there (the
    whole run: :func:`initspec.experiments.char_init.train_with_decay`); member k's batches
    come from data seed ``data_seeds[k]``; with ``probe``, the logits' std is probed every
    ``PROBE_EVERY`` steps on ``PROBE_EXAMPLES`` validation windows, as the lab probes it (a
    caller that reads only the losses skips it: a forward pass over 512 windows every 10 steps
    is a large share of so small a model's step).
    """
    if steps <= LR_DROP_STEP:  # the drop lies beyond this horizon: one phase at ``lr``
        configs = [
            blog_config(steps, lr=lr, data_seed=seed, probe_every=PROBE_EVERY)
            for seed in data_seeds
        ]
        probes = (
            {"logit_std": functools.partial(logit_std, probe_x=splits.val.x[:PROBE_EXAMPLES])}
            if probe
            else {}
        )
        return train_stacked(stack, splits.as_dataset(), configs, probes)
    config = CharInitConfig(steps=steps, lr=lr)
    if config.half != LR_DROP_STEP:
        raise ValueError(
            f"the post's loop drops the learning rate at step {LR_DROP_STEP:,}: {steps:,} "
            f"steps would drop it at step {config.half:,}"
        )
    return train_with_decay(stack, splits, config, data_seeds, "", progress=False, probe=probe)


@dataclass
class CharRun:
    """One trained single-hidden-layer model and what its training recorded."""

    init: str  # a label of CHAR_VARIANTS
    seed: int
    model: CharMLP
    result: TrainResult

    @property
    def losses(self) -> list[float | None]:
        """One loss per step; None from a non-finite loss on."""
        return self.result.losses

    @property
    def val_loss(self) -> float | None:
        """The loss over the whole validation split after training; None if it diverged."""
        return self.result.val_loss

    @property
    def logit_std(self) -> dict[int, float]:
        """Step -> the logits' std on the probe windows (every ``PROBE_EVERY`` steps)."""
        return dict(self.result.probes["logit_std"])


@pytest.fixture(scope="session")
def char_setup(pytestconfig: pytest.Config) -> Plan:
    """The tier's horizon and seeds for the shared runs, ``--seed-base`` added (tests read them
    here, not by import)."""
    plan = CHAR_PLANS[current_tier(pytestconfig)]
    return dataclasses.replace(plan, seeds=plan.seeded(current_seed_base(pytestconfig)))


@pytest.fixture(scope="session")
def char_data(pytestconfig: pytest.Config) -> tuple[Vocabulary, CharSplits]:
    """The names' vocabulary and one split of them (seed ``--seed-base``), for the tests that
    measure untrained models."""
    return default_splits(current_seed_base(pytestconfig))


@pytest.fixture(scope="session")
def corpus(char_data: tuple[Vocabulary, CharSplits]) -> dict[str, object]:
    """What every verdict records about its data: which corpus and which V."""
    return {"corpus": CORPUS_DESCRIPTION, "vocab_size": char_data[0].size}


@pytest.fixture(scope="session")
def post_corpus() -> dict[str, str]:
    """What the post's claims record about the post's own data."""
    return {
        "post_corpus": (
            "the post's bird names (V = 29) are not available: measured on the lecture's "
            "names (V = 27) instead. The post's printed figures (one run on its own data) stand "
            "beside ours; the verdict rests on what the post says happens, not on matching them"
        )
    }


@pytest.fixture(scope="session")
def post_loop_runner() -> Callable[..., list[TrainResult]]:
    """:func:`post_loop`, for tests that train their own stacked models in the post's loop."""
    return post_loop


@pytest.fixture(scope="session")
def char_variants() -> dict[str, Callable[[int, int], CharMLP]]:
    """The shared runs' models by label, each built from (V, weight seed): CHAR_VARIANTS."""
    return CHAR_VARIANTS


@pytest.fixture(scope="session")
def seed_splits(char_setup: Plan) -> dict[int, CharSplits]:
    """Each seed's own 80/10/10 split of the names (split seed = weight seed)."""
    return {seed: default_splits(seed)[1] for seed in char_setup.seeds}


@pytest.fixture(scope="session")
def char_runs(
    tmp_path_factory: pytest.TempPathFactory,
    char_setup: Plan,
    char_data: tuple[Vocabulary, CharSplits],
    seed_splits: dict[int, CharSplits],
) -> dict[tuple[str, int], CharRun]:
    """Every variant of CHAR_VARIANTS per seed, ``char_setup.steps`` steps of the post's loop:
    one stacked model a seed (its own split, batches from data seed = weight seed), the seeds
    side by side."""
    vocab_size = char_data[0].size

    def train_seed(seed: int) -> list[CharRun]:
        labels = list(CHAR_VARIANTS)
        stack = StackedCharMLP([CHAR_VARIANTS[label](vocab_size, seed) for label in labels])
        results = post_loop(stack, seed_splits[seed], char_setup.steps, [seed] * len(labels))
        return [
            CharRun(label, seed, stack.member(k), result)
            for k, (label, result) in enumerate(zip(labels, results, strict=True))
        ]

    def compute() -> dict[tuple[str, int], CharRun]:
        jobs = [functools.partial(train_seed, seed) for seed in char_setup.seeds]
        return {(run.init, run.seed): run for runs in side_by_side(jobs) for run in runs}

    return computed_once(tmp_path_factory, "makemore-char-runs", compute)
