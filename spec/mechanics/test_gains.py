"""Gains by nonlinearity: ReLU sqrt(2), tanh 5/3, linear 1, in PyTorch and in initspec alike."""

from __future__ import annotations

import math

import pytest
import torch

from initspec.gains import gain, second_moment_gain
from initspec.pytest_plugin import Evidence

DOCUMENTED_GAINS = {"relu": math.sqrt(2), "tanh": 5 / 3, "linear": 1.0}


@pytest.mark.claim("lecture.gains")
@pytest.mark.parametrize(
    ("nonlinearity", "documented"), DOCUMENTED_GAINS.items(), ids=list(DOCUMENTED_GAINS)
)
def test_documented_gain_is_torchs_and_initspecs(
    evidence: Evidence, nonlinearity: str, documented: float
) -> None:
    torch_gain = float(torch.nn.init.calculate_gain(nonlinearity))  # type: ignore[arg-type]
    ours = gain(nonlinearity)
    evidence.record(documented=documented, torch_calculate_gain=torch_gain, initspec_gain=ours)
    assert math.isclose(torch_gain, documented, rel_tol=1e-12), (
        f"{nonlinearity}: the lecture says {documented}, torch's calculate_gain gives {torch_gain}"
    )
    assert ours == torch_gain, f"{nonlinearity}: initspec's gain {ours} != torch's {torch_gain}"


@pytest.mark.claim("lecture.gains")
@pytest.mark.parametrize("nonlinearity", ["sigmoid", "leaky_relu", "selu"])
def test_initspec_gains_agree_with_torch_beyond_the_documented_three(nonlinearity: str) -> None:
    torch_gain = float(torch.nn.init.calculate_gain(nonlinearity))  # type: ignore[arg-type]
    assert gain(nonlinearity) == torch_gain, (
        f"{nonlinearity}: initspec's gain {gain(nonlinearity)} != torch's {torch_gain}"
    )


@pytest.mark.claim("lecture.gains")
def test_relu_gain_is_the_one_that_keeps_the_second_moment(evidence: Evidence) -> None:
    # ReLU zeroes half of a symmetric input, so E[relu(z)^2] = 1/2 and the gain is sqrt(2).
    # tanh's 5/3 is not derived this way: the second-moment gain of tanh is recorded beside it.
    relu = second_moment_gain("relu")
    evidence.record(
        relu_second_moment_gain=relu, tanh_second_moment_gain=second_moment_gain("tanh")
    )
    assert math.isclose(relu, math.sqrt(2), rel_tol=2e-3), (
        f"expected 1/sqrt(E[relu(z)^2]) = sqrt(2), measured {relu:.5f}"
    )
