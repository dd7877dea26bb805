"""A claim re-judged at other values of a setup choice its documents leave open, in words.

Each row of an entry's ``sensitivity`` (from :class:`initspec.judging.outcome.SensitivityRow`,
merged into claims.json with the test that recorded it) is ``{parameter, value, verdict, criteria,
test}``: the claim's criteria judged again with ``parameter`` set to ``value``, and the verdict they
give there (``holds``, ``fails`` or ``undecided``). :func:`sensitivity_summary` says, per parameter,
at which values the claim holds and at which it fails: ``re-judged by learning rate: holds at 0.01,
0.03; fails at 0.1``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# The verdicts of a re-judged claim, in the order the report lists them.
SENSITIVITY_VERDICTS = ("holds", "fails", "undecided")


def by_parameter(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """The rows grouped by parameter, in the order the parameters first appear."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(str(row.get("parameter", "")), []).append(row)
    return groups


def parameter_summary(parameter: str, rows: Sequence[Mapping[str, Any]]) -> str:
    """``re-judged by lr: holds at 0.01, 0.03; fails at 0.1`` (values in the rows' order, each
    once)."""
    parts = []
    verdicts = [str(row.get("verdict", "")) for row in rows]
    order = [v for v in SENSITIVITY_VERDICTS if v in verdicts]
    order += [v for v in dict.fromkeys(verdicts) if v not in order]
    for verdict in order:
        values = dict.fromkeys(str(r.get("value", "")) for r in rows if r.get("verdict") == verdict)
        parts.append(f"{verdict} at {', '.join(values)}")
    return f"re-judged by {parameter}: {'; '.join(parts)}"


def sensitivity_summary(rows: Sequence[Mapping[str, Any]]) -> str:
    """Every parameter's :func:`parameter_summary`, joined; empty without rows."""
    return "; ".join(
        parameter_summary(parameter, group) for parameter, group in by_parameter(rows).items()
    )


def used_values(assumptions: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Each assumption's parameter and the value the suite uses (the verdict's own value)."""
    return {
        " ".join(str(a.get("parameter", "")).split()): " ".join(str(a.get("value", "")).split())
        for a in assumptions
        if isinstance(a, Mapping)
    }
