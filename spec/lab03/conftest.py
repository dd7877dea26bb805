"""Lab 03 fixtures: every training setup of the lab and of its pitfalls, trained once per
session over several weight seeds; all the session's runs train side by side (one thread each,
see initspec.training.parallel).

What a tier trains, in one place (:func:`lab03_plans`):

- document tier: the lab's own run, 1000 steps (lab 01's, which lab 03 keeps: "same optimizer
  config"), for every setup, the 100-block question included, over five weight seeds;
- quick tier: 150 steps at 50 blocks over three weight seeds: the horizon of the claims about
  the first steps ("decreases for ~50 steps, then plateaus", "below 1e-7 within ~100 steps");
  the 100-block run trains 60 steps (it costs twice a 50-block step). Claims about the whole
  run (its final loss, "throughout") are judged there at fewer steps than the document's, and
  their tests say so: every test records its steps and the document's.

Seeds: the data (and batch order) seed is seed_base; the weight seeds are seed_base + 1, 2, ...
Every setup of one weight seed starts from that seed (the document's "same seed" for both
runs) and sees the same batches. Under pytest-xdist the first worker to need the runs trains
them and leaves a pickle for the others.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import pytest
from spec.common.plans import Plan

from initspec.claims.numbers import LAB03_GELU_GAIN
from initspec.claims.registry import CLAIMS
from initspec.data.toy import toy_data
from initspec.experiments.residual_depth import DeepRun, ResidualDepthConfig, train_variant
from initspec.models.gains import gelu_gain
from initspec.plugin.evidence import current_seed_base, current_tier
from initspec.plugin.hooks import computed_once
from initspec.training.parallel import side_by_side

# The document's horizon: the lab's run, as many steps as lab 01's.
DOCUMENT_STEPS = ResidualDepthConfig().steps
QUICK_STEPS = 150  # the first-steps claims: "~50 steps, then plateaus" (a window after it)
QUICK_STEPS_100_BLOCKS = 60  # a 100-block step costs two 50-block steps
WEIGHT_SEEDS = {"quick": (1, 2, 3), "document": (1, 2, 3, 4, 5)}
DEPTH_100 = int(CLAIMS["lab03.depth-100"].value("depth"))  # "at 100 layers"
# The learning rate lab 03 leaves open (lab 01's 1e-3 is assumed), and its plausible range.
LR = ResidualDepthConfig().lr
LR_RANGE = (LR / 3, LR, LR * 3)
# "Drops below 1e-7 within ~100 steps": the plain model at the other learning rates trains
# steps 0-100 in both tiers (the claim's own horizon).
VANISH_STEPS = int(CLAIMS["lab03.plain-grad-vanishes"].value("within_steps")) + 1
# The residual model's loss jumps in its first steps ("smooth"'s fast half): its runs at the
# other learning rates train this many steps, in both tiers.
SPIKE_STEPS = 30
# The pre-chain model explodes in its first forward pass (a loss of about 1e15 at step 0 and a
# NaN at step 1): its runs at other gains and learning rates train this many steps at most.
EXPLOSION_STEPS = 20
# The gains the pre-chain placement is judged at: GeLU's second-moment (Kaiming) gain, the
# lab's 1.7 and their geometric mean.
PRE_CHAIN_GAINS = (gelu_gain(), math.sqrt(gelu_gain() * LAB03_GELU_GAIN), LAB03_GELU_GAIN)

# Each setup: options for initspec.models.blocks.BlockConfig (the defaults are the document's
# setup; the gain, where a setup names none, is the lab's).
SETUPS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "plain": {"residual": False},
        "residual": {"residual": True},
        # Block F, question 4: "What would happen at 100 layers without residuals?"
        "plain-100": {"residual": False, "depth": DEPTH_100},
        # Pitfall: "Pre-LN before the entire chain (not per-block)".
        "pre-chain": {"residual": False, "norm": "pre-chain"},
        # Pitfall: "Reduce the inner-block init scale": a tenth of the default.
        "small-scale": {"residual": True, "inner_scale": 0.1},
        # Sensitivity: the plain model at the other learning rates of LR_RANGE.
        **{f"plain-lr-{lr:g}": {"residual": False, "lr": lr} for lr in LR_RANGE if lr != LR},
        **{f"residual-lr-{lr:g}": {"residual": True, "lr": lr} for lr in LR_RANGE if lr != LR},
        # Sensitivity: the pre-chain placement at other gains and learning rates.
        **{
            f"pre-chain-gain-{gain:.3g}": {"residual": False, "norm": "pre-chain", "gain": gain}
            for gain in PRE_CHAIN_GAINS
            if gain != LAB03_GELU_GAIN
        },
        **{
            f"pre-chain-lr-{lr:g}": {"residual": False, "norm": "pre-chain", "lr": lr}
            for lr in LR_RANGE
            if lr != LR
        },
    }
)
# Steps of the sensitivity setups, in both tiers (the others train the tier's horizon).
SENSITIVITY_STEPS: Mapping[str, int] = MappingProxyType(
    {
        **{name: VANISH_STEPS for name in SETUPS if name.startswith("plain-lr-")},
        **{name: SPIKE_STEPS for name in SETUPS if name.startswith("residual-lr-")},
        **{name: EXPLOSION_STEPS for name in SETUPS if name.startswith("pre-chain-")},
    }
)


@dataclass(frozen=True, kw_only=True)
class SetupPlan(Plan):
    """One setup's :class:`~spec.common.plans.Plan` in this tier (its weight seeds with
    ``--seed-base`` added), the options that make the setup, and its data seed."""

    options: Mapping[str, Any]
    data_seed: int


@dataclass(frozen=True)
class Runs:
    """One setup's runs, one per weight seed, with the plan they trained to."""

    plan: SetupPlan
    runs: tuple[DeepRun, ...]


