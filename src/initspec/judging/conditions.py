"""A conditional verdict's condition, rendered from the claim's own sensitivity rows.

A claim that fails at the suite's reading of its document and holds at another plausible value
of an open setup choice (or reading) is conditional. The condition names both sides with what
each measured: the rows that hold, and the rows that fail with the first criterion each missed
as :func:`initspec.judging.judge.describe` renders it (expected, measured, held k of n).
"""

from __future__ import annotations

from collections.abc import Sequence

from initspec.judging.outcome import SensitivityRow


def holding_and_failing(
    rows: Sequence[SensitivityRow],
) -> tuple[list[SensitivityRow], list[SensitivityRow]]:
    """The rows whose verdict is ``holds``, and those whose verdict is ``fails``."""
    return (
        [row for row in rows if row.verdict == "holds"],
        [row for row in rows if row.verdict == "fails"],
    )


def _held(row: SensitivityRow) -> str:
    return f"{row.parameter} = {row.value}"


def _failed(row: SensitivityRow) -> str:
    """The row and its first criterion not met, with what it measured."""
    missed = [text for text in row.criteria if ": not met:" in text or ": undecided:" in text]
    return f"{row.parameter} = {row.value} ({missed[0] if missed else 'not met'})"


def condition_from_rows(rows: Sequence[SensitivityRow]) -> str | None:
    """ "holds at <parameter = value>, ...; fails at <parameter = value> (<its first criterion
    not met: expected, measured, held k of n>); ..." where some rows hold and some fail; None
    where every row agrees (no condition: the claim holds or fails throughout)."""
    holding, failing = holding_and_failing(rows)
    if not holding or not failing:
        return None
    return (
        f"holds at {', '.join(_held(row) for row in holding)}; "
        f"fails at {'; '.join(_failed(row) for row in failing)}"
    )
