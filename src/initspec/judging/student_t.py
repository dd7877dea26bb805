"""Student's t distribution for integer degrees of freedom: the two-sided quantile.

The mean of ``n`` seeds has the two-sided ``level`` confidence interval
``mean ± t · s / sqrt(n)``, where ``s`` is the seeds' sample standard deviation and ``t`` is
:func:`two_sided_quantile` ``(level, n - 1)``: the ``t`` with ``P(|T| <= t) = level`` for ``T``
Student-t distributed with ``n - 1`` degrees of freedom.

For an integer ``ν`` the probability ``A(t | ν) = P(|T| <= t)`` is a finite series in
``θ = arctan(t / sqrt(ν))`` (Abramowitz and Stegun, *Handbook of Mathematical Functions*,
26.7.3 and 26.7.4):

- ``ν`` odd:  ``A = 2/π · (θ + sin θ · (cos θ + (2/3) cos³θ + ... + (2·4···(ν-3))/(1·3···(ν-2))
  cos^(ν-2) θ))``, the bracket empty for ``ν = 1``;
- ``ν`` even: ``A = sin θ · (1 + (1/2) cos²θ + (1·3)/(2·4) cos⁴θ + ... + (1·3···(ν-3))/(2·4···(ν-2))
  cos^(ν-2) θ)``.

``A`` rises monotonically from 0 at ``θ = 0`` to 1 at ``θ = π/2``, so the quantile is found by
bisection on ``θ``, to float precision.
"""

from __future__ import annotations

import math


def two_sided_probability(t: float, df: int) -> float:
    """``P(|T| <= t)`` for ``T`` Student-t with ``df`` degrees of freedom (A&S 26.7.3-4)."""
    _check_df(df)
    return _probability_at_angle(math.atan(abs(t) / math.sqrt(df)), df)


def two_sided_quantile(level: float, df: int) -> float:
    """The ``t`` with ``P(|T| <= t) = level``: the half-width factor of a ``level`` t interval.

    ``two_sided_quantile(0.95, 4)`` is 2.776 (the familiar table value); as ``df`` grows it
    approaches the normal quantile 1.960.
    """
    _check_df(df)
    if not 0.0 < level < 1.0:
        raise ValueError(f"a confidence level must lie strictly between 0 and 1, not {level}")
    low, high = 0.0, math.pi / 2
    for _ in range(200):  # each step halves the bracket; 200 is far below float resolution
        middle = (low + high) / 2
        if middle in (low, high):
            break
        if _probability_at_angle(middle, df) < level:
            low = middle
        else:
            high = middle
    return math.sqrt(df) * math.tan((low + high) / 2)


def _probability_at_angle(theta: float, df: int) -> float:
    sin, cos2 = math.sin(theta), math.cos(theta) ** 2
    if df % 2 == 1:
        # θ + sin θ (cos θ + (2/3) cos³θ + ...): term k multiplies the last by (2k)/(2k+1) cos²θ.
        term, series = math.cos(theta), 0.0
        for k in range(1, (df - 1) // 2 + 1):
            series += term
            term *= cos2 * (2 * k) / (2 * k + 1)
        return 2 / math.pi * (theta + sin * series)
    # sin θ (1 + (1/2) cos²θ + (1·3)/(2·4) cos⁴θ + ...): term k multiplies by (2k-1)/(2k) cos²θ.
    term, series = 1.0, 0.0
    for k in range(1, df // 2 + 1):
        series += term
        term *= cos2 * (2 * k - 1) / (2 * k)
    return sin * series


def _check_df(df: int) -> None:
    if isinstance(df, bool) or not isinstance(df, int) or df < 1:
        raise ValueError(f"degrees of freedom must be a positive integer, not {df!r}")
