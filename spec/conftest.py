"""What every spec test shares: the training setups several labs read.

Every test (the root conftest.py) runs torch on one intra-op thread: the models are small (a
batch of 32 or 64 against a few hundred units), a second thread gains them nothing, and a result
must not depend on the machine's core count. Independent runs go side by side instead, one per core
(:func:`initspec.training.parallel.side_by_side`, which pins each run to one thread the same way).

Lab 01's ablation at the lab's setup is also lab 02's no-norm row: the same model, seeds and
batches, so lab 02 reads these runs instead of training them again.
"""

from __future__ import annotations

import dataclasses

import pytest
from spec.common.plans import Plan, TierPlans

from initspec.experiments.init_ablation import DEFAULTS, Ablation, run_ablations
from initspec.plugin.hooks import computed_once

# Lab 01's plans. Every lab 01 setup trains the document's 1000 steps in both tiers
# (AblationConfig's defaults are the lab's setup). The lab's own setup is judged over five seeds
# in both; the pitfalls (other depths, other learning rates, U[-0.05, 0.05]) over three in the
# quick tier and five in the document tier.
LAB01_PLANS = {
    "lab": TierPlans(
        quick=Plan(DEFAULTS.steps, DEFAULTS.steps, tuple(range(5))),
        document=Plan(DEFAULTS.steps, DEFAULTS.steps, tuple(range(5))),
    ),
    "pitfalls": TierPlans(
        quick=Plan(DEFAULTS.steps, DEFAULTS.steps, tuple(range(3))),
        document=Plan(DEFAULTS.steps, DEFAULTS.steps, tuple(range(5))),
    ),
}


@pytest.fixture(scope="session")
def lab01_plans(tier: str, seed_base: int) -> dict[str, Plan]:
    """Lab 01's plans, ``"lab"`` and ``"pitfalls"``, for the run's tier, their seeds with
    ``--seed-base`` added."""
    return {
        setup: dataclasses.replace(plans[tier], seeds=plans[tier].seeded(seed_base))
        for setup, plans in LAB01_PLANS.items()
    }


@pytest.fixture(scope="session")
def lab_ablations(
    tmp_path_factory: pytest.TempPathFactory, lab01_plans: dict[str, Plan]
) -> list[Ablation]:
    """Lab 01's setup (12 layers, lr 1e-3) for the steps of its plan, once per data seed of the
    plan (``ablation.seed``: seed_base + 0, 1, ...)."""
    plan = lab01_plans["lab"]
    config = dataclasses.replace(DEFAULTS, steps=plan.steps)
    return computed_once(
        tmp_path_factory,
        "lab01-lab",
        lambda: run_ablations([(config, seed) for seed in plan.seeds]),
    )
