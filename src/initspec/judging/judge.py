"""Judging a claim's criterion: measured values per seed, a bound, a comparison and a rule.

A criterion compares each measured value with a bound (``<``, ``<=``, ``>``, ``>=``, ``==``, or
``in`` a closed range ``[low, high]``) and a *rule* says how the seeds combine:

- :func:`every` — every seed must satisfy the comparison (a single value for an exact claim);
- :func:`at_least` ``(k)`` — at least ``k`` of the ``n`` seeds must;
- :func:`mean_ci` ``(level)`` — the mean of the seeds, with its two-sided Student t interval
  ``mean ± t(level, n-1) · s / sqrt(n)`` (``s`` the sample standard deviation): held when the
  whole interval lies on the claim's side of the bound, not met when the whole interval lies on
  the other side, *undecided* when it straddles the bound (more seeds may decide it).

``every`` and ``at_least`` always decide on the seeds given; only ``mean_ci`` can be undecided.

The **margin** says how far the deciding value lies from the bound, in units of the seeds'
sample standard deviation (or, where that is zero or there is a single value, relative to
``abs(bound)``; to the half-width of the range for ``in``). It is positive on the side the claim
needs and negative on the other. The deciding value is the worst seed under ``every``, the
``k``-th best under ``at_least(k)`` and the mean under ``mean_ci``, so a positive margin goes
with a criterion that held (``mean_ci`` aside, whose interval can still straddle the bound).
A margin of +3 reads "three seed standard deviations inside the bound"; a boolean criterion
has none.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from initspec.judging.outcome import READINGS, Criterion
from initspec.judging.student_t import two_sided_quantile

COMPARISONS = ("<", "<=", ">", ">=", "==", "in")
HELD, NOT_MET, UNDECIDED = "held", "not-met", "undecided"

Value = float | bool | None
Bound = float | bool | tuple[float, float] | list[float]


class ClaimNotMet(Exception):
    """A claim's criterion was measured and is not met: the claim is refuted (or conditional).

    Not an ``AssertionError``: a plain ``assert`` in a claim test is the test's own sanity check,
    and its failure must never pass for a verdict (nor may an ``except AssertionError`` in a
    helper swallow one).
    """

    def __init__(self, message: str, criterion: Criterion | None = None) -> None:
        super().__init__(message)
        self.criterion = criterion


class ClaimUndecided(Exception):
    """The seeds did not decide a criterion (its t interval straddles the bound): inconclusive."""

    def __init__(self, message: str, criterion: Criterion | None = None) -> None:
        super().__init__(message)
        self.criterion = criterion


@dataclass(frozen=True)
class Reading:
    """How a criterion's bound comes from its document's words (build one with
    :func:`printed`, :func:`stated`, :func:`interpreted` or :func:`assumed`).

    ``predicted``/``tolerance``: the mean-field theory's prediction of the measured quantity,
    where it makes one, and the finite-width tolerance it is compared with."""

    kind: str
    how: str | None = None
    predicted: float | None = None
    tolerance: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in READINGS:
            raise ValueError(f"reading {self.kind!r}: expected one of {', '.join(READINGS)}")
        if self.kind in ("interpreted", "assumed") and not self.how:
            raise ValueError(f"an {self.kind} reading needs `how`: what the number is and why")

    def predicting(self, predicted: float, tolerance: str) -> Reading:
        """The same reading with the theory's prediction beside it."""
        return Reading(self.kind, self.how, predicted, tolerance)


def printed(how: str | None = None) -> Reading:
    """A number the document prints (from one run of its own: compare through a band)."""
    return Reading("printed", how)


def stated(how: str | None = None) -> Reading:
    """A bound the document states in words or code."""
    return Reading("stated", how)


def interpreted(how: str) -> Reading:
    """Words the suite turns into a number: ``how`` says how and why."""
    return Reading("interpreted", how)


def assumed(how: str) -> Reading:
    """A setup choice the document does not make: ``how`` says why this value."""
    return Reading("assumed", how)


@dataclass(frozen=True)
class Rule:
    """How the seeds combine; build one with :func:`every`, :func:`at_least` or :func:`mean_ci`."""

    kind: str  # "every", "at_least" or "mean_ci"
    k: int = 0
    level: float = 0.95

    def describe(self, n: int) -> str:
        if self.kind == "every":
            return "every seed" if n > 1 else "the value"
        if self.kind == "at_least":
            return f"at least {self.k} of {n} seeds"
        return f"the mean of {n} seeds ({self.level * 100:g} % t interval)"


def every() -> Rule:
    """Every seed must satisfy the comparison; with one value, that value must."""
    return Rule("every")


