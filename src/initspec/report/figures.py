"""A claim's figure, drawn from its recorded criteria: each seed's value against the bound.

One panel per numeric criterion with at least two different values (a single value, or seeds
that all measured the same, is said whole by the criteria table), stacked: a point per seed
(green where the seed is on the claim's side of the bound, red where not, a red cross on the
axis for a seed with no number), the bound as a dashed line (a shaded band for ``in``), and
for ``mean_ci`` the mean with its t interval beside the seeds. The value axis is logarithmic
when the positive values and bounds span more than three decades. Tick labels are written as
the report writes numbers, with just enough digits to tell neighbouring ticks apart (no offset
such as "1e7" above the axis, where it would run into the subtitle), and the left margin grows
with the longest label.
Boolean criteria (a property per seed) have no panel.

Saved as :func:`initspec.plotting.save.save_figure` saves (Agg, its fixed dpi, no version tag in the
metadata), so the same criteria give the same PNG bytes, but with fixed margins instead of a
tight layout and into one reused :class:`~matplotlib.figure.Figure`: a report draws up to one
figure per claim, and the layout pass alone took about a third of each figure's time. The
file's name carries a hash of what it shows (:func:`figure_name`), so a report that is written
again copies the figures whose criteria did not change instead of drawing them again.
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
from matplotlib.ticker import Formatter, LogLocator

from initspec.plotting.save import DPI, METADATA
from initspec.report import words
from initspec.report.words import bound_text, is_boolean, num, numbers, shorten

PANEL_SIZE = (6.4, 1.9)  # inches per criterion: small figures render fast
# Fixed margins, in inches: room for the titles above, tick labels and "seed" below; the left
# one is at least LEFT, and more for long tick labels (LABEL_CHAR inches per character).
LEFT, RIGHT, TOP, BOTTOM, GAP = 0.6, 0.25, 0.45, 0.45, 0.9
LABEL_CHAR, LABEL_PAD = 0.065, 0.3
MAX_PANELS = 6
LOG_SPAN = 1e3  # values spanning more than this ratio get a log axis
HELD_COLOR, NOT_MET_COLOR, BOUND_COLOR = "#1a7f37", "#cf222e", "#57606a"


def plotted(criteria: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The criteria a figure shows: those with a numeric bound and at least two different
    numbers (one value against its bound is a line of the table, not a figure)."""
    return [
        c
        for c in criteria
        if not is_boolean(c)
        and c.get("bound") is not None
        and len(set(numbers(c.get("measured", [])))) > 1
    ][:MAX_PANELS]


def short_number(value: float, digits: int = 3) -> str:
    """``value`` with ``digits`` significant digits, as :func:`words.num` writes it (3 digits)."""
    if value == 0 or not math.isfinite(value):
        return num(value)
    exponent = math.floor(math.log10(abs(value)))
    if -3 <= exponent < 5:
        return f"{value:.{digits}g}"
    mantissa, power = f"{value:.{digits - 1}e}".split("e")
    return f"{float(mantissa):.{digits}g}e{int(power)}"


class TickNumbers(Formatter):
    """Tick labels as the report writes numbers, with the fewest digits (3 or more) that tell
    every tick from its neighbours: never an offset or a multiplier above the axis."""

    def __init__(self) -> None:
        self.digits = 3

    def set_locs(self, locs: Sequence[float]) -> None:
        finite = [float(v) for v in locs if math.isfinite(v)]
        self.digits = next(
            (
                d
                for d in range(3, 10)
                if len({short_number(v, d) for v in finite}) == len(set(finite))
            ),
            10,
        )

    def __call__(self, value: float, pos: int | None = None) -> str:
        return short_number(float(value), self.digits)


def on_claims_side(value: float, comparison: str, bound: Any) -> bool:
    """Whether one seed's value satisfies the comparison (as :mod:`initspec.judging.judge`
    judges it)."""
    if comparison == "in":
        return bool(bound[0] <= value <= bound[1])
    return bool(
        {
            "<": value < bound,
            "<=": value <= bound,
            ">": value > bound,
            ">=": value >= bound,
            "==": value == bound,
        }.get(comparison, False)
    )


@functools.cache
def _drawing_code() -> bytes:
    """What decides how a figure looks besides its criteria: this module's code and the words'
    (the numbers' format), and matplotlib's version."""
    sources = [Path(__file__), Path(words.__file__)]
    return b"".join(path.read_bytes() for path in sources) + matplotlib.__version__.encode()


def figure_name(criteria: Sequence[Mapping[str, Any]]) -> str | None:
    """``criteria-<hash>.png``: the name of the figure of these criteria; None if none is numeric.

    The hash covers the plotted criteria and the code that draws them, so equal names mean
    equal figures.
    """
    shown = plotted(criteria)
    if not shown:
        return None
    digest = hashlib.sha256(_drawing_code())
    digest.update(json.dumps(shown, sort_keys=True).encode())
    return f"criteria-{digest.hexdigest()[:12]}.png"


def new_canvas() -> Figure:
    """The figure :func:`draw_criteria` draws into; reuse it for every claim of a report."""
    return Figure(dpi=DPI)


