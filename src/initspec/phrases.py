"""The course material's shared phrases, each defined once.

Several claims use the same words: a run "trains", its loss is "flat at chance" or "plateaus", a
gradient "vanishes" or stays "alive", a first loss is "close to log V", several runs' final
losses lie "close together". Each phrase is one rule here, and every test that reads the phrase
uses it, so the same measurement never gets two readings. Where a document puts a number on a
phrase, the rule takes that number from the registry (``initspec.claims``); where no document
does, the rule states its own choice below. A figure a document prints from one run ("2.17")
is matched by our seeds when it lies where one more run of ours could land (:func:`one_run_band`).

Losses are in nats. ``chance`` is the loss of a uniform guess over the classes, ln C
(ln 2 for the toy task, log V for a character model).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence

from initspec import metrics
from initspec.claims import CLAIMS
from initspec.student_t import two_sided_quantile

# "drops below 1e-7" (lab 03): the one document that puts a number on a vanished gradient.
VANISHED_GRADIENT = CLAIMS["lab03.plain-grad-vanishes"].value("vanished")

# "close to log V ('3.91')" (the post, V = 29): the post's own fixed first loss is 16 % above
# log V, and it calls that close. A loss within that same fraction of log V is close.
_POST = CLAIMS["blog.output-scale-fix"]
CLOSE_TO_LOG_V = _POST.value("first_loss") / math.log(_POST.value("vocab_size")) - 1.0

# No document puts numbers on these; the choices, as fractions of chance:
# - a run that "trains" ends at or below 80 % of chance (it removed a fifth of the chance loss);
TRAINS_BELOW = 0.8
# - "a low loss" is at most a tenth of chance;
LOW_LOSS = 0.1
# - "flat", "plateaus" and "smooth" allow 3 % of chance of movement (per-batch noise aside).
FLAT = 0.03
# - final losses "close together" differ by at most a tenth of chance (max - min): the scale of
#   "a low loss" (within a tenth of chance of zero), applied between the runs' losses. It is not
#   FLAT: that tolerance says one curve did not move; runs from different inits that all end
#   at a low loss are close together without being the same.
CLOSE_TOGETHER = LOW_LOSS
# Windows: "final" losses and "plateau" levels are means over this many logged steps.
SMOOTHING_WINDOW = 50


def chance_loss(num_classes: int) -> float:
    """The loss of a uniform guess over ``num_classes`` classes: -log(1/C) = ln C."""
    return math.log(num_classes)


def final_mean(losses: metrics.Losses) -> float | None:
    """A run's "final" loss as the phrases read it: the mean of its last SMOOTHING_WINDOW
    losses; None after a NaN (the run never finished: :func:`initspec.metrics.final_loss`)."""
    return metrics.final_loss(losses, SMOOTHING_WINDOW)


def window_means(losses: metrics.Losses) -> list[float]:
    """Consecutive, non-overlapping SMOOTHING_WINDOW-step means of a run's losses (what
    :func:`smooth` reads); NaN for a window that holds a NaN step."""
    means = []
    for start in range(0, len(losses) - SMOOTHING_WINDOW + 1, SMOOTHING_WINDOW):
        window = losses[start : start + SMOOTHING_WINDOW]
        means.append(math.nan if None in window else metrics.mean(metrics.finite(window)))
    return means


def trains_level(chance: float) -> float:
    """The highest final loss of a run that "trains": 80 % of chance."""
    return TRAINS_BELOW * chance


def low_loss_level(chance: float) -> float:
    """The highest loss that is "a low loss": a tenth of chance."""
    return LOW_LOSS * chance


def flat_band(chance: float) -> tuple[float, float]:
    """The final losses that are "flat at chance": chance, give or take 3 % of it."""
    return chance - FLAT * chance, chance + FLAT * chance


def smooth_tolerance(chance: float) -> float:
    """How far a "smooth" curve's window mean may rise above the lowest before it: 3 % of chance."""
    return FLAT * chance


def trains(final_loss: float | None, chance: float) -> bool:
    """ "Trains": no NaN (``final_loss`` is not None) and a final loss <= 80 % of chance."""
    return (
        final_loss is not None and math.isfinite(final_loss) and final_loss <= trains_level(chance)
    )


def low_loss(final_loss: float | None, chance: float) -> bool:
    """ "A low loss": finite and at most a tenth of chance."""
    return (
        final_loss is not None
        and math.isfinite(final_loss)
        and final_loss <= low_loss_level(chance)
    )