def at_least(k: int) -> Rule:
    """At least ``k`` of the seeds must satisfy the comparison (``1 <= k <= n``)."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"at_least needs a positive integer k, not {k!r}")
    return Rule("at_least", k=k)


def mean_ci(level: float = 0.95) -> Rule:
    """The mean's two-sided ``level`` Student t interval must lie wholly on the claim's side.

    Needs at least two seeds with finite values; a seed without a finite number (NaN, None,
    an infinity) leaves the mean undefined and the criterion is not met (judge divergence with
    :func:`every` or :func:`at_least` instead). ``==`` cannot be shown by an interval: use ``in``.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"mean_ci needs a level strictly between 0 and 1, not {level}")
    return Rule("mean_ci", level=level)


def judge(
    name: str,
    measured: Value | Sequence[Value],
    *,
    bound: Bound,
    comparison: str,
    rule: Rule,
    document: str | None = None,
    unit: str | None = None,
    reading: Reading | None = None,
) -> Criterion:
    """Judge the values against the bound under the rule; see the module docstring.

    ``document`` is the document's words the bound reads (recorded as the criterion's
    ``quote``), ``reading`` how the bound comes from them (see :class:`Reading`)."""
    values = _values(name, measured, bound)
    target = _target(name, values, bound, comparison, rule)
    held = sum(_satisfies(v, comparison, target) for v in values)
    interval: list[float] | None = None
    if rule.kind == "every":
        outcome = HELD if held == len(values) else NOT_MET
    elif rule.kind == "at_least":
        outcome = HELD if held >= rule.k else NOT_MET
    else:
        outcome, interval = _mean_ci_outcome(values, comparison, target, rule.level)
    boolean = isinstance(bound, bool) or any(isinstance(v, bool) for v in values)
    return Criterion(
        name=name,
        rule=rule.describe(len(values)),
        comparison=comparison,
        bound=list(target) if isinstance(target, tuple) else _kept(bound, target),
        measured=[None if _missing(v) else v for v in values],
        held=held,
        run=len(values),
        outcome=outcome,
        margin=None if boolean else _margin(values, comparison, target, rule),
        document=document,
        interval=interval,
        unit=unit,
        quote=document,
        reading=None if reading is None else reading.kind,
        how=None if reading is None else reading.how,
        predicted=None if reading is None else reading.predicted,
        tolerance=None if reading is None else reading.tolerance,
    )


def describe(criterion: Criterion) -> str:
    """The one message for a criterion: expected, measured, held k of n."""
    unit = f" {criterion.unit}" if criterion.unit else ""
    bound = criterion.bound
    bound_text = f"[{_fmt(bound[0])}, {_fmt(bound[1])}]" if isinstance(bound, list) else _fmt(bound)
    measured = "[" + ", ".join(_fmt(v) for v in criterion.measured) + "]"
    if len(criterion.measured) == 1:
        measured = _fmt(criterion.measured[0])
    if criterion.interval is not None:
        low, high = criterion.interval
        mean = (low + high) / 2
        measured += f" (mean {_fmt(mean)}, t interval [{_fmt(low)}, {_fmt(high)}])"
    verdict = {HELD: "", NOT_MET: " not met:", UNDECIDED: " undecided:"}[criterion.outcome]
    return (
        f"{criterion.name}:{verdict} expected {criterion.rule} {criterion.comparison} "
        f"{bound_text}{unit}; measured {measured}{unit}; held {criterion.held} of {criterion.run}"
    )


# What a value is compared with: a number (a boolean bound as 1.0 or 0.0, which Python's ==
# equates with True and False) or the closed range (low, high) of ``in``.
Target = float | tuple[float, float]


def _as_bool(value: object) -> bool | None:
    """``value`` as a bool if it is one (Python's, numpy's, a 0-d boolean tensor), else None."""
    if isinstance(value, bool):
        return value
    if str(getattr(value, "dtype", "")) in ("bool", "torch.bool") and not getattr(value, "ndim", 0):
        return bool(value)
    return None


def _values(name: str, measured: Value | Sequence[Value], bound: Bound) -> list[Value]:
    """The measured values as floats (None for a seed without one), or as bools for a boolean
    criterion (a bound of True or False). Text is never a number ("0.5" is refused), and a
    boolean is never a number (True against a numeric bound is refused): an error naming the
    criterion and the value (a ValueError, as for every bad argument)."""
    where = f"criterion {name!r}"
    if isinstance(measured, (str, bytes)):
        raise ValueError(f"{where}: measured {measured!r} is text, not a number")
    raw = list(measured) if isinstance(measured, Sequence) else [measured]
    if not raw:
        raise ValueError("a criterion needs at least one measured value")
    boolean = isinstance(bound, bool)
    out: list[Value] = []
    for value in raw:
        if value is None:
            out.append(None)
            continue
        if isinstance(value, (str, bytes)):
            raise ValueError(f"{where}: measured value {value!r} is text, not a number")
        flag = _as_bool(value)
        if flag is not None and not boolean:
            raise ValueError(
                f"{where}: measured value {value!r} is a boolean; a boolean is judged only "
                "against a boolean bound (True or False, with '==')"
            )
        if flag is None and boolean:
            raise ValueError(f"{where}: a boolean bound needs booleans, got {value!r}")
        if flag is not None:
            out.append(flag)
            continue
        try:
            out.append(float(value))  # numpy scalars and 0-d tensors too
        except (TypeError, ValueError):
            raise ValueError(f"{where}: measured value {value!r} is not a number") from None
    if isinstance(bound, (str, bytes)) or (
        isinstance(bound, (list, tuple)) and any(isinstance(b, (str, bytes, bool)) for b in bound)
    ):
        raise ValueError(f"{where}: the bound {bound!r} is not a number or a pair of numbers")
    return out


