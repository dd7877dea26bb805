"""The trainable depth grows with xi_c: the post's tanh MLP at two gains of the ordered phase.

Without a bias, tanh at gain g has sigma_w2 = g^2 and, below g = 1, q* = 0 and chi1 = g^2, so
xi_c = -1 / ln(g^2): 0.72 at gain 0.5, 2.24 at gain 0.8 (initspec.theory.depth_scale), and
Schoenholz et al. 2017 find networks trainable to about 6 xi_c (4.3 and 13.4 layers). Each
(gain, depth, seed) is the post's model with that many tanh layers of 100, trained by the post's
loop (plain SGD, lr 0.075, batch 32, 1000 steps: initspec.experiments.propagation.char_gain_run)
and read by the shared phrase "trains" (final 50-step mean loss at most 80 % of ln V). The
deepest depth of the grid that trains is the measured trainable depth.
"""

from __future__ import annotations

import pytest
from spec.common.plans import Plan, TierPlans

from initspec import theory
from initspec.claims.registry import CLAIMS
from initspec.data.corpus import CharSplits, Vocabulary
from initspec.experiments.char_diagnostics import UPDATE_STEPS
from initspec.experiments.propagation import CharGainRun, char_gain_run
from initspec.plugin.evidence import Evidence, every, stated
from initspec.training.parallel import side_by_side

CLAIM = CLAIMS["theory.trainable-depth"]
MULTIPLE = CLAIM.value("xi_c_multiple")
# Two gains of the ordered phase (xi_c 0.72 and 2.24), depths on a doubling grid around their
# 6 xi_c (4.3 and 13.4), and the post's own horizon.
GAINS = (0.5, 0.8)
DEPTHS = (2, 4, 8, 16)
PLANS = TierPlans(
    quick=Plan(steps=UPDATE_STEPS, document_steps=None, seeds=(0, 1)),
    document=Plan(steps=UPDATE_STEPS, document_steps=None, seeds=(0, 1, 2, 3, 4)),
)
SCHOENHOLZ = (
    "the depth scales that we identify provide bounds on how deep a network may be trained for "
    "a specific choice of hyperparameters"
)


def deepest(runs: dict[tuple[float, int, int], CharGainRun], gain: float, seed: int) -> int:
    """The deepest depth of the grid at which the run trains (0: none does)."""
    return max((d for d in DEPTHS if runs[gain, d, seed].trains), default=0)


@pytest.mark.claim("theory.trainable-depth")
def test_the_trainable_depth_grows_with_xi_c(
    evidence: Evidence, tier: str, seed_base: int, char_data: tuple[Vocabulary, CharSplits]
) -> None:
    vocab, splits = char_data
    plan = PLANS[tier]
    seeds = list(plan.seeded(seed_base))
    keys = [(g, d, s) for g in GAINS for d in DEPTHS for s in seeds]
    jobs = [
        lambda g=g, d=d, s=s: char_gain_run(
            vocab, splits, gain=g, depth=d, seed=s, steps=plan.steps
        )
        for g, d, s in keys
    ]
    runs = dict(zip(keys, side_by_side(jobs), strict=True))
    xi = {g: theory.depth_scale("tanh", g * g).xi_c for g in GAINS}
    plan.record(evidence)
    evidence.record(
        gains=list(GAINS),
        depths=list(DEPTHS),
        seeds=seeds,
        xi_c={str(g): xi[g] for g in GAINS},
        predicted_trainable_depth={str(g): MULTIPLE * xi[g] for g in GAINS},
        final_loss={f"gain {g}, depth {d}, seed {s}": runs[g, d, s].final_loss for g, d, s in keys},
        trains={f"gain {g}, depth {d}, seed {s}": runs[g, d, s].trains for g, d, s in keys},
    )
    low, high = GAINS
    evidence.check(
        f"deepest trainable depth at gain {high} minus at gain {low}",
        [deepest(runs, high, s) - deepest(runs, low, s) for s in seeds],
        comparison=">",
        bound=0.0,
        rule=every(),
        document=SCHOENHOLZ,
        reading=stated(
            f"grows with xi_c: gain {high} (xi_c {xi[high]:.2f}) trains deeper than gain {low} "
            f"(xi_c {xi[low]:.2f})"
        ).predicting(
            MULTIPLE * (xi[high] - xi[low]),
            "the difference of 6 xi_c (their fit on MNIST, Fig. 5), not judged: the grid "
            "doubles, so the measured difference is one of 0, 2, 4, 6, 8, 12, 14",
        ),
    )
