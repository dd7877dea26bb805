"""The labs' figures: loss curves (one axes, or small multiples) and gradient norms per step.

Every figure follows the same conventions, so a reader learns them once:

* one colour per variant, the same in every figure (:data:`VARIANT_COLORS`: the inits, lab
  03's variants); a label not listed there takes the next of :data:`SPARE_COLORS`, in the
  order the labels come;
* where one axes would need more than :data:`MAX_SERIES` curves, the lab draws small multiples
  (:func:`plot_loss_panels`: a panel per setup, the same axes ranges, a colour per variant);
* the legend sits right of the panels, outside the data, and it also says what every marker
  marks: ``x`` the step where a run's loss became NaN, a triangle on the top edge a value off
  the scale (with the value), a dotted line where a run went flat at chance;
* the y range comes from the data: a loss more than :data:`OFF_SCALE` times the reference
  level (chance, or else the median first loss) is off the scale: marked on the top edge, not
  allowed to stretch the axis and squash every other curve;
* the title says the setup; the axes say what is measured, and in which unit.

Figures are saved by :func:`initspec.plotting.save.save_figure`, so the PNG bytes depend only on the
arguments and a figure can be snapshot-tested.
"""

from __future__ import annotations

import math
import statistics
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from initspec.metrics import first_below
from initspec.plotting.formatting import power_of_ten
from initspec.plotting.save import new_figure, save_figure

Losses = Sequence[float | None]

LOSS_LABEL = "training loss (cross-entropy, nats)"
STEP_LABEL = "training step"
# One colour per variant in every figure: the inits (labs 01, 02), lab 03's variants and the
# makemore lab's runs; red for the setup that fails, blue for the one that trains.
VARIANT_COLORS: dict[str, str] = {
    "uniform": "tab:red",
    "xavier": "tab:orange",
    "kaiming": "tab:blue",
    "torch-default": "tab:green",
    "no residual": "tab:red",
    "residual": "tab:blue",
    "naive": "tab:red",
    "output-fix": "tab:orange",
    "hidden-fix": "tab:blue",
    "hidden-fix + BatchNorm": "tab:green",
}
# A line style where two variants' curves lie on top of each other: the BatchNorm run's dashes
# let the hidden-fix run's curve show through. Any other variant is drawn solid.
VARIANT_LINESTYLES: dict[str, Any] = {"hidden-fix + BatchNorm": (0, (4, 2))}
SPARE_COLORS = ("tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan", "tab:green")
MAX_SERIES = 6  # more curves than this on one axes: draw small multiples instead
OFF_SCALE = 100.0  # a loss this many times the reference level is off the scale
SHORT = 20  # a curve of fewer points (a run that died early) is drawn with dots
PANEL_WIDTH, PANEL_HEIGHT = 4.8, 3.4  # inches per panel of small multiples
SINGLE_WIDTH = 6.6  # inches of a figure with one panel
LEGEND_WIDTH = 2.7  # inches right of the panels for the legend
LEGEND_CHARS = 36  # a legend entry longer than this wraps
TITLE_INCHES_PER_CHAR = 0.09  # a title wraps where it would be wider than its figure
FIGSIZE = (8.0, 5.0)  # plot_final_losses
# plot_final_losses: each split's marker, and whether it is drawn hollow (train: open circles)
SPLIT_MARKERS: tuple[tuple[str, bool], ...] = (("o", True), ("s", False), ("D", False))


