"""The labs' curve figures: losses of several runs on one axes, and gradient norms per step.

* :func:`plot_loss_curves` draws each run's per-step loss (a ``None`` loss is a NaN: the curve
  stops there), marks the step where a run hit NaN with an ``x``, marks the start of a flat
  stretch with a vertical dotted line, and draws the chance level. Losses above ``y_max`` are
  drawn at ``y_max`` with a triangle and their value, so one exploding run does not squash the
  others into a line.
* :func:`plot_gradient_norms` draws gradient norms per step on a log axis with a vanishing
  level and a healthy band, and annotates where the first run crosses the level.

Figures are saved by :func:`initspec.figures.save_figure`, so the PNG bytes depend only on the
arguments and a figure can be snapshot-tested.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from initspec.figures import new_figure, save_figure
from initspec.formatting import power_of_ten
from initspec.metrics import first_below

FIGSIZE = (8.0, 5.0)
SHORT = 20
COLORS = ("tab:red", "tab:orange", "tab:blue", "tab:green", "tab:purple", "tab:brown")


def plot_loss_curves(
    path: Path,
    curves: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    nan_steps: Mapping[str, int | None] | None = None,
    flatline_steps: Mapping[str, int | None] | None = None,
    chance_level: float | None = None,
    log_y: bool = True,
    y_max: float | None = None,
    detail_ylim: tuple[float, float] | None = None,
) -> Path:
    """Draw ``curves`` (label -> loss per step, None for NaN) on one axes; save a PNG at ``path``.

    ``nan_steps`` and ``flatline_steps`` give, per label, the step of the first NaN and the
    start of a flat stretch (None: none). Colours follow the order of ``curves``. A curve of
    fewer than SHORT points (a run that died early) is drawn with dots so it stays visible.
    ``detail_ylim`` adds an inset with a linear y axis over that range (slow descents that a
    log scale flattens).
    """
    nan_steps = nan_steps or {}
    flatline_steps = flatline_steps or {}
    figure, axes = new_figure(FIGSIZE)
    steps_total = max((len(losses) for losses in curves.values()), default=1)
    top = y_max if y_max is not None else _largest(curves)

    for index, (label, losses) in enumerate(curves.items()):
        color = COLORS[index % len(COLORS)]
        points = [(step, loss) for step, loss in enumerate(losses) if loss is not None]
        xs = [step for step, _ in points]
        ys = [min(loss, top) for _, loss in points]
        marker = "o" if len(points) < SHORT else None
        axes.plot(xs, ys, color=color, linewidth=1.2, label=label, marker=marker, markersize=4)
        above = [(step, loss) for step, loss in points if loss > top]
        if above:
            axes.plot([step for step, _ in above], [top] * len(above), "^", color=color)
            axes.annotate(
                f"{label}: off scale, up to {max(loss for _, loss in above):.1e}",
                (above[0][0], top),
                textcoords="offset points",
                xytext=(12, -16),
                color=color,
                fontsize=8,
            )
        nan_step = nan_steps.get(label)
        if nan_step is not None:
            y = min(ys[-1], top) if ys else top
            axes.plot([nan_step], [y], marker="x", color=color, markersize=12, mew=2.5)
            axes.annotate(
                f"{label}: NaN at step {nan_step}",
                (nan_step, y),
                textcoords="offset points",
                xytext=(12, -4),
                color=color,
                fontsize=9,
            )
        flat = flatline_steps.get(label)
        if flat is not None:
            axes.axvline(flat, color=color, linestyle=":", linewidth=1.5)
            axes.annotate(
                f"{label}: flat from step {flat}",
                (flat, 0.5),
                xycoords=("data", "axes fraction"),
                xytext=(4, 0),
                textcoords="offset points",
                color=color,
                fontsize=9,
                rotation=90,
            )

    if chance_level is not None:
        axes.axhline(chance_level, color="gray", linestyle="--", linewidth=0.8, label="chance")
    if log_y:
        axes.set_yscale("log")
    if y_max is not None:
        axes.set_ylim(top=y_max * (3.0 if log_y else 1.05))
    axes.set_xlim(0, steps_total)
    axes.set_xlabel("step")
    axes.set_ylabel("training loss (cross-entropy)" + (", log scale" if log_y else ""))
    axes.set_title(title)
    axes.grid(True, which="major", alpha=0.3)
    axes.legend(loc="lower left")
    if detail_ylim is not None:
        _detail_inset(axes, curves, detail_ylim, chance_level, steps_total)
    return save_figure(figure, path)


def plot_gradient_norms(
    path: Path,
    norms: Mapping[str, Sequence[float]],
    *,
    title: str,
    ylabel: str,
    level: float,
    band: tuple[float, float],
    colors: Mapping[str, str],
    annotate: str,
) -> Path:
    """Gradient norm per step of each run (label -> norms), log y, the ``level`` drawn dashed
    and the ``band`` shaded; the crossing of ``level`` by run ``annotate`` is marked, or where
    it never crosses, its minimum and when. Colours by label (gray for any other)."""
    figure, axes = new_figure(FIGSIZE)
    for label, values in norms.items():
        axes.plot(
            range(len(values)),
            values,
            label=label,
            linewidth=1.0,
            color=colors.get(label, "tab:gray"),
        )
    level_text = power_of_ten(level)
    band_text = f"[{power_of_ten(band[0])}, {power_of_ten(band[1])}]"
    axes.axhline(level, color="black", linestyle="--", linewidth=0.8, label=level_text)
    axes.axhspan(*band, color="tab:green", alpha=0.08, label=band_text)
    marked = norms.get(annotate)
    if marked:
        crossing = first_below(marked, level)
        if crossing is not None:
            point, text = (crossing, level), f"below {level_text} at step {crossing}"
        else:
            low = min(marked)
            step = list(marked).index(low)
            point, text = (step, low), f"never below {level_text}; min {low:.2e} at step {step}"
        axes.annotate(
            text,
            point,
            xytext=(0.35, 0.15),
            textcoords="axes fraction",
            arrowprops={"arrowstyle": "->"},
        )
    axes.set_yscale("log")
    axes.set_xlabel("step")
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.legend(loc="lower left")
    return save_figure(figure, path)


def _detail_inset(
    axes: Any,
    curves: Mapping[str, Sequence[float | None]],
    ylim: tuple[float, float],
    chance_level: float | None,
    steps_total: int,
) -> None:
    inset = axes.inset_axes((0.5, 0.55, 0.47, 0.38))
    for index, losses in enumerate(curves.values()):
        points = [(step, loss) for step, loss in enumerate(losses) if loss is not None]
        inset.plot(
            [step for step, _ in points],
            [loss for _, loss in points],
            color=COLORS[index % len(COLORS)],
            linewidth=0.8,
        )
    if chance_level is not None:
        inset.axhline(chance_level, color="gray", linestyle="--", linewidth=0.8)
    inset.set_xlim(0, steps_total)
    inset.set_ylim(*ylim)
    inset.set_title("detail, linear scale", fontsize=8)
    inset.tick_params(labelsize=7)
    inset.grid(True, alpha=0.3)


def _largest(curves: Mapping[str, Sequence[float | None]]) -> float:
    values = [loss for losses in curves.values() for loss in losses if loss is not None]
    return max(values, default=1.0)