def _target(name: str, values: list[Value], bound: Bound, comparison: str, rule: Rule) -> Target:
    """Check the criterion's arguments; the bound as a number or a (low, high) range."""
    where = f"criterion {name!r}"
    if comparison not in COMPARISONS:
        raise ValueError(f"{where}: comparison must be one of {COMPARISONS}, not {comparison!r}")
    if rule.kind == "at_least" and rule.k > len(values):
        raise ValueError(f"{where}: at_least({rule.k}) of only {len(values)} values")
    if isinstance(bound, bool) and comparison != "==":
        raise ValueError(f"{where}: a boolean bound takes the comparison '=='")
    if rule.kind == "mean_ci":
        if comparison == "==":
            raise ValueError(f"{where}: mean_ci cannot show '=='; give a range with 'in'")
        if len(values) < 2:
            raise ValueError(f"{where}: mean_ci needs at least 2 seeds, got {len(values)}")
        if isinstance(bound, bool) or any(isinstance(v, bool) for v in values):
            raise ValueError(f"{where}: mean_ci needs numbers, not booleans")
    if isinstance(bound, (tuple, list)):
        if comparison != "in" or len(bound) != 2 or not float(bound[0]) <= float(bound[1]):
            raise ValueError(f"{where}: a range bound [low, high] (low <= high) takes 'in'")
        return float(bound[0]), float(bound[1])
    if comparison == "in":
        raise ValueError(f"{where}: 'in' needs a bound [low, high]")
    if math.isnan(bound):
        raise ValueError(f"{where}: the bound is NaN")
    return float(bound)


def _kept(bound: Bound, target: float) -> float:
    """The bound as the report shows it: a boolean stays a boolean (true, not 1.0)."""
    return bound if isinstance(bound, bool) else target


def _missing(value: Value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _satisfies(value: Value, comparison: str, target: Target) -> bool:
    if value is None or _missing(value):
        return False
    if isinstance(target, tuple):
        return target[0] <= value <= target[1]
    return {
        "<": value < target,
        "<=": value <= target,
        ">": value > target,
        ">=": value >= target,
        "==": value == target,
    }[comparison]


def _distance(value: float, comparison: str, target: Target) -> float:
    """Signed distance from the bound, positive on the claim's side."""
    if isinstance(target, tuple):
        return min(value - target[0], target[1] - value)
    if comparison in (">", ">="):
        return value - target
    if comparison in ("<", "<="):
        return target - value
    return -abs(value - target)


def _finite(values: list[Value]) -> list[float]:
    return [v for v in values if isinstance(v, float) and math.isfinite(v)]


def _mean_ci_outcome(
    values: list[Value], comparison: str, target: Target, level: float
) -> tuple[str, list[float] | None]:
    numbers = _finite(values)
    if len(numbers) < len(values):
        return NOT_MET, None  # a seed without a finite number: the mean is undefined
    mean = statistics.fmean(numbers)
    half = two_sided_quantile(level, len(numbers) - 1) * statistics.stdev(numbers)
    half /= math.sqrt(len(numbers))
    low, high = mean - half, mean + half
    # Held when both ends of the interval satisfy the comparison; not met when the whole
    # interval lies on the wrong side (for a range: wholly below it or wholly above it).
    if _satisfies(low, comparison, target) and _satisfies(high, comparison, target):
        return HELD, [low, high]
    if isinstance(target, tuple):
        outside = high < target[0] or low > target[1]
    else:
        outside = not _satisfies(low, comparison, target) and not _satisfies(
            high, comparison, target
        )
    return (NOT_MET if outside else UNDECIDED), [low, high]


def _margin(values: list[Value], comparison: str, target: Target, rule: Rule) -> float | None:
    numbers = _finite(values)
    if rule.kind == "mean_ci":
        if len(numbers) < len(values):
            return None
        deciding = _distance(statistics.fmean(numbers), comparison, target)
    else:
        distances = sorted(
            -math.inf if v is None or _missing(v) else _distance(float(v), comparison, target)
            for v in values
        )
        needed = len(values) if rule.kind == "every" else rule.k
        deciding = distances[len(values) - needed]  # the needed-th best seed
    if not math.isfinite(deciding):
        return None
    spread = statistics.stdev(numbers) if len(numbers) >= 2 else 0.0
    if spread > 0 and math.isfinite(spread):
        return deciding / spread
    scale = (target[1] - target[0]) / 2 if isinstance(target, tuple) else abs(target)
    if scale > 0 and math.isfinite(scale):
        return deciding / scale
    return 0.0 if deciding == 0 else None


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
