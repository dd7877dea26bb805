"""What the mechanics specs share: the BatchNorm implementations under test, property settings,
and the training setups with their horizons and seeds per tier."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from hypothesis import HealthCheck, settings
from spec.common.plans import Plan, TierPlans
from torch import nn

from initspec.claims.registry import CLAIMS
from initspec.data.toy import Dataset
from initspec.models.charmodel import CharMLP
from initspec.models.norms import BatchNorm1d
from initspec.plugin.hooks import Evidence
from initspec.training.blog_recipe import BLOG_LR, blog_config
from initspec.training.loop import TrainResult, train

# Every BatchNorm claim is checked on initspec's layer and on PyTorch's.
BATCHNORMS: dict[str, Callable[..., nn.Module]] = {
    "initspec": BatchNorm1d,
    "torch": nn.BatchNorm1d,
}

# Property tests take the function-scoped ``evidence`` fixture; it is shared by all examples
# on purpose (each example re-checks the same criteria, so the report shows the last one, the
# failing one where one fails), so hypothesis need not warn about it.
property_test = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


def record_worst(evidence: Evidence, **figures: float) -> None:
    """Keep, for each figure, the largest value seen over a property test's examples."""
    worst = {
        name: value
        for name, value in figures.items()
        if evidence.figures.get(name) is None or value > evidence.figures[name]
    }
    evidence.record(**worst, examples=int(evidence.figures.get("examples", 0)) + 1)


# The lecture's setting: the character MLP (context 3, embedding 10, hidden 200, tanh) with
# BatchNorm after the hidden Linear, plain SGD on batches of 32 with the post's schedule: lr 0.1,
# then 0.01 from step 100,000 of 200,000. The quick tier trains the schedule's first 1000 steps
# (all at lr 0.1), enough for gamma, beta and the running statistics to move; the document tier
# trains all of it.
_POST_SCHEDULE = CLAIMS["lecture.bn-running-stats"]
CHAR_BN_STEPS = int(_POST_SCHEDULE.value("steps"))
CHAR_BN_LR_DROP = int(_POST_SCHEDULE.value("lr_drop_step"))
CHAR_BN_PLANS = TierPlans(
    quick=Plan(1000, CHAR_BN_STEPS, tuple(range(5))),
    document=Plan(CHAR_BN_STEPS, CHAR_BN_STEPS, tuple(range(5))),
)


def train_post_schedule(model: nn.Module, data: Dataset, steps: int, data_seed: int) -> TrainResult:
    """The post's loop cut at ``steps``: lr 0.1 up to the drop, lr 0.01 after it.

    Data seed ``data_seed`` orders the batches before the drop and ``data_seed + 1`` after it.
    Returns the last phase's result (the tests read the trained model, not the curve).
    """
    first = train(model, data, blog_config(min(steps, CHAR_BN_LR_DROP), data_seed=data_seed))
    if steps <= CHAR_BN_LR_DROP or first.first_nan_step is not None:
        return first
    rest = blog_config(steps - CHAR_BN_LR_DROP, lr=BLOG_LR / 10, data_seed=data_seed + 1)
    return train(model, data, rest)


@dataclass(frozen=True)
class TrainedCharBatchNorm:
    seed: int  # the weight seed, shifted by --seed-base
    model: CharMLP
    result: TrainResult
    initial_hidden_weight: torch.Tensor
    initial_hidden_bias: torch.Tensor


@dataclass(frozen=True)
class CharBatchNormRuns:
    plan: Plan
    data: Dataset
    vocab_size: int
    runs: list[TrainedCharBatchNorm]

    def horizon(self, evidence: Evidence) -> None:
        """Record the steps these runs trained and the post's own horizon."""
        self.plan.record(evidence)


# Dead units (lecture.dead-neuron-never-recovers): a 3-layer MLP on the toy task with some
# first-layer units killed. The lecture gives no horizon ("permanently"): the quick tier trains
# 300 steps (the toy task is learned by then), the document tier ten times as long.
DEAD_UNIT_PLANS = TierPlans(
    quick=Plan(300, None, tuple(range(5))),
    document=Plan(3000, None, tuple(range(5))),
)
