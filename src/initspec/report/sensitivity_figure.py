"""A claim's sensitivity figure: its verdict at each value of an open setup choice.

One short strip per parameter: the values on x (a number axis where every value is a number
and there are two or more, logarithmic where they are positive and span a factor of
:data:`LOG_SPAN` or more, as learning rates do; else the values in the rows' order), and the
verdict there as a marker on one of three rows: a green disc for ``holds``, a red cross for
``fails``, a purple diamond for ``undecided``; a dashed line marks the value the claim's verdict
was measured at (its assumption's), where the rows include it. Saved as the criteria figure
is (fixed margins, fixed dpi, no version tag), under a name that hashes what it shows
(:func:`sensitivity_figure_name`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator

from initspec.plotting.save import DPI, METADATA
from initspec.report.figures import HELD_COLOR, NOT_MET_COLOR, new_canvas
from initspec.report.sensitivity import SENSITIVITY_VERDICTS, by_parameter
from initspec.report.words import num, shorten

WIDTH, STRIP = 6.4, 1.25  # inches: the figure's width, and the height of one parameter's strip
LEFT, RIGHT, TOP, BOTTOM, GAP = 0.95, 0.2, 0.3, 0.4, 0.65
MAX_STRIPS = 6
LOG_SPAN = 10.0  # positive values spanning this factor or more get a log axis
UNDECIDED_COLOR = "#8250df"
MARKERS = {
    "holds": ("o", HELD_COLOR),
    "fails": ("X", NOT_MET_COLOR),
    "undecided": ("D", UNDECIDED_COLOR),
}


def _number(value: Any) -> float | None:
    try:
        number = float(str(value))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _strips(rows: Sequence[Mapping[str, Any]]) -> list[tuple[str, list[Mapping[str, Any]]]]:
    return list(by_parameter(rows).items())[:MAX_STRIPS]


@functools.cache
def _drawing_code() -> bytes:
    return Path(__file__).read_bytes() + matplotlib.__version__.encode()


def sensitivity_figure_name(
    rows: Sequence[Mapping[str, Any]], used: Mapping[str, str] | None = None
) -> str | None:
    """``sensitivity-<hash>.png`` for these rows (and values used); None without rows."""
    if not rows:
        return None
    marks = dict(used or {})
    shown = [
        [p, marks.get(p), [(r.get("value"), r.get("verdict")) for r in g]] for p, g in _strips(rows)
    ]
    digest = hashlib.sha256(_drawing_code())
    digest.update(json.dumps(shown, sort_keys=True, default=str).encode())
    return f"sensitivity-{digest.hexdigest()[:12]}.png"


def draw_sensitivity(
    rows: Sequence[Mapping[str, Any]],
    path: Path,
    canvas: Figure | None = None,
    used: Mapping[str, str] | None = None,
) -> bool:
    """Draw the rows' strips to ``path`` (PNG), marking ``used[parameter]`` (the value the
    verdict was measured at) on each strip that has it; False without rows."""
    marks = dict(used or {})
    strips = _strips(rows)
    if not strips:
        return False
    figure = canvas if canvas is not None else new_canvas()
    figure.clear()
    height = TOP + BOTTOM + STRIP * len(strips) + GAP * (len(strips) - 1)
    figure.set_size_inches(WIDTH, height)
    figure.subplots_adjust(
        left=LEFT / WIDTH,
        right=1 - RIGHT / WIDTH,
        top=1 - TOP / height,
        bottom=BOTTOM / height,
        hspace=GAP / STRIP,
    )
    for index, (parameter, group) in enumerate(strips):
        axes = figure.add_subplot(len(strips), 1, index + 1)
        _strip(axes, parameter, group, marks.get(parameter))
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=DPI, metadata=METADATA)
    figure.clear()
    return True


def _strip(axes: Any, parameter: str, rows: Sequence[Mapping[str, Any]], used: str | None) -> None:
    values = [str(row.get("value", "")) for row in rows]
    numbers = [_number(v) for v in values]
    numeric = all(n is not None for n in numbers) and len(set(numbers)) > 1
    if numeric:
        xs = [float(n) for n in numbers if n is not None]
        positive = all(x > 0 for x in xs)
        if positive and max(xs) / min(xs) >= LOG_SPAN:
            axes.set_xscale("log")
            axes.xaxis.set_major_locator(LogLocator(numticks=8))
            axes.minorticks_off()
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: num(float(value))))
        axes.margins(x=0.08)
    else:
        order = list(dict.fromkeys(values))
        xs = [float(order.index(v)) for v in values]
        axes.set_xticks(range(len(order)), [shorten(v, 14) for v in order])
        axes.set_xlim(-0.5, len(order) - 0.5)
    verdicts = [str(row.get("verdict", "")) for row in rows]
    levels = list(SENSITIVITY_VERDICTS)
    for x, verdict in zip(xs, verdicts, strict=True):
        marker, color = MARKERS.get(verdict, ("s", "black"))
        y = levels.index(verdict) if verdict in levels else len(levels)
        axes.plot([x], [y], marker, color=color, ms=8)
    axes.set_yticks(range(len(levels)), levels, fontsize=8)
    axes.set_ylim(len(levels) - 0.5, -0.5)  # holds on top
    axes.tick_params(axis="x", labelsize=8)
    axes.grid(axis="x", alpha=0.3)
    if used is not None and used in values:
        x_used = xs[values.index(used)]
        axes.axvline(x_used, color="#57606a", ls="--", lw=1, zorder=0)
        axes.annotate("used", (x_used, 0), xycoords=("data", "axes fraction"), xytext=(3, 3),
                      textcoords="offset points", fontsize=7, color="#57606a")  # fmt: skip
    axes.set_title(shorten(parameter, 80), fontsize=9, loc="left", pad=4, y=1.0)
