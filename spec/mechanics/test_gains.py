"""Gains by nonlinearity: the lecture's "gain=√2 for ReLU" in PyTorch and in initspec alike.

The lecture names one gain, ReLU's; the other nonlinearities' gains (tanh 5/3, linear 1, ...)
are checked as initspec's agreement with torch.nn.init.calculate_gain, not as the lecture's."""

from __future__ import annotations

import pytest
import torch

from initspec.claims.registry import CLAIMS
from initspec.models.gains import gain, second_moment_gain
from initspec.plugin.evidence import stated
from initspec.plugin.hooks import Evidence

GAINS = CLAIMS["lecture.gains"]
DOCUMENTED = ("relu",)
DOCUMENT = (
    "PyTorch initializers accept a gain parameter tied to the nonlinearity (e.g., gain=√2 for ReLU)"
)
# second_moment_gain is a Monte Carlo estimate from 2M normal draws; its standard error is
# under 0.1 % of the gain, so 0.5 % is "equal up to sampling" (test-only bound).
MONTE_CARLO = 5e-3
SECOND_MOMENT_SEEDS = range(5)


@pytest.mark.claim("lecture.gains")
@pytest.mark.parametrize("nonlinearity", DOCUMENTED)
def test_documented_gain_is_torchs_and_initspecs(evidence: Evidence, nonlinearity: str) -> None:
    documented = GAINS.value(nonlinearity)
    torch_gain = float(torch.nn.init.calculate_gain(nonlinearity))  # type: ignore[arg-type]
    ours = gain(nonlinearity)
    evidence.record(documented=documented, torch_calculate_gain=torch_gain, initspec_gain=ours)
    evidence.check(
        f"torch.nn.init.calculate_gain({nonlinearity!r}) against the documented gain",
        torch_gain,
        comparison="==",
        bound=documented,
        document=DOCUMENT,
        reading=stated(),
    )
    evidence.check(
        f"initspec's gain({nonlinearity!r}) against torch's",
        ours,
        comparison="==",
        bound=torch_gain,
        document=DOCUMENT,
        reading=stated("PyTorch's gain tied to the nonlinearity: initspec takes the same"),
    )


@pytest.mark.claim("lecture.gains")
@pytest.mark.parametrize("nonlinearity", ["tanh", "linear", "sigmoid", "leaky_relu", "selu"])
def test_initspec_gains_agree_with_torch_beyond_the_documented_three(
    evidence: Evidence, nonlinearity: str
) -> None:
    torch_gain = float(torch.nn.init.calculate_gain(nonlinearity))  # type: ignore[arg-type]
    evidence.check(
        f"initspec's gain({nonlinearity!r}) against torch's",
        gain(nonlinearity),
        comparison="==",
        bound=torch_gain,
        document="Different nonlinearities require different multiplicative gains",
        reading=stated("PyTorch's gain tied to the nonlinearity: initspec takes the same"),
    )


@pytest.mark.claim("lecture.gains")
def test_relu_gain_is_the_one_that_keeps_the_second_moment(
    evidence: Evidence, seed_base: int
) -> None:
    # ReLU zeroes half of a symmetric input, so E[relu(z)^2] = 1/2 and the gain is sqrt(2).
    # tanh's 5/3 is not derived this way: the second-moment gain of tanh is recorded beside it.
    relu = GAINS.value("relu")
    seeds = [seed_base + seed for seed in SECOND_MOMENT_SEEDS]
    estimates = [second_moment_gain("relu", seed=seed) for seed in seeds]
    evidence.record(
        seeds=seeds,
        tanh_second_moment_gain=second_moment_gain("tanh", seed=seeds[0]),
        torch_tanh_gain=float(torch.nn.init.calculate_gain("tanh")),
    )
    # Each estimate is a draw of an exact quantity: every seed must agree.
    evidence.check(
        "1 / sqrt(E[relu(z)^2]) for z ~ N(0, 1) (Monte Carlo, 2M draws)",
        estimates,
        comparison="in",
        bound=[relu * (1 - MONTE_CARLO), relu * (1 + MONTE_CARLO)],
        document="For ReLU-like nonlinearities that zero roughly half the distribution, the "
        "recommended Gaussian standard deviation is sqrt(2/fan_in)",
        reading=stated("sqrt(2/fan_in) = sqrt(2) * 1/sqrt(fan_in): the gain that keeps E[x^2]"),
    )