def variant_colors(labels: Iterable[str], fixed: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each label's colour: from ``fixed`` (default :data:`VARIANT_COLORS`), else the next spare
    colour not already used by a fixed one, in the order the labels come."""
    fixed = VARIANT_COLORS if fixed is None else {**VARIANT_COLORS, **fixed}
    ordered = list(dict.fromkeys(labels))
    used = {fixed[label] for label in ordered if label in fixed}
    spare = iter([color for color in SPARE_COLORS if color not in used])
    return {label: fixed[label] if label in fixed else next(spare, "tab:gray") for label in ordered}


@dataclass(frozen=True)
class Panel:
    """One axes of a loss figure. ``curves``: variant -> loss per step (None from a NaN on);
    ``nan_steps`` and ``flatline_steps``: per variant, the first NaN step and the start of a
    flat stretch at chance (None: none); ``setup`` names the panel's setup in the legend's
    notes (None where every panel shows the same runs)."""

    title: str
    curves: Mapping[str, Losses]
    nan_steps: Mapping[str, int | None] = field(default_factory=dict)
    flatline_steps: Mapping[str, int | None] = field(default_factory=dict)
    log_y: bool = True
    setup: str | None = None


@dataclass(frozen=True)
class Scale:
    """A loss figure's y ranges (log and linear) and the level above which a loss is off the
    scale."""

    cap: float
    log: tuple[float, float]
    linear: tuple[float, float]


def loss_scale(
    curves: Iterable[Losses], reference: float | None = None, fit_from: int = 0
) -> Scale:
    """The y ranges that hold every loss up to ``OFF_SCALE`` times ``reference`` (default: the
    median of the curves' first losses) and the reference itself, with a margin. With
    ``fit_from``, the ranges hold the losses from that step on (and the reference) and no
    more: the linear one no longer reaches down to 0, and earlier, higher losses run off the
    top."""
    curves = list(curves)
    firsts = [next((v for v in losses if v is not None), None) for losses in curves]
    known = [value for value in firsts if value is not None]
    level = reference if reference is not None else (statistics.median(known) if known else 1.0)
    cap = abs(level) * OFF_SCALE if level else math.inf
    shown = [v for losses in curves for v in losses[fit_from:] if v is not None and v <= cap]
    shown.append(level)
    positive = [value for value in shown if value > 0]
    low, high = (min(positive), max(positive)) if positive else (1e-3, 1.0)
    if fit_from:
        margin = (max(shown) - min(shown)) * 0.05
        return Scale(cap, (low / 1.1, high * 1.1), (min(shown) - margin, max(shown) + margin))
    return Scale(cap, (low / 2, high * 2), (min(0.0, min(shown)), max(shown) * 1.05))


def plot_loss_curves(
    path: Path,
    curves: Mapping[str, Losses],
    *,
    title: str,
    nan_steps: Mapping[str, int | None] | None = None,
    flatline_steps: Mapping[str, int | None] | None = None,
    chance_level: float | None = None,
    log_y: bool = True,
    linear_detail: bool = False,
    colors: Mapping[str, str] | None = None,
    fit_from: int = 0,
) -> Path:
    """``curves`` (variant -> loss per step, None for NaN) on one axes, log y unless ``log_y``
    is false; with ``linear_detail``, a second panel beside it shows the same curves on a
    linear y axis (slow descents that a log scale flattens); with ``fit_from``, the y range
    fits the losses from that step on (:func:`loss_scale`: for a long run whose start another
    figure shows). Saved as a PNG at ``path``.

    ``colors`` adds to :data:`VARIANT_COLORS`. For more than :data:`MAX_SERIES` curves, draw
    small multiples with :func:`plot_loss_panels`.
    """
    nan_steps, flatline_steps = nan_steps or {}, flatline_steps or {}
    panels = [Panel("log scale" if linear_detail else "", curves, nan_steps, flatline_steps, log_y)]
    if linear_detail:
        panels.append(Panel("linear scale", curves, nan_steps, flatline_steps, log_y=False))
    return plot_loss_panels(
        path, panels, title=title, chance_level=chance_level, colors=colors, fit_from=fit_from
    )


def plot_loss_panels(
    path: Path,
    panels: Sequence[Panel],
    *,
    title: str,
    chance_level: float | None = None,
    colors: Mapping[str, str] | None = None,
    columns: int = 2,
    fit_from: int = 0,
) -> Path:
    """Small multiples: one axes per :class:`Panel`, ``columns`` to a row, the same x range and
    (per scale) the same y range in every panel, a colour per variant, one legend for all; the
    y range fits the losses from step ``fit_from`` on (:func:`loss_scale`), which the legend
    says. Saved as a PNG at ``path``."""
    palette = variant_colors((label for panel in panels for label in panel.curves), colors)
    curves = [c for panel in panels for c in panel.curves.values()]
    scale = loss_scale(curves, chance_level, fit_from)
    steps = max((len(c) for panel in panels for c in panel.curves.values()), default=1)
    cols = max(1, min(columns, len(panels)))
    rows = math.ceil(len(panels) / cols)
    width = SINGLE_WIDTH if cols == 1 else cols * PANEL_WIDTH
    figure, first = new_figure((width + LEGEND_WIDTH, rows * PANEL_HEIGHT + 0.8))
    figure.delaxes(first)
    grid = figure.subplots(rows, cols, squeeze=False, sharex=True)
    notes: dict[str, Any] = {}
    for index, axes in enumerate(grid.flat):
        if index >= len(panels):
            figure.delaxes(axes)
            grid.flat[index - cols].xaxis.set_tick_params(labelbottom=True)
            grid.flat[index - cols].set_xlabel(STEP_LABEL)
            continue
        panel = panels[index]
        _draw_panel(axes, panel, palette, scale, chance_level, notes)
        axes.set_xlim(0, max(steps - 1, 1))
        if index % cols == 0:
            scale_named = "scale" in panel.title  # the panel's title says its scale
            axes.set_ylabel(LOSS_LABEL + (", log scale" if panel.log_y and not scale_named else ""))
        if index >= (rows - 1) * cols:
            axes.set_xlabel(STEP_LABEL)
    handles = [
        Line2D(
            [],
            [],
            color=color,
            linestyle=VARIANT_LINESTYLES.get(label, "-"),
            linewidth=2,
            label=label,
        )
        for label, color in palette.items()
    ]
    if chance_level is not None:
        handles.append(
            Line2D([], [], color="gray", linestyle="--", label=f"chance level, {chance_level:.4g}")
        )
    if fit_from:
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                label=f"y range: the losses from step {fit_from:,} on (earlier ones off the top)",
            )
        )
    legend_outside(grid[0][cols - 1], [*handles, *notes.values()])
    wrapped_title(figure, title)
    return save_figure(figure, path)


def _draw_panel(
    axes: Any,
    panel: Panel,
    palette: Mapping[str, str],
    scale: Scale,
    chance_level: float | None,
    notes: dict[str, Any],
) -> None:
    """Draw ``panel``'s curves on ``axes``; add the legend entries of its markers to ``notes``
    (by text, so two panels of the same runs give each entry once)."""
    low, top = scale.log if panel.log_y else scale.linear
    for label, losses in panel.curves.items():
        color = palette[label]
        who = f"{panel.setup}, {label}" if panel.setup else label

        points = [(step, loss) for step, loss in enumerate(losses) if loss is not None]
        ys = [loss if _on_scale(loss, scale, panel.log_y) else math.nan for _, loss in points]
        marker = "o" if len(points) < SHORT else None
        axes.plot(
            [s for s, _ in points],
            ys,
            color=color,
            linestyle=VARIANT_LINESTYLES.get(label, "-"),
            lw=1.0,
            marker=marker,
            markersize=3,
        )
        off = [(step, loss) for step, loss in points if loss > scale.cap]
        if off:  # drawn on the top edge, their values in the legend
            _mark_edge(axes, [step for step, _ in off], top, "^", color)
            text = f"{who}: off the scale: {off[0][1]:.2g} at step {off[0][0]}"
            if len(off) > 1:
                text += f", up to {max(loss for _, loss in off):.2g}"
            _note(notes, text, color, linestyle="none", marker="^")
        zero = [step for step, loss in points if loss <= 0] if panel.log_y else []
        if zero:  # a loss of exactly 0 has no place on a log axis: on the bottom edge
            _mark_edge(axes, zero, low, "v", color)
            _note(
                notes,
                f"{who}: a loss of 0 (below the log scale) at {len(zero)} step(s), from {zero[0]}",
                color,
                linestyle="none",
                marker="v",
            )
        nan_step = panel.nan_steps.get(label)
        if nan_step is not None:  # where the curve stops, or on the top edge
            y = ys[-1] if ys and not math.isnan(ys[-1]) else top
            axes.plot([nan_step], [y], marker="x", color=color, markersize=9, mew=2, clip_on=False)
            _note(
                notes, f"{who}: NaN at step {nan_step}", color, linestyle="none", marker="x", mew=2
            )
        flat = panel.flatline_steps.get(label)
        if flat is not None:
            axes.axvline(flat, color=color, linestyle=":", linewidth=1.5)
            _note(
                notes,
                f"{who}: flat at chance from step {flat}",
                color,
                linestyle=":",
                linewidth=1.5,
            )
    if chance_level is not None:
        axes.axhline(chance_level, color="gray", linestyle="--", linewidth=0.8)
    if panel.log_y:
        axes.set_yscale("log")
    axes.set_ylim(low, top)
    axes.grid(True, which="major", alpha=0.3)
    if panel.title:
        axes.set_title(panel.title, fontsize=10)


def _note(notes: dict[str, Any], text: str, color: str, **style: Any) -> None:
    """A legend entry for a marker: its text, drawn as the marker is."""
    notes[text] = Line2D([], [], color=color, label=text, **style)


def _mark_edge(axes: Any, steps: Sequence[float], y: float, marker: str, color: str) -> None:
    """Markers on an edge of the axes (``y``) at ``steps``: points a curve cannot show."""
    axes.plot(
        steps,
        [y] * len(steps),
        linestyle="none",
        marker=marker,
        color=color,
        markersize=8,
        clip_on=False,
    )


def _on_scale(loss: float, scale: Scale, log_y: bool) -> bool:
    """Whether a loss is drawn as a point of its curve: not above the cap, and on a log axis
    above 0 (the others are marked on an edge)."""
    return loss <= scale.cap and (loss > 0 or not log_y)


def wrapped_title(figure: Any, title: str) -> None:
    """The figure's title, wrapped to its width in lines of even length."""
    chars = int(figure.get_figwidth() / TITLE_INCHES_PER_CHAR)
    figure.suptitle(balanced_wrap(title, chars), fontsize=11)


def balanced_wrap(text: str, chars: int) -> str:
    """``text`` in as few lines of at most ``chars`` characters as ``textwrap`` needs, each about
    as long as the others: no line of one or two words left under a full one. A word is never
    broken, so a word longer than ``chars`` stands on a line of its own."""
    lines = textwrap.wrap(text, chars, break_long_words=False)
    if len(lines) <= 1:
        return text
    width = max(math.ceil(len(text) / len(lines)), *map(len, text.split()))
    while len(even := textwrap.wrap(text, width, break_long_words=False)) > len(lines):
        width += 1
    return "\n".join(even)


def legend_outside(axes: Any, handles: Sequence[Any]) -> None:
    """The legend right of ``axes`` (the top-right panel), outside the data; long entries
    wrap."""
    for handle in handles:
        handle.set_label(textwrap.fill(handle.get_label(), LEGEND_CHARS))
    axes.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.03, 1.0),
        borderaxespad=0.0,
        fontsize=8,
        frameon=False,
    )


