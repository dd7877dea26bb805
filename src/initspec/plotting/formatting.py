"""Numbers and tables as the lab READMEs print them.

* :func:`fmt`: a number in a format spec, "n/a" where there is none (None or NaN: a run that
  diverged, a quantity that was not measured);
* :func:`power_of_ten`: 1e-07 written as the documents write it, "1e-7";
* :func:`markdown_table`: a GitHub Markdown table from a header and rows of cells.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

MISSING = "n/a"


def fmt(value: float | None, spec: str = ".4g") -> str:
    """``format(value, spec)``, or "n/a" for None or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return format(value, spec)


def power_of_ten(value: float) -> str:
    """A number in short scientific notation without padding: 1e-07 -> "1e-7", 0.001 -> "1e-3"."""
    mantissa, exponent = f"{value:e}".split("e")
    return f"{float(mantissa):g}e{int(exponent)}"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """The table's lines: ``| a | b |``, ``|---|---|``, then one line per row."""
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"a row has {len(row)} cells, the header {len(header)}: {row}")
    lines = [_line(header), "|" + "---|" * len(header)]
    return lines + [_line(row) for row in rows]


def _line(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"
