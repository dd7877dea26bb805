"""Lab 02 (stand-in) fixtures: lab 01's setup with a norm layer, trained once per session.

The norm ablation trains lab 01's full 1000 steps: "final losses close together" is a claim
about the end of the lab's run, and shorter runs judge it before its horizon. Its no-norm row
is lab 01's own ablation (the shared ``lab_ablations`` fixture: the same model, seeds and
batches). The init sweeps of the mitigations train 150 steps. Three data/weight seed sets per
setup; every setup's runs train side by side, one thread each.
"""

from __future__ import annotations

import functools

import pytest

from initspec.data import toy_data
from initspec.experiments.init_ablation import DEFAULTS, NORMS, Ablation, Setup, run_ablations
from initspec.experiments.mitigations import MITIGATIONS, ScaleSweep, sweep
from initspec.parallel import side_by_side
from initspec.pytest_plugin import computed_once
from initspec.train import TrainResult

CONFIG = DEFAULTS  # the lab's length: the claims are about its final losses
SWEEP_STEPS = 150
SEEDS = (0, 1, 2)  # lab 01's seed: data seed s, weight seeds 100 s + 1 + init index

NormRuns = dict[str | None, list[dict[str, TrainResult]]]  # norm -> per seed -> init -> run


@pytest.fixture(scope="session")
def norm_runs(tmp_path_factory: pytest.TempPathFactory, lab_ablations: list[Ablation]) -> NormRuns:
    """No norm (lab 01 itself) and each norm, every init, every seed."""
    by_seed = {ablation.seed: ablation for ablation in lab_ablations}
    assert all(by_seed[seed].config == CONFIG for seed in SEEDS)
    setups = [Setup(CONFIG, seed, norm) for norm in NORMS for seed in SEEDS]
    trained = computed_once(tmp_path_factory, "lab02-norms", lambda: run_ablations(setups))
    runs: NormRuns = {
        None: [{init: run.result for init, run in by_seed[seed].runs.items()} for seed in SEEDS]
    }
    for ablation in trained:
        runs.setdefault(ablation.norm, []).append(
            {init: run.result for init, run in ablation.runs.items()}
        )
    return runs


@pytest.fixture(scope="session")
def scale_sweeps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[ScaleSweep]]:
    """Each mitigation, each init scale, every seed (data seed 0, weight seed = seed + 1)."""
    data = toy_data(0)
    jobs = [
        functools.partial(sweep, m, seed + 1, data, SWEEP_STEPS)
        for m in MITIGATIONS
        for seed in SEEDS
    ]
    sweeps = computed_once(tmp_path_factory, "lab02-sweeps", lambda: side_by_side(jobs))
    return {m: [s for s in sweeps if s.mitigation == m] for m in MITIGATIONS}