def plot_gradient_norms(
    path: Path,
    norms: Mapping[str, Sequence[float]],
    *,
    title: str,
    ylabel: str,
    level: float,
    band: tuple[float, float],
    colors: Mapping[str, str] | None = None,
) -> Path:
    """Gradient norm per step of each run (label -> norms) on a log y axis, the vanishing
    ``level`` dashed and the healthy ``band`` shaded; each run's first step below ``level`` is
    circled in its colour, or where it never goes below, its lowest value. The y range holds
    every value, the level and the band. Saved as a PNG at ``path``."""
    palette = variant_colors(norms, colors)
    figure, axes = new_figure((SINGLE_WIDTH + LEGEND_WIDTH, PANEL_HEIGHT + 0.8))
    for label, values in norms.items():
        axes.plot(range(len(values)), values, color=palette[label], linewidth=0.9)
    handles: list[Any] = [
        Line2D([], [], color=color, linewidth=2, label=label) for label, color in palette.items()
    ]
    level_text = power_of_ten(level)
    band_text = f"[{power_of_ten(band[0])}, {power_of_ten(band[1])}]"
    axes.axhline(level, color="black", linestyle="--", linewidth=0.8)
    handles.append(
        Line2D([], [], color="black", linestyle="--", label=f"vanished: below {level_text}")
    )
    axes.axhspan(*band, color="tab:green", alpha=0.1)
    handles.append(Patch(color="tab:green", alpha=0.1, label=f"the document's range {band_text}"))
    circle: dict[str, Any] = {"marker": "o", "markersize": 10, "markerfacecolor": "none"}
    circle["mew"] = 1.5
    for label, run in norms.items():
        if not run:
            continue
        point, text = vanishing_mark(list(run), level)
        axes.plot(*point, color=palette[label], **circle)
        mark = f"{label}: {text}"
        handles.append(Line2D([], [], linestyle="none", color=palette[label], label=mark, **circle))
    values = [value for run in norms.values() for value in run if value > 0]
    low = min([*values, level, band[0]])
    high = max([*values, band[1]])
    axes.set_yscale("log")
    axes.set_ylim(low / 3, high * 3)
    axes.set_xlim(0, max((len(run) for run in norms.values()), default=2) - 1)
    axes.set_xlabel(STEP_LABEL)
    axes.set_ylabel(ylabel)
    axes.grid(True, which="major", alpha=0.3)
    legend_outside(axes, handles)
    wrapped_title(figure, title)
    return save_figure(figure, path)


