"""Lab 02 (stand-in) fixtures: lab 01's setup with a norm layer, trained once per session.

The norm ablation trains lab 01's full 1000 steps: "final losses close together" is a claim
about the end of the lab's run, and shorter runs judge it before its horizon. The init sweeps of
the mitigations train 150 steps. Three data/weight seed sets per setup, on one torch thread.
"""

from __future__ import annotations

import dataclasses

import pytest

from initspec.data import toy_data
from initspec.labs.lab01 import DEFAULTS
from initspec.labs.lab02 import NORMS, run_norm
from initspec.mitigations import MITIGATIONS, ScaleSweep, sweep
from initspec.threads import single_thread
from initspec.train import TrainResult

STEPS = DEFAULTS.steps  # the lab's length: the claims are about its final losses
SWEEP_STEPS = 150
SEEDS = (0, 1, 2)  # lab 01's seed: data seed s, weight seeds 100 s + 1 + init index
CONFIG = dataclasses.replace(DEFAULTS, steps=STEPS)

NormRuns = dict[str | None, list[dict[str, TrainResult]]]  # norm -> per seed -> init -> run


@pytest.fixture(scope="session")
def norm_runs() -> NormRuns:
    """No norm (lab 01 itself) and each norm, every init, every seed."""
    with single_thread():
        return {
            norm: [run_norm(norm, CONFIG, seed, data=toy_data(seed)) for seed in SEEDS]
            for norm in (None, *NORMS)
        }


@pytest.fixture(scope="session")
def scale_sweeps() -> dict[str, list[ScaleSweep]]:
    """Each mitigation, each init scale, every seed (data seed 0, weight seed = seed)."""
    data = toy_data(0)
    with single_thread():
        return {m: [sweep(m, seed + 1, data, SWEEP_STEPS) for seed in SEEDS] for m in MITIGATIONS}
