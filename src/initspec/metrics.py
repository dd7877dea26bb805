"""What the specification and the labs read off a training run: each measurement defined once.

A run's losses are one value per step, ``None`` where the loss was not finite: training stops
at the first NaN or infinity (:func:`initspec.training.loop.train`), so every step from there on is
``None``. Means are exact sums (``math.fsum``) over the count of values.

* :func:`final_loss`: the final loss, mean of the last ``last`` losses of a run that did not
  diverge (``last=1``: the loss at the last step). A diverged run has no final loss.
* :func:`window_mean`, :func:`tail_mean`: the mean of the finite losses in a stretch of steps.
* :func:`first_nan_step`, :func:`first_below`, :func:`first_mean_below`, :func:`flatline_step`:
  the step at which something first happens.
* :func:`moving_average`: trailing means over a window (cumulative sums, one pass).
* :func:`fit_slope`, :func:`loss_slope`: the least-squares slope of a line through points.
* :func:`rise_above_running_min`: how far a curve climbs back above the lowest value before it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import overload

import numpy as np

Losses = Sequence[float | None]


def finite(values: Losses) -> list[float]:
    """The values that are not ``None``, in order."""
    return [value for value in values if value is not None]


def mean(values: Sequence[float]) -> float:
    """The arithmetic mean, summed exactly (``math.fsum``); ValueError for no values."""
    if not values:
        raise ValueError("the mean of no values is undefined")
    return math.fsum(values) / len(values)


def window_mean(losses: Losses, start: int, stop: int) -> float | None:
    """Mean of the finite losses of steps ``start`` to ``stop - 1`` (slice semantics, so
    negative indices count from the end); None if there are none."""
    values = finite(losses[start:stop])
    return mean(values) if values else None


def tail_mean(losses: Losses, last: int) -> float | None:
    """Mean of the finite losses among the last ``last`` steps; None if there are none."""
    return window_mean(losses, max(len(losses) - last, 0), len(losses))


@overload
def final_loss(losses: Losses, last: int = 1) -> float | None: ...
@overload
def final_loss(losses: Losses, last: int = 1, *, diverged: float) -> float: ...
def final_loss(losses: Losses, last: int = 1, *, diverged: float | None = None) -> float | None:
    """The final loss: mean of the last ``last`` losses (``last=1``: the last step's loss).

    A run that hit NaN never finished, so it has no final loss: the result is ``diverged``
    (None unless given; comparisons that rank runs pass ``math.inf``, or chance).
    """
    if last < 1:
        raise ValueError(f"last must be a positive number of steps, got {last}")
    if not losses or first_nan_step(losses) is not None:
        return diverged
    return mean(finite(losses[-last:]))


def first_nan_step(losses: Losses) -> int | None:
    """The first step whose loss was not finite (``None``); None if every step was."""
    return next((step for step, loss in enumerate(losses) if loss is None), None)


def first_below(values: Sequence[float], level: float) -> int | None:
    """The first index whose value is strictly below ``level``; None if none is."""
    return next((index for index, value in enumerate(values) if value < level), None)


def moving_average(values: Losses, window: int) -> list[float | None]:
    """Trailing means: entry i is the mean of ``values[i - window + 1 : i + 1]`` (fewer values
    for i < window - 1), None where a ``None`` lies inside its window.

    Sums come from one cumulative sum, S[i + 1] - S[i + 1 - window], not a sum per window.
    """
    if window < 1:
        raise ValueError(f"window must be a positive number of steps, got {window}")
    if not values:
        return []
    missing = np.array([value is None for value in values])
    x = np.array([0.0 if value is None else value for value in values], dtype=np.float64)
    sums = np.concatenate(([0.0], np.cumsum(x)))
    gaps = np.concatenate(([0], np.cumsum(missing)))
    stop = np.arange(1, len(x) + 1)
    start = np.maximum(stop - window, 0)
    means = (sums[stop] - sums[start]) / (stop - start)
    holed = (gaps[stop] - gaps[start]) > 0
    return [None if hole else float(value) for value, hole in zip(means, holed, strict=True)]


def first_mean_below(losses: Losses, level: float, window: int) -> int | None:
    """The first step at which the trailing ``window``-step mean is <= ``level`` (the first
    ``window - 1`` steps, which have no full window, are not read); None if it never is."""
    averages = moving_average(losses, window)
    for step in range(window - 1, len(averages)):
        value = averages[step]
        if value is not None and value <= level:
            return step
    return None


def fit_slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """The least-squares slope b of y = a + b x (``numpy.polyfit`` of degree 1)."""
    if len(xs) != len(ys) or len(xs) < 2:
        raise ValueError(f"a slope needs two or more (x, y) pairs, got {len(xs)} and {len(ys)}")
    slope, _ = np.polyfit(np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64), 1)
    return float(slope)


def loss_slope(losses: Losses, last: int = 200) -> float | None:
    """Least-squares slope (loss per step) through the last ``last`` finite (step, loss) points;
    None if fewer than two."""
    tail = [(step, loss) for step, loss in enumerate(losses) if loss is not None][-last:]
    if len(tail) < 2:
        return None
    return fit_slope([step for step, _ in tail], [loss for _, loss in tail])


def rise_above_running_min(values: Sequence[float]) -> float:
    """max over i of values[i] - min(values[:i + 1]): 0 for a curve that never goes back up."""
    if not values:
        raise ValueError("a rise needs at least one value")
    x = np.asarray(values, dtype=np.float64)
    return float(np.max(x - np.minimum.accumulate(x)))


def flatline_step(
    losses: Losses,
    level: float,
    tol: float = 1e-3,
    level_tol: float = 0.05,
    min_length: int = 100,
) -> int | None:
    """Start of the final stretch where the loss stays flat (range within ``tol``) at ``level``.

    ``level`` is the loss that "flat" refers to (chance, log(num_classes)): a loss that has
    converged near zero is not a flatline. Returns None unless the flat stretch lasts at least
    ``min_length`` steps and ends within ``level_tol`` of ``level``. A NaN run is not a flatline.
    """
    if not losses or first_nan_step(losses) is not None or len(losses) < min_length:
        return None
    values = finite(losses)
    if abs(values[-1] - level) > level_tol:
        return None
    low = high = values[-1]
    start = len(values) - 1
    for step in range(len(values) - 1, -1, -1):
        low, high = min(low, values[step]), max(high, values[step])
        if high - low > tol:
            break
        start = step
    return start if len(values) - start >= min_length else None