def draw_criteria(
    criteria: Sequence[Mapping[str, Any]], path: Path, canvas: Figure | None = None
) -> bool:
    """Draw the numeric criteria of one claim to ``path`` (PNG); False if none is numeric."""
    shown = plotted(criteria)
    if not shown:
        return False
    figure = canvas if canvas is not None else new_canvas()
    figure.clear()
    width, height = PANEL_SIZE[0], PANEL_SIZE[1] * len(shown)
    figure.set_size_inches(width, height)
    panel_height = (height - TOP - BOTTOM - GAP * (len(shown) - 1)) / len(shown)
    figure.subplots_adjust(
        left=LEFT / width,
        right=1 - RIGHT / width,
        top=1 - TOP / height,
        bottom=BOTTOM / height,
        hspace=GAP / panel_height,
    )
    labels = 0
    for index, criterion in enumerate(shown):
        labels = max(labels, _panel(figure.add_subplot(len(shown), 1, index + 1), criterion))
    figure.subplots_adjust(left=max(LEFT, LABEL_PAD + LABEL_CHAR * labels) / width)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=DPI, metadata=METADATA)
    figure.clear()
    return True


def _bound_values(criterion: Mapping[str, Any]) -> list[float]:
    bound = criterion["bound"]
    return [float(b) for b in bound] if isinstance(bound, list) else [float(bound)]


def _interval(criterion: Mapping[str, Any]) -> tuple[float, float] | None:
    """The rule's t interval (``mean_ci``), if the criterion has one."""
    interval = criterion.get("interval")
    if isinstance(interval, list) and len(interval) == 2:
        return float(interval[0]), float(interval[1])
    return None


def log_scale(values: Sequence[float]) -> bool:
    """Whether a panel of these values (and bounds) gets a log axis: all positive, and spanning
    more than :data:`LOG_SPAN`."""
    positive = [v for v in values if v > 0]
    if len(positive) < len(values) or not positive:
        return False  # zero or negative values: a log axis would hide them
    return max(positive) / min(positive) > LOG_SPAN


def _panel(axes: Any, criterion: Mapping[str, Any]) -> int:
    """Draw one criterion's panel; the length of its longest tick label, in characters."""
    measured = list(criterion.get("measured", []))
    comparison, bound = criterion["comparison"], criterion["bound"]
    interval = _interval(criterion)
    bounds = _bound_values(criterion)
    scale_values = numbers(measured) + bounds + (list(interval) if interval else [])
    if log_scale(scale_values):
        axes.set_yscale("log")
        # Plain "1e-7" labels, as the report writes numbers (and no slow mathtext "10^{-7}").
        axes.yaxis.set_major_locator(LogLocator(numticks=7))
        axes.minorticks_off()  # each minor tick is an artist of its own: they cost time
    axes.yaxis.set_major_formatter(TickNumbers())

    if comparison == "in":
        axes.axhspan(bounds[0], bounds[1], color=BOUND_COLOR, alpha=0.15, lw=0)
    for value in bounds:
        axes.axhline(value, color=BOUND_COLOR, ls="--", lw=1)

    xs: list[float] = [float(x) for x in range(1, len(measured) + 1)]
    for x, value in zip(xs, measured, strict=True):
        if isinstance(value, (int, float)) and math.isfinite(value):
            color = HELD_COLOR if on_claims_side(value, comparison, bound) else NOT_MET_COLOR
            axes.plot([x], [value], "o", color=color, ms=6)
        else:  # no number (NaN, a diverged run): a cross on the axis
            on_axis = axes.get_xaxis_transform()
            axes.plot([x], [0.0], "x", color=NOT_MET_COLOR, ms=8, mew=2, transform=on_axis,
                      clip_on=False)  # fmt: skip
            axes.annotate("no value", (x, 0.0), xycoords=on_axis, xytext=(0, 7),
                          textcoords="offset points", ha="center", fontsize=7,
                          color=NOT_MET_COLOR)  # fmt: skip

    ticks = [f"{x:g}" for x in xs] if len(xs) > 1 else ["value"]
    if interval is not None:
        low, high = interval
        mean = (low + high) / 2
        x = len(xs) + 1.2
        axes.errorbar([x], [mean], yerr=[[mean - low], [high - mean]], fmt="s",
                      color="black", ms=5, capsize=4, lw=1.5)  # fmt: skip
        xs = [*xs, x]
        ticks.append("mean")
    axes.margins(y=0.12)  # no point on the frame
    axes.set_xticks(xs, ticks, fontsize=8)
    axes.set_xlim(0.4, max(xs) + 0.6)
    axes.tick_params(axis="y", labelsize=8)
    if len(measured) > 1:
        axes.set_xlabel("seed", fontsize=8, labelpad=1)

    outcome = {"held": "held", "not-met": "not met", "undecided": "undecided"}.get(
        str(criterion.get("outcome")), str(criterion.get("outcome"))
    )
    held = f"{criterion['held']} of {criterion['run']}; {criterion.get('rule', '')}"
    margin = criterion.get("margin")
    if isinstance(margin, (int, float)):
        held += f"; margin {num(float(margin))}"
    # Two lines above the panel: what is compared, then how it came out. (A title placed at
    # y=1 explicitly skips matplotlib's costly search for a free place above the axes.)
    axes.set_title(f"{shorten(str(criterion['name']), 80)}: {bound_text(criterion)}",
                   fontsize=9, loc="left", pad=13, y=1.0)  # fmt: skip
    axes.text(0, 1.02, f"{outcome} ({held})", transform=axes.transAxes, fontsize=8,
              color=BOUND_COLOR, va="bottom")  # fmt: skip
    axes.grid(axis="y", alpha=0.3)
    low, high = axes.get_ylim()
    formatter = axes.yaxis.get_major_formatter()
    ticks_y = [v for v in axes.get_yticks() if min(low, high) <= v <= max(low, high)]
    formatter.set_locs(ticks_y)
    return max((len(formatter(v)) for v in ticks_y), default=0)
