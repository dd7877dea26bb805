"""The theory's critical lines against random networks at init (initspec.experiments.propagation).

Width 512, 20 layers, batch 64, float64, pre-activations started at q*: the measured per-layer
backward ratio of the gradient's std is the finite-width counterpart of sqrt(chi1). Where it
crosses 1 along sigma_w2 (log-linear interpolation between grid points) is the measured critical
line; initspec.theory.critical_sigma_w2 is the predicted one.
"""

from __future__ import annotations

import math

import pytest
from spec.common.plans import Plan, TierPlans

from initspec import theory
from initspec.claims.registry import CLAIMS
from initspec.experiments.propagation import crossing, gradient_ratio
from initspec.plugin.evidence import Evidence, every, mean_ci, stated

TANH = CLAIMS["theory.tanh-critical-line"]
RELU = CLAIMS["theory.relu-edge-of-chaos"]
# Measured at initialisation: nothing trains (steps 0); up to 20 seeds where the t interval
# leaves a criterion undecided.
PLANS = TierPlans(
    quick=Plan(steps=0, document_steps=None, seeds=(0, 1, 2), cap=20),
    document=Plan(steps=0, document_steps=None, seeds=(0, 1, 2, 3, 4), cap=20),
)
# The sigma_w2 grid, as multiples of the predicted critical value: wide enough (+-30 %) that a
# crossing anywhere near the prediction is measured, not assumed.
GRID = (0.7, 0.85, 1.0, 1.15, 1.3)
# The measured crossing within 5 % of the predicted sigma_w2: at width 512 the finite-width
# correction to chi1 is O(1 / width) (about 0.2 %), and near chi1 = 1 the ratio's slope in
# ln sigma_w2 is about 0.2, so the crossing moves by about 1 %; one seed's crossing scatters by
# about 1 % (19 layers of 512 units).
CROSSING_RTOL = 0.05
CROSSING_WHY = (
    "5 %: the finite-width correction to chi1 at width 512 is O(1 / width), about 0.2 %; near "
    "chi1 = 1 the per-layer ratio moves by about 0.2 per unit of ln sigma_w2, so the crossing "
    "moves by about 1 %; one seed's crossing scatters by about 1 %"
)
SCHOENHOLZ = (
    "we show that the ordered and chaotic phases correspond to regions of vanishing and "
    "exploding gradient respectively"
)
HAYOU = "the EOC is a curve in the plane (σb, σw), while it is reduced to a single point for ReLU"
# At the edge of chaos the per-layer gradient std ratio within 2 % of 1 (one seed scatters by
# about 0.3 %), and ln(q_20 / q_1) within 0.5 of 0: the log of a product of 19 random ReLU layers
# drifts with variance about 5 x 19 / 512 = 0.19 (Hanin and Nica 2019), so one seed's ln ratio
# scatters by about 0.43; the mean over seeds decides.
KEPT_RTOL = 0.02
Q_KEPT_LOG = 0.5


def measured_crossing(activation: str, sigma_b2: float, centre: float, seed: int) -> float:
    points = [
        (centre * f, gradient_ratio(activation, centre * f, sigma_b2, seed=seed).gradient_std_ratio)
        for f in GRID
    ]
    found = crossing(points)
    return math.nan if found is None else found


@pytest.mark.claim("theory.tanh-critical-line")
@pytest.mark.parametrize("which", ["sigma_b2_low", "sigma_b2_high"])
def test_tanh_gradient_ratio_crosses_one_at_the_critical_line(
    evidence: Evidence, tier: str, seed_base: int, which: str
) -> None:
    sigma_b2 = TANH.value(which)
    predicted = theory.critical_sigma_w2("tanh", sigma_b2)
    seeds = list(PLANS[tier].seeded(seed_base))
    evidence.record(
        sigma_b2=sigma_b2,
        predicted_critical_sigma_w2=predicted,
        predicted_q_star=theory.q_star("tanh", predicted, sigma_b2),
        grid=[predicted * f for f in GRID],
        seeds=seeds,
    )
    evidence.check_seeds(
        f"sigma_w2 where the gradient std ratio crosses 1 (sigma_b2 = {sigma_b2:g})",
        lambda seed: measured_crossing("tanh", sigma_b2, predicted, seed),
        seeds=list(PLANS[tier].seeds),
        cap=PLANS[tier].most_seeds,
        comparison="in",
        bound=[predicted * (1 - CROSSING_RTOL), predicted * (1 + CROSSING_RTOL)],
        rule=mean_ci(),
        document=SCHOENHOLZ,
        reading=stated(
            "the ordered (vanishing) and chaotic (exploding) phases meet where chi1 = 1: "
            "initspec.theory.critical_sigma_w2"
        ).predicting(predicted, CROSSING_WHY),
    )


