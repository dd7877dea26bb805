"""Lab 02's training setups: each one's horizon and seeds per tier, and what holds its runs.

Each setup picks its horizon and seeds from the tier in one place, its
:class:`~spec.common.plans.TierPlans`:

- the norm ablation trains lab 01's full horizon in both tiers: its claims are about the final
  losses of the lab's run, and a shorter run would judge them before their horizon. Its no-norm
  row is lab 01's own ablation (the shared ``lab_ablations`` fixture: the same model, seeds and
  batches); a seed that fixture did not train at lab 01's setup is trained here. Seeds beyond the
  plan's train on demand, for criteria that measure more seeds until they decide.
- the mitigations' init sweeps (lab 01's model with one mitigation, every init scale) train 150
  steps in the quick tier, lab 01's horizon in the document tier: seven scales times four setups
  make lab 01's horizon too long for every change.

Seeds are the suite's own numbers (0, 1, 2, ...) shifted by ``--seed-base``: a seed s is lab
01's data seed s with weight seeds ``weight_seed(s, i)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from spec.common.plans import Plan, TierPlans

from initspec.experiments.init_ablation import DEFAULTS, Ablation, Setup, run_ablations
from initspec.experiments.mitigations import ScaleSweep
from initspec.training.loop import TrainResult

CONFIG = DEFAULTS  # lab 01's setup: 12 layers, hidden 256, SGD, 1000 steps


# Lab 01's horizon in both tiers; three seeds in the quick tier, five in the document tier.
NORM_PLANS = TierPlans(
    quick=Plan(CONFIG.steps, CONFIG.steps, tuple(range(3))),
    document=Plan(CONFIG.steps, CONFIG.steps, tuple(range(5))),
)
# The lecture names no setup or horizon for its mitigations; they are judged on lab 01's
# setup, whose horizon is 1000 steps.
SWEEP_PLANS = TierPlans(
    quick=Plan(150, CONFIG.steps, tuple(range(3))),
    document=Plan(CONFIG.steps, CONFIG.steps, tuple(range(5))),
)

InitRuns = dict[str, TrainResult]  # init -> run


class NormAblation:
    """Lab 02's runs: for each norm (None: lab 01's own model) and data seed, each init's run.

    :meth:`runs` trains a (norm, seed) it does not hold yet, so a criterion can add seeds.
    """

    def __init__(self, plan: Plan, seeds: list[int], ablations: list[Ablation]) -> None:
        self.plan = plan
        self.seeds = seeds  # the plan's seeds, shifted by --seed-base
        self.chance = ablations[0].chance
        self._runs: dict[tuple[str | None, int], InitRuns] = {}
        self._add(ablations)

    def _add(self, ablations: list[Ablation]) -> None:
        for ablation in ablations:
            runs = {init: run.result for init, run in ablation.runs.items()}
            self._runs[(ablation.norm, ablation.seed)] = runs

    def runs(self, norm: str | None, seed: int) -> InitRuns:
        """The three inits' runs with ``norm`` on data seed ``seed`` (trained if not held)."""
        if (norm, seed) not in self._runs:
            self._add(run_ablations([Setup(CONFIG, seed, norm)]))
        return self._runs[(norm, seed)]


@dataclass(frozen=True)
class Sweeps:
    """Every mitigation's init-scale sweeps, one per seed, and the plan they were trained by."""

    plan: Plan
    by_mitigation: dict[str, list[ScaleSweep]]
