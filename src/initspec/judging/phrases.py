"""The course material's shared phrases, each defined once.

Several claims use the same words: a run "trains", its loss is "flat at chance" or "plateaus", a
gradient "vanishes" or stays "alive", a first loss is "close to log V", several runs' final losses
lie "close together", a loss "decreases smoothly" (no slow climb back, no spike), a block's output
"dominates" the identity. ``tests/test_phrases.py`` tests each on synthetic curves against what its
words include and what they exclude. Each phrase is one rule here, and every test that reads the
phrase uses it, so the same measurement never gets two readings. Where a document puts a number on
a phrase, the rule takes that number from the registry (``initspec.claims.registry``); where no
document does, the rule states its own choice below. A figure a document prints from one run
("2.17") is matched by our seeds when it lies where one more run of ours could land
(:func:`one_run_band`).

Losses are in nats. ``chance`` is the loss of a uniform guess over the classes, ln C
(ln 2 for the toy task, log V for a character model).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence

from initspec import metrics
from initspec.claims.numbers import LAB03_VANISHED
from initspec.claims.registry import CLAIMS
from initspec.judging.student_t import two_sided_quantile

# "drops below 1e-7" (lab 03): the one document that puts a number on a vanished gradient.
VANISHED_GRADIENT = LAB03_VANISHED

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
# - "smooth" also excludes a spike: one step's loss at SPIKE_FOLD times (or more) the lowest of
#   the SPIKE_WINDOW steps before it, and above it by more than SPIKE_FLOOR of chance. "Several-
#   fold" read as at least two-fold: a loss that doubles within a few steps is not a smooth
#   descent, whatever the curve does afterwards. The floor keeps per-batch noise at a low loss
#   out: a batch at 0.18 nats between batches at 0.0001 is a thousand-fold, yet on a plot whose
#   curve starts at chance it is a flicker at the bottom; a spike is visible on that plot, at
#   least half as tall as the curve's start.
SPIKE_FOLD = 2.0
SPIKE_WINDOW = 5
SPIKE_FLOOR = 0.5
# - one quantity "dominates" another when it is larger: their ratio above 1.
DOMINATES = 1.0


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


def window_rise(losses: metrics.Losses) -> float:
    """How far a window mean climbs back above the lowest window mean before it (nats):
    max over i of m_i - min(m_0..m_i), m the :func:`window_means`; inf after a NaN step or for
    a run shorter than one window (nothing to read). The slow half of "smooth"."""
    means = window_means(losses)
    if not means or not all(math.isfinite(m) for m in means):
        return math.inf
    return metrics.rise_above_running_min(means)


def spike_fold(losses: metrics.Losses, chance: float) -> float:
    """The largest jump of one step's loss over the level just before it, as a multiple:
    max over steps i >= 1 of L_i / r_i, where r_i = min(L_{i-5}, ..., L_{i-1}) is the lowest of
    the up to SPIKE_WINDOW losses before step i. Only a jump that also exceeds the per-batch
    noise floor counts (L_i - r_i > SPIKE_FLOOR · chance, half of chance): a converged loss of
    0.0001 that reads 0.18 on one batch is noise, not a spike. 1.0 where no step jumps (a flat
    or falling curve); inf after a NaN step. The fast half of "smooth": it reads every step from
    the second on, so a jump in the first steps counts as much as one at the end."""
    if any(loss is None for loss in losses):
        return math.inf
    values = [float(loss) for loss in losses if loss is not None]
    worst = 1.0
    for step in range(1, len(values)):
        level = min(values[max(0, step - SPIKE_WINDOW) : step])
        excess = values[step] - level
        if excess > SPIKE_FLOOR * chance:
            worst = max(worst, math.inf if level <= 0 else values[step] / level)
    return worst


def smooth(losses: metrics.Losses, chance: float) -> bool:
    """ "Decreases smoothly": both halves hold. Slow: no SMOOTHING_WINDOW-step window mean rises
    above the lowest before it by more than 3 % of chance (:func:`window_rise`). Fast: no single
    step jumps to SPIKE_FOLD times (or more) the lowest of the SPIKE_WINDOW steps before it, by
    more than half of chance (:func:`spike_fold`), first steps included. A NaN step fails both.

    Wide windows alone cannot see a loss that jumps several-fold for a few steps (a jump at
    step 3 moves the first 50-step mean by a few percent and there is no earlier window for it
    to rise above); single steps alone would call per-batch noise rough. Hence the two halves."""
    return (
        window_rise(losses) <= smooth_tolerance(chance) and spike_fold(losses, chance) < SPIKE_FOLD
    )


def dominates(part: float, reference: float) -> bool:
    """ "Dominates": ``part`` is larger than ``reference`` (their ratio above DOMINATES, 1);
    e.g. a residual block's output norm against the identity path's, abs(x_L - x_0) / abs(x_0)."""
    return math.isfinite(part) and reference > 0 and part / reference > DOMINATES


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
    if not math.isfinite(loss):
        return False
    gap = gap_to_log_v(loss, vocab_size)
    # The post's own 3.91 is the edge: rounding must not put it outside.
    return gap <= CLOSE_TO_LOG_V or math.isclose(gap, CLOSE_TO_LOG_V, rel_tol=1e-12)


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