@pytest.mark.claim("theory.relu-edge-of-chaos")
def test_relu_keeps_the_gradient_and_q_only_at_sigma_w2_2_without_bias(
    evidence: Evidence, tier: str, seed_base: int
) -> None:
    sigma_w2, sigma_b2 = RELU.value("sigma_w2"), RELU.value("sigma_b2")
    seeds = list(PLANS[tier].seeds)
    reading = stated("initspec.theory: chi1 = sigma_w2 / 2 for ReLU, 1 at sigma_w2 = 2")

    def at_edge(seed: int) -> float:
        return gradient_ratio("relu", sigma_w2, sigma_b2, seed=seed).gradient_std_ratio

    def log_q_kept(seed: int) -> float:
        return math.log(
            gradient_ratio("relu", sigma_w2, sigma_b2, seed=seed, q_start=1.0).forward_q_ratio
        )

    def q_growth(seed: int, bias: float) -> float:
        return gradient_ratio("relu", sigma_w2, bias, seed=seed, q_start=1.0).forward_q_ratio

    biased = 0.1
    shifted = [seed_base + seed for seed in seeds]
    evidence.record(
        seeds=shifted,
        biased_sigma_b2=biased,
        predicted_q_ratio_with_bias=1 + 19 * biased,  # q_l = q_1 + (l - 1) sigma_b2
        q_ratio_with_bias=[q_growth(seed, biased) for seed in shifted],
        q_ratio_without_bias=[q_growth(seed, 0.0) for seed in shifted],
    )
    evidence.check_seeds(
        "per-layer gradient std ratio at sigma_w2 = 2, sigma_b2 = 0",
        at_edge,
        seeds=seeds,
        cap=PLANS[tier].most_seeds,
        comparison="in",
        bound=[1 - KEPT_RTOL, 1 + KEPT_RTOL],
        rule=mean_ci(),
        document=HAYOU,
        reading=reading.predicting(
            math.sqrt(theory.chi1("relu", sigma_w2, sigma_b2)),
            "2 %: one seed's ratio over 19 layers of 512 units scatters by about 0.3 %",
        ),
    )
    evidence.check_seeds(
        "ln(q at layer 20 / q at layer 1) at sigma_w2 = 2, sigma_b2 = 0",
        log_q_kept,
        seeds=seeds,
        cap=PLANS[tier].most_seeds,
        comparison="in",
        bound=[-Q_KEPT_LOG, Q_KEPT_LOG],
        rule=mean_ci(),
        document=HAYOU,
        reading=reading.predicting(
            0.0,
            "0.5: the log of a product of 19 random ReLU layers drifts with variance about "
            "5 x 19 / 512 = 0.19 (Hanin and Nica 2019): one seed scatters by about 0.43",
        ),
    )
    evidence.check_all(
        "a bias (sigma_b2 = 0.1) grows q beyond the unbiased network's, same weights",
        [q_growth(seed, biased) > q_growth(seed, 0.0) for seed in shifted],
        rule=every(),
        document=HAYOU,
        reading=reading,
    )
    centre = sigma_w2
    evidence.check_seeds(
        "sigma_w2 where the gradient std ratio crosses 1 (sigma_b2 = 0)",
        lambda seed: measured_crossing("relu", 0.0, centre, seed),
        seeds=seeds,
        cap=PLANS[tier].most_seeds,
        comparison="in",
        bound=[centre * (1 - CROSSING_RTOL), centre * (1 + CROSSING_RTOL)],
        rule=mean_ci(),
        document=HAYOU,
        reading=reading.predicting(theory.critical_sigma_w2("relu", 0.0), CROSSING_WHY),
    )
