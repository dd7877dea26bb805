"""Lab 01's test criteria, shared by its test files and defined here once.

The measurements themselves come from :mod:`initspec.metrics`; this module fixes the windows
and levels the lab 01 tests read them at.
"""

from __future__ import annotations

import math

from initspec.metrics import Losses, final_loss, window_mean

# Windows for "the loss went down" and for a run's final level: the first and the last 100 steps.
EDGE = 100
# "trains as expected ... smooth descent": a low loss is under 0.05 nats, below 1/10 of chance.
LOW_LOSS = 0.05


def first_mean(losses: Losses) -> float:
    """Mean of the first EDGE losses (those before a NaN); +inf if there are none."""
    value = window_mean(losses, 0, EDGE)
    return math.inf if value is None else value


def last_mean(losses: Losses) -> float:
    """The final loss over the last EDGE steps; +inf if the run hit NaN (it never finished)."""
    return final_loss(losses, EDGE, diverged=math.inf)
