"""Lab 02 (stand-in) fixtures: lab 01's setup with a norm layer, and the mitigations' init sweeps,
each trained once per session by the plan of the run's tier (:mod:`.setups`).
"""

from __future__ import annotations

import functools

import pytest
from spec.common.runs import runs_key, trained_once

from initspec.experiments.init_ablation import NORMS, Ablation, Setup, run_ablations
from initspec.experiments.mitigations import MITIGATIONS, sweep
from initspec.plugin.evidence import current_seed_base, current_tier
from initspec.plugin.hooks import computed_once

from .setups import CONFIG, NORM_PLANS, SWEEP_PLANS, NormAblation, Sweeps


@pytest.fixture(scope="session")
def norm_ablation(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    lab_ablations: list[Ablation],
) -> NormAblation:
    """No norm (lab 01's runs) and each norm, every init, every seed of the tier's plan."""
    plan = NORM_PLANS[current_tier(request.config)]
    seed_base = current_seed_base(request.config)
    seeds = list(plan.seeded(seed_base))
    lab01 = [
        ablation
        for ablation in lab_ablations
        if ablation.config == CONFIG and ablation.norm is None and ablation.seed in seeds
    ]
    held = {ablation.seed for ablation in lab01}
    setups = [Setup(CONFIG, seed, None) for seed in seeds if seed not in held]
    setups += [Setup(CONFIG, seed, norm) for norm in NORMS for seed in seeds]
    key = runs_key("lab02-norms", plan.steps, seeds)
    trained = computed_once(tmp_path_factory, key, lambda: run_ablations(setups))
    return NormAblation(plan, seeds, lab01 + trained)


@pytest.fixture(scope="session")
def scale_sweeps(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Sweeps:
    """Each mitigation (and none), each init scale, every seed of the tier's plan."""
    plan = SWEEP_PLANS[current_tier(request.config)]
    seeds = list(plan.seeded(current_seed_base(request.config)))
    jobs = [functools.partial(sweep, m, seed, plan.steps) for m in MITIGATIONS for seed in seeds]
    trained = trained_once(tmp_path_factory, "lab02-sweeps", jobs, steps=plan.steps, seeds=seeds)
    return Sweeps(plan, {m: [s for s in trained if s.mitigation == m] for m in MITIGATIONS})