def flat_at_chance(final_loss: float | None, chance: float) -> bool:
    """ "Flat at chance": a final loss within 3 % of chance (finite)."""
    if final_loss is None or not math.isfinite(final_loss):
        return False
    low, high = flat_band(chance)
    return low <= final_loss <= high


def spread(final_losses: Iterable[float | None]) -> float | None:
    """max - min of several runs' final losses; None if one is missing (NaN) or not finite:
    a run that diverged has no loss to be close to the others'."""
    values = list(final_losses)
    if not values or exploded(values):
        return None
    finite_values = [value for value in values if value is not None]
    return max(finite_values) - min(finite_values)


def close_together(final_losses: Iterable[float | None], chance: float) -> bool:
    """ "Close together": every run has a finite final loss and their spread (max - min) is at
    most a tenth of chance."""
    gap = spread(final_losses)
    return gap is not None and gap <= CLOSE_TOGETHER * chance


def plateau_tolerance(chance: float) -> float:
    """How far a loss that "plateaus" may still fall between two window means: 3 % of chance."""
    return FLAT * chance


def plateaued(level_before: float, level_after: float, chance: float) -> bool:
    """ "Plateaus": between two window means the loss fell by at most 3 % of chance."""
    return level_before - level_after <= plateau_tolerance(chance)


def smooth(window_means: Sequence[float], chance: float) -> bool:
    """ "Decreases smoothly": no window mean rises above the lowest before it by more than 3 %
    of chance (``window_means``: consecutive, non-overlapping window means of the loss)."""
    lowest = math.inf
    for value in window_means:
        if not math.isfinite(value) or value - lowest > smooth_tolerance(chance):
            return False
        lowest = min(lowest, value)
    return True


def vanished(gradient_norm: float) -> bool:
    """ "Vanishes": a gradient norm below 1e-7 (lab 03's number)."""
    return math.isfinite(gradient_norm) and gradient_norm < VANISHED_GRADIENT


def exploded(values: Iterable[float | None]) -> bool:
    """ "Explodes": some value (a loss or a gradient norm) is missing (NaN) or not finite."""
    return any(value is None or not math.isfinite(value) for value in values)


def alive(gradient_norms: Iterable[float | None]) -> bool:
    """A gradient "kept alive": every norm finite and at or above the vanished level."""
    norms = list(gradient_norms)
    return (
        bool(norms) and not exploded(norms) and not any(vanished(n) for n in norms if n is not None)
    )


def gap_to_log_v(loss: float, vocab_size: int) -> float:
    """How far a loss lies from log V, as a fraction of log V: abs(loss - log V) / log V (what
    "close to log V" bounds by ``CLOSE_TO_LOG_V``)."""
    log_v = math.log(vocab_size)
    return abs(loss - log_v) / log_v


def close_to_log_v(loss: float, vocab_size: int) -> bool:
    """ "Close to log V": within 16 % of log V, the post's own "3.91" against log 29."""
    return math.isfinite(loss) and gap_to_log_v(loss, vocab_size) <= CLOSE_TO_LOG_V


def one_run_band(document_value: float, values: Sequence[float]) -> tuple[float, float]:
    """The band around a document's one-run figure ("2.17", "3.29") that our seeds' mean must
    lie in, judged by its t interval (rule ``mean_ci``), for the figure to count as matched.

    A document prints one run; our ``values`` are n runs of the same recipe (n >= 2), with
    sample standard deviation s. The band is ``document_value ± tol`` with

        tol = t · s · (sqrt(1 + 1/n) + 1/sqrt(n)),   t = t(0.95 two-sided, n - 1 df):

    the half-width of the 95 % prediction interval for one further run (how far one run, such
    as the document's, may land from the mean of n) plus the half-width of the mean's own t
    interval. Judged with ``mean_ci`` against this band, the figure is matched when it lies
    within our prediction interval (|mean - figure| <= t · s · sqrt(1 + 1/n)), not matched when
    the mean's whole t interval lies further than that from it, and undecided between.
    """
    n = len(values)
    if n < 2:
        raise ValueError(f"a one-run band needs at least 2 seeds, got {n}")
    s = statistics.stdev(values)
    t = two_sided_quantile(0.95, n - 1)
    tol = t * s * (math.sqrt(1 + 1 / n) + 1 / math.sqrt(n))
    return document_value - tol, document_value + tol
