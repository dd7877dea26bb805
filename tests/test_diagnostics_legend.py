"""The gradient histograms' legend prints the mean in the std's power of ten, so a mean that is
zero but for rounding (a layer under BatchNorm) prints the same on every CPU."""

from __future__ import annotations

import math

import pytest

from initspec.plotting.diagnostics import mean_and_std


@pytest.mark.parametrize(
    ("mean", "std", "expected"),
    [
        (-9.1e-13, 1.07e-3, "mean +0.00e-3, std 1.07e-3"),
        (-5.9e-12, 1.07e-3, "mean +0.00e-3, std 1.07e-3"),  # another CPU's rounding noise
        (1.8e-5, 5.47e-4, "mean +0.18e-4, std 5.47e-4"),
        (-0.3, 2.0, "mean -0.30e+0, std 2.00e+0"),
        (1e-3, 9.996e-4, "mean +1.00e-3, std 1.00e-3"),
    ],
)
def test_mean_in_the_std_power_of_ten(mean: float, std: float, expected: str) -> None:
    assert mean_and_std(mean, std) == expected


def test_no_spread_or_not_finite_prints_both_as_they_are() -> None:
    assert mean_and_std(0.0, 0.0) == "mean +0.00e+00, std 0.00e+00"
    assert mean_and_std(math.nan, 1.0) == "mean +nan, std 1.00e+00"
