"""The measurements of initspec.metrics against their definitions, written out the slow way."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from initspec.metrics import (
    final_loss,
    first_mean_below,
    first_nan_step,
    fit_slope,
    loss_slope,
    moving_average,
    rise_above_running_min,
    tail_mean,
    window_mean,
)

losses = st.lists(st.floats(0.0, 50.0), min_size=1, max_size=120)


def diverged(values: list[float], at: int) -> list[float | None]:
    """``values`` with a NaN at step ``at``: that step and every later one are None."""
    return [*values[:at], *([None] * (len(values) - at))]


@given(values=losses, window=st.integers(1, 30), cut=st.integers(0, 120))
def test_moving_average_is_the_mean_of_each_trailing_window(
    values: list[float], window: int, cut: int
) -> None:
    run = diverged(values, min(cut, len(values)))
    for step, value in enumerate(moving_average(run, window)):
        chunk = run[max(0, step - window + 1) : step + 1]
        if any(v is None for v in chunk):
            assert value is None
        else:
            expected = math.fsum(chunk) / len(chunk)  # type: ignore[arg-type]
            assert value == pytest.approx(expected, rel=1e-12, abs=1e-12)


@given(values=losses, level=st.floats(0.0, 50.0), window=st.integers(1, 20))
def test_first_mean_below_reads_full_windows_only(
    values: list[float], level: float, window: int
) -> None:
    def mean_at(step: int) -> float:
        return math.fsum(values[step - window + 1 : step + 1]) / window

    steps = range(window - 1, len(values))
    naive = next((step for step in steps if mean_at(step) <= level), None)
    found = first_mean_below(values, level, window)
    if found != naive:  # only a window whose mean is the level, to rounding, may read otherwise
        for step in {found, naive} - {None}:
            assert step is not None and abs(mean_at(step) - level) < 1e-9


def test_final_loss_is_the_tail_mean_of_a_finished_run_and_none_after_a_nan() -> None:
    run = [3.0, 2.0, 1.0, 0.5]
    assert final_loss(run) == 0.5
    assert final_loss(run, 2) == 0.75
    assert final_loss(run, 10) == pytest.approx(6.5 / 4)
    nan_run = diverged(run, 2)
    assert first_nan_step(nan_run) == 2 and first_nan_step(run) is None
    assert final_loss(nan_run) is None
    assert final_loss(nan_run, 2, diverged=math.inf) == math.inf
    assert tail_mean(nan_run, 3) == 2.0  # the finite losses among the last three steps
    assert window_mean(nan_run, 2, 4) is None


def test_slopes_are_least_squares_fits() -> None:
    assert fit_slope([0, 1, 2], [1.0, 3.0, 5.0]) == pytest.approx(2.0)
    noisy = [1.0 - 0.01 * step + (0.1 if step % 2 else -0.1) for step in range(100)]
    assert loss_slope(noisy, last=100) == pytest.approx(-0.01, rel=0.05)
    assert loss_slope([1.0, None], last=10) is None, "one finite point has no slope"


def test_rise_above_running_min() -> None:
    assert rise_above_running_min([5.0, 4.0, 3.0]) == 0.0
    assert rise_above_running_min([5.0, 1.0, 3.0, 0.5, 2.0]) == 2.0
