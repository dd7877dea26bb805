"""Lab 01 fixtures: each training setup away from the lab's own runs once per test session.

The lab's own setup trains in spec/conftest.py (lab 02 reads it too). The setups here (twice
the depth, a shallow net, learning rates far too high and dropped, U[-0.05, 0.05]) follow the
``"pitfalls"`` plan of the tier: the document's 1000 steps, over its data seeds (seed_base + 0,
1, ...; the i-th init's weights from ``weight_seed(seed, i)``). A setup's runs (its seeds and
inits) train side by side, one per core, each on one thread.

Under pytest-xdist the first worker to need a setup trains it and leaves the result (a pickle)
in the session's shared temporary directory; the other workers wait for it and load it, so no
setup trains twice. A serial run just trains it.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import pytest

from initspec.experiments.init_ablation import DEFAULTS, Ablation, run_ablations
from initspec.plugin.hooks import computed_once

from .criteria import DEEP_DEPTH, LR_DROPPED, LR_HIGH_SWEEP, SHALLOW_DEPTH, SMALL_UNIFORM

if TYPE_CHECKING:
    from spec.common.plans import Plan


def _ablations(
    tmp_path_factory: pytest.TempPathFactory, key: str, plan: Plan, **changes: Any
) -> list[Ablation]:
    """The lab's setup with ``changes``, for the plan's steps, once per data seed of the plan."""
    config = dataclasses.replace(DEFAULTS, steps=plan.steps, **changes)
    return computed_once(
        tmp_path_factory, key, lambda: run_ablations([(config, seed) for seed in plan.seeds])
    )


@pytest.fixture(scope="session")
def deep_ablations(
    tmp_path_factory: pytest.TempPathFactory, lab01_plans: dict[str, Plan]
) -> list[Ablation]:
    """Block D question 4: the lab's setup at 24 layers."""
    return _ablations(tmp_path_factory, "lab01-deep", lab01_plans["pitfalls"], depth=DEEP_DEPTH)


@pytest.fixture(scope="session")
def shallow_ablations(
    tmp_path_factory: pytest.TempPathFactory, lab01_plans: dict[str, Plan]
) -> list[Ablation]:
    """The lab's setup at a shallow depth."""
    plan = lab01_plans["pitfalls"]
    return _ablations(tmp_path_factory, "lab01-shallow", plan, depth=SHALLOW_DEPTH)


@pytest.fixture(scope="session")
def high_lr_sweep(
    tmp_path_factory: pytest.TempPathFactory, lab01_plans: dict[str, Plan]
) -> dict[float, list[Ablation]]:
    """The lab's setup at each "far too high" learning rate of the plausible range (runs that
    hit NaN stop there, so a diverging setup costs a few steps)."""
    plan = lab01_plans["pitfalls"]
    return {
        lr: _ablations(tmp_path_factory, f"lab01-high-lr-{lr:g}", plan, lr=lr)
        for lr in LR_HIGH_SWEEP
    }


@pytest.fixture(scope="session")
def dropped_lr_ablations(
    tmp_path_factory: pytest.TempPathFactory, lab01_plans: dict[str, Plan]
) -> list[Ablation]:
    """The lab's setup with the learning rate dropped to the document's 1e-4."""
    return _ablations(tmp_path_factory, "lab01-dropped-lr", lab01_plans["pitfalls"], lr=LR_DROPPED)


@pytest.fixture(scope="session")
def small_uniform_ablations(
    tmp_path_factory: pytest.TempPathFactory, lab01_plans: dict[str, Plan]
) -> list[Ablation]:
    """The lab's setup with U[-0.05, 0.05] alone (weights from ``weight_seed(seed, 0)``)."""
    plan = lab01_plans["pitfalls"]
    return _ablations(tmp_path_factory, "lab01-small-uniform", plan, inits=(SMALL_UNIFORM,))