def plans(tier: str, seed_base: int) -> dict[str, SetupPlan]:
    """Every setup's plan in ``tier`` ("quick" or "document")."""
    quick = tier == "quick"

    def steps(name: str) -> int:
        if name in SENSITIVITY_STEPS:
            return SENSITIVITY_STEPS[name]
        if not quick:
            return DOCUMENT_STEPS
        return QUICK_STEPS_100_BLOCKS if name == "plain-100" else QUICK_STEPS

    seeds = tuple(seed_base + seed for seed in WEIGHT_SEEDS[tier])
    return {
        name: SetupPlan(
            steps=steps(name),
            document_steps=DOCUMENT_STEPS,
            seeds=seeds,
            options=options,
            data_seed=seed_base,
        )
        for name, options in SETUPS.items()
    }


def train_plans(chosen: dict[str, SetupPlan]) -> dict[str, tuple[DeepRun, ...]]:
    """Train every plan's runs side by side, the longest jobs first (they bound the wall time)."""
    keys = [(name, seed) for name, plan in chosen.items() for seed in plan.seeds]
    cost = {name: plan.steps * plan.options.get("depth", 50) for name, plan in chosen.items()}
    keys.sort(key=lambda key: -cost[key[0]])
    data_seed = next(iter(chosen.values())).data_seed
    data = toy_data(data_seed)
    jobs = [
        functools.partial(
            train_variant,
            seed,
            chosen[name].steps,
            data=data,
            data_seed=data_seed,
            **{"gain": LAB03_GELU_GAIN, **chosen[name].options},
        )
        for name, seed in keys
    ]
    trained = dict(zip(keys, side_by_side(jobs), strict=True))
    return {
        name: tuple(trained[name, seed] for seed in plan.seeds) for name, plan in chosen.items()
    }


@pytest.fixture(scope="session")
def lab03_plans(pytestconfig: pytest.Config) -> dict[str, SetupPlan]:
    """Every lab 03 setup's plan for this run's tier and seed base."""
    return plans(current_tier(pytestconfig), current_seed_base(pytestconfig))


@pytest.fixture(scope="session")
def deep_runs(
    tmp_path_factory: pytest.TempPathFactory, lab03_plans: dict[str, SetupPlan]
) -> dict[str, Runs]:
    """Every setup in SETUPS, once per weight seed of its plan."""
    trained = computed_once(tmp_path_factory, "lab03-setups", lambda: train_plans(lab03_plans))
    return {name: Runs(lab03_plans[name], trained[name]) for name in lab03_plans}


def _fixture(name: str) -> Any:
    @pytest.fixture(scope="session")
    def runs(deep_runs: dict[str, Runs]) -> Runs:
        return deep_runs[name]

    runs.__doc__ = f"{name} ({dict(SETUPS[name])}): its plan and its runs, one per weight seed"
    return runs


plain = _fixture("plain")
residual = _fixture("residual")
plain_100 = _fixture("plain-100")
pre_chain = _fixture("pre-chain")
small_scale = _fixture("small-scale")


@pytest.fixture(scope="session")
def plain_by_lr(deep_runs: dict[str, Runs]) -> dict[float, Runs]:
    """The plain model at each learning rate of LR_RANGE (the assumed one: the lab's run)."""
    return {lr: deep_runs["plain" if lr == LR else f"plain-lr-{lr:g}"] for lr in LR_RANGE}


@pytest.fixture(scope="session")
def residual_by_lr(deep_runs: dict[str, Runs]) -> dict[float, Runs]:
    """The residual model at each learning rate of LR_RANGE (the assumed one: the lab's run;
    the others train SPIKE_STEPS steps)."""
    return {lr: deep_runs["residual" if lr == LR else f"residual-lr-{lr:g}"] for lr in LR_RANGE}


@pytest.fixture(scope="session")
def pre_chain_sweep(deep_runs: dict[str, Runs]) -> dict[str, dict[float, Runs]]:
    """The pre-chain model at each gain of PRE_CHAIN_GAINS and each lr of LR_RANGE (the lab's
    gain and the assumed lr: the pre-chain run of the tier)."""
    return {
        "gain": {
            gain: deep_runs[
                "pre-chain" if gain == LAB03_GELU_GAIN else f"pre-chain-gain-{gain:.3g}"
            ]
            for gain in PRE_CHAIN_GAINS
        },
        "lr": {
            lr: deep_runs["pre-chain" if lr == LR else f"pre-chain-lr-{lr:g}"] for lr in LR_RANGE
        },
    }