def vanishing_mark(norms: list[float], level: float) -> tuple[tuple[int, float], str]:
    """Where to circle a run of gradient norms, and what the circle says: its first step below
    ``level``, or where it never goes below, its lowest value."""
    level_text = power_of_ten(level)
    crossing = first_below(norms, level)
    if crossing is not None:
        return (crossing, norms[crossing]), f"below {level_text} at step {crossing}"
    low = min(norms)
    step = norms.index(low)
    return (step, low), f"never below {level_text}; lowest {low:.2e} at step {step}"


def plot_final_losses(
    path: Path,
    losses: Mapping[str, Mapping[str, Sequence[float | None]]],
    *,
    title: str,
    documents: Mapping[str, Mapping[str, float]] | None = None,
    document_label: str = "document",
    document_format: str = "g",
    colors: Mapping[str, str] | None = None,
) -> Path:
    """Each run's final losses, one column a run in the run's colour (:func:`variant_colors`):
    ``losses[run][split]`` holds one loss a seed, each split its own marker (:data:`SPLIT_MARKERS`),
    seeds side by side. A seed without a finite loss (None: diverged) is an ``x`` on the top edge;
    a loss above :data:`OFF_SCALE` times the median loss is off the scale, a triangle on the top
    edge with its value in the legend. ``documents[run][split]`` is a document's value for that
    run, drawn as a black bar and written with ``document_format``."""
    documents = documents or {}
    runs = list(losses)
    palette = variant_colors(runs, colors)
    splits = sorted({split for run in losses.values() for split in run})
    finite = [
        v
        for run in losses.values()
        for values in run.values()
        for v in values
        if v is not None and math.isfinite(v)
    ]
    level = statistics.median(finite) if finite else 1.0
    cap = abs(level) * OFF_SCALE if level else math.inf
    shown = [v for v in finite if v <= cap]
    shown += [v for run in documents.values() for v in run.values()]
    low, high = (min(shown), max(shown)) if shown else (0.0, 1.0)
    margin = (high - low) * 0.08 or abs(high) * 0.05 or 1.0
    top = high + margin
    figure, axes = new_figure((FIGSIZE[0] + LEGEND_WIDTH, FIGSIZE[1]))
    width = 0.6 / max(len(splits), 1)
    notes: dict[str, Any] = {}
    for s, split in enumerate(splits):
        marker, hollow = SPLIT_MARKERS[s % len(SPLIT_MARKERS)]
        for r, run in enumerate(runs):
            color = palette[run]
            values = list(losses[run].get(split, []))
            centre = r + (s - (len(splits) - 1) / 2) * width
            xs = [centre + (i - (len(values) - 1) / 2) * width / 4 for i in range(len(values))]
            on = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None and v <= cap]
            axes.plot(
                [x for x, _ in on],
                [v for _, v in on],
                linestyle="none",
                marker=marker,
                color=color,
                markerfacecolor="none" if hollow else color,
            )
            lost = [x for x, v in zip(xs, values, strict=True) if v is None or math.isnan(v)]
            if lost:
                _mark_edge(axes, lost, top, "x", color)
                text = f"{run}, {split}: {len(lost)} seed(s) without a loss (diverged)"
                _note(notes, text, color, linestyle="none", marker="x")
            off = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None and v > cap]
            if off:
                _mark_edge(axes, [x for x, _ in off], top, "^", color)
                text = f"{run}, {split}: off the scale, up to {max(v for _, v in off):.3g}"
                _note(notes, text, color, linestyle="none", marker="^")
            document = documents.get(run, {}).get(split)
            if document is not None:
                axes.plot([centre - width / 2, centre + width / 2], [document] * 2, color="black")
                axes.annotate(
                    f"{document_label} {split} {document:{document_format}}",
                    (centre + width / 2, document),
                    textcoords="offset points",
                    xytext=(3, -3),
                    fontsize=8,
                )
    handles: list[Any] = [
        Line2D(
            [],
            [],
            linestyle="none",
            marker=marker,
            color="dimgray",
            markerfacecolor="none" if hollow else "dimgray",
            label=f"{split} (one point a seed)",
        )
        for split, (marker, hollow) in zip(splits, SPLIT_MARKERS, strict=False)
    ]
    handles.append(Line2D([], [], color="black", label=f"{document_label}'s value"))
    axes.set_xticks(range(len(runs)), runs)
    for tick, run in zip(axes.get_xticklabels(), runs, strict=True):
        tick.set_color(palette[run])
    axes.set_xlim(-0.5, len(runs) - 0.5)
    axes.set_ylim(low - margin, top)
    axes.set_ylabel("loss at the end of training (cross-entropy, nats)")
    axes.grid(True, axis="y", alpha=0.3)
    legend_outside(axes, [*handles, *notes.values()])
    wrapped_title(figure, title)
    return save_figure(figure, path)
