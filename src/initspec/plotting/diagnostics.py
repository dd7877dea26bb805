"""The diagnostics' figures, drawn as the blog draws them and read as initspec's figures read.

* :func:`plot_activation_histograms` and :func:`plot_gradient_histograms`: one density curve
  per layer (``torch.histogram(t, density=True)`` drawn as a line), layers numbered from the
  input ("layer 1" is the first tanh), the legend giving each layer's mean, std and saturation
  (activations: the share with abs(t) > 0.97, whose bounds are dotted) or mean and std
  (gradients);
* :func:`plot_update_ratios`: small multiples, one panel a weight, of its log10 update:data
  ratio over the steps, all on the same y range, with the post's target -3 (a ratio of 1e-3)
  dashed in each;
* :func:`plot_saturation_map`: abs(h) > 0.99 as a black/white image, examples x units, with a
  colour bar that says which colour is saturated.

As in :mod:`initspec.plotting.curves`: a layer keeps its colour in every figure of a model (a
sequential colour map by depth, :func:`layer_color`); at most
:data:`~initspec.plotting.curves.MAX_SERIES` layers share an axes (deeper models show that many,
evenly spaced, first and last included), and
:data:`MAX_PANELS` weights a figure; legends sit right of the data; a value a figure cannot
place (non-finite) is marked, not dropped in silence. Each figure is saved by
:func:`initspec.plotting.save.save_figure`, so the PNG bytes depend only on the data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from matplotlib import colormaps
from matplotlib.colors import BoundaryNorm, ListedColormap, to_hex
from matplotlib.lines import Line2D

from initspec.plotting.curves import (
    LEGEND_WIDTH,
    MAX_SERIES,
    STEP_LABEL,
    legend_outside,
    wrapped_title,
)
from initspec.plotting.save import new_figure, save_figure
from initspec.training.diagnostics import (
    DEAD_THRESHOLD,
    SATURATION_THRESHOLD,
    UPDATE_RATIO_TARGET,
    saturation,
)

BINS = 100
HISTOGRAM_SIZE = (9.0 + LEGEND_WIDTH, 4.2)  # inches: the axes, then the legend right of it
MAP_SIZE = (12.0, 4.0)
LAYER_COLORMAP = "viridis"  # dark (layer 1) to light (the last layer)
LIGHTEST = 0.8  # of the colour map: its last fifth is too pale on white
MAX_PANELS = 8  # weights of one update-ratio figure
PANEL_COLUMNS = 4
PANEL_SIZE = (3.2, 2.4)  # inches per panel of the update-ratio figure
RATIO_COLOR = "black"  # one weight a panel: the colour needs to carry nothing
TARGET_COLOR = "tab:purple"  # not a variant's colour (initspec.plotting.curves.VARIANT_COLORS)


def shown_layers(count: int, limit: int = MAX_SERIES) -> list[int]:
    """The indices of the ``count`` layers a figure draws: all of them up to ``limit``, else
    ``limit`` evenly spaced ones, the first and the last included."""
    if count <= limit:
        return list(range(count))
    return sorted({round(i * (count - 1) / (limit - 1)) for i in range(limit)})


def layer_color(index: int, count: int) -> str:
    """Layer ``index`` (0-based) of ``count``'s colour: :data:`LAYER_COLORMAP` at
    ``LIGHTEST * index / (count - 1)``, the same in every figure of the model."""
    return str(to_hex(colormaps[LAYER_COLORMAP](LIGHTEST * index / max(count - 1, 1))))


def _density_lines(
    path: str | Path,
    tensors: Mapping[str, torch.Tensor],
    labels: Mapping[str, str],
    title: str,
    xlabel: str,
    bounds: float | None = None,
) -> Path:
    """One density line per shown layer of ``tensors`` (by name, in forward order), labelled
    ``labels[name]``; ``bounds``: dotted lines at +-bounds (the saturation threshold)."""
    names = list(tensors)
    shown = shown_layers(len(names))
    figure, axes = new_figure(HISTOGRAM_SIZE)
    handles: list[Any] = []
    for index in shown:
        name, color = names[index], layer_color(index, len(names))
        values = tensors[name].detach().double().flatten()
        if values.numel() == 0 or not bool(torch.isfinite(values).all()):
            text = f"{labels[name]}: {'no values' if values.numel() == 0 else 'non-finite values'}"
            handles.append(Line2D([], [], color=color, linestyle="none", marker="x", label=text))
            continue  # a histogram of NaN has no bins: said in the legend instead
        low, high = float(values.min()), float(values.max())
        if low == high:
            low, high = low - 0.5, high + 0.5
        density, edges = torch.histogram(values, bins=BINS, range=(low, high), density=True)
        centres = (edges[:-1] + edges[1:]) / 2
        (line,) = axes.plot(
            centres.numpy(), density.numpy(), color=color, linewidth=1.2, label=labels[name]
        )
        handles.append(line)
    if bounds is not None:
        for x in (-bounds, bounds):
            axes.axvline(x, color="gray", linestyle=":", linewidth=1.0)
        handles.append(
            Line2D([], [], color="gray", linestyle=":", label=f"saturated: abs > {bounds:g}")
        )
    if len(shown) < len(names):
        count = f"{len(shown)} of {len(names)} layers shown, evenly spaced"
        handles.insert(0, Line2D([], [], linestyle="none", label=count))
    axes.set_xlabel(xlabel)
    axes.set_ylabel("probability density")
    axes.grid(True, alpha=0.3)
    legend_outside(axes, handles)
    wrapped_title(figure, title)
    return save_figure(figure, path)


def plot_activation_histograms(
    path: str | Path,
    outputs: Mapping[str, torch.Tensor],
    *,
    title: str = "Distribution of activations",
) -> Path:
    """Per-layer activation densities (``outputs``: each tanh's output, in forward order);
    legend: layer k, mean, std, saturated % (abs(t) > 0.97)."""
    labels = {
        name: f"layer {k}: mean {float(t.mean()):+.2f}, std {float(t.std()):.2f}, "
        f"saturated {100 * saturation(t, SATURATION_THRESHOLD):.1f}%"
        for k, (name, t) in enumerate(outputs.items(), start=1)
    }
    return _density_lines(
        path, outputs, labels, title, "activation value (tanh output)", SATURATION_THRESHOLD
    )


def mean_and_std(mean: float, std: float) -> str:
    """``mean +0.02e-3, std 1.07e-3``: both in the std's power of ten ``10^e``, two decimals.

    A mean that is zero but for rounding (a layer under BatchNorm: about 1e-12 against a std of
    1e-3) prints ``+0.00``, not its rounding noise, which differs from one CPU's kernels to
    another's.
    """
    if not (math.isfinite(mean) and math.isfinite(std)) or std <= 0:
        return f"mean {mean:+.2e}, std {std:.2e}"
    exponent = math.floor(math.log10(std))
    if round(std / 10.0**exponent, 2) >= 10:  # 9.996e-4 prints as 1.00e-3
        exponent += 1
    scale = 10.0**exponent
    centred = round(mean / scale, 2) + 0.0  # + 0.0: -0.00 prints as +0.00
    return f"mean {centred:+.2f}e{exponent:+d}, std {std / scale:.2f}e{exponent:+d}"


def plot_gradient_histograms(
    path: str | Path, grads: Mapping[str, torch.Tensor], *, title: str = "Distribution of gradients"
) -> Path:
    """Per-layer densities of the loss's gradient at each activation output (in forward order);
    legend: layer k, mean and std in the std's power of ten (:func:`mean_and_std`)."""
    labels = {
        name: f"layer {k}: {mean_and_std(float(g.mean()), float(g.std()))}"
        for k, (name, g) in enumerate(grads.items(), start=1)
    }
    return _density_lines(path, grads, labels, title, "gradient of the loss at the tanh output")


def plot_update_ratios(
    path: str | Path,
    history: Mapping[str, Sequence[float]],
    *,
    labels: Mapping[str, str] | None = None,
    title: str = "update:data ratio over steps",
) -> Path:
    """log10(lr * std(grad) / std(param)) of each weight (``history``: name -> one value a
    step, in forward order) over the steps, a panel a weight titled ``labels[name]`` (default
    the name), the same y range in every panel, with the target -3 dashed. Non-finite values
    (a zero or NaN gradient) are marked on the bottom edge."""
    labels = labels or {}
    names = list(history)
    shown = [names[i] for i in shown_layers(len(names), MAX_PANELS)]
    finite = [v for name in shown for v in history[name] if math.isfinite(v)]
    low = min([*finite, UPDATE_RATIO_TARGET])
    high = max([*finite, UPDATE_RATIO_TARGET])
    margin = (high - low) * 0.05 or 0.5
    steps = max((len(history[name]) for name in shown), default=1)
    columns = max(1, min(PANEL_COLUMNS, len(shown)))
    rows = max(1, math.ceil(len(shown) / columns))
    width, height = PANEL_SIZE
    figure, first = new_figure((columns * width + LEGEND_WIDTH, rows * height + 0.9))
    figure.delaxes(first)
    grid = figure.subplots(rows, columns, squeeze=False, sharex=True, sharey=True)
    notes: dict[str, Any] = {}
    for index, axes in enumerate(grid.flat):
        if index >= len(shown):  # an empty cell: its neighbour above carries the step axis
            figure.delaxes(axes)
            grid.flat[index - columns].xaxis.set_tick_params(labelbottom=True)
            grid.flat[index - columns].set_xlabel(STEP_LABEL)
            continue
        name = shown[index]
        values = list(history[name])
        axes.plot(range(len(values)), values, color=RATIO_COLOR, linewidth=0.8)
        axes.axhline(UPDATE_RATIO_TARGET, color=TARGET_COLOR, linestyle="--", linewidth=1.3)
        lost = [step for step, value in enumerate(values) if not math.isfinite(value)]
        if lost:
            axes.plot(
                lost,
                [low - margin] * len(lost),
                linestyle="none",
                marker="v",
                color=RATIO_COLOR,
                clip_on=False,
            )
            text = f"{labels.get(name, name)}: not finite at {len(lost)} step(s), from {lost[0]}"
            notes[text] = Line2D(
                [], [], linestyle="none", marker="v", color=RATIO_COLOR, label=text
            )
        axes.set_title(labels.get(name, name), fontsize=10)
        axes.set_xlim(0, max(steps - 1, 1))
        axes.set_ylim(low - margin, high + margin)
        axes.grid(True, alpha=0.3)
        if index % columns == 0:
            axes.set_ylabel("log10 update:data ratio")
        if index >= (rows - 1) * columns:
            axes.set_xlabel(STEP_LABEL)
    handles: list[Any] = [
        Line2D([], [], color=RATIO_COLOR, linewidth=1.0, label="log10(lr x grad std / weight std)"),
        Line2D(
            [],
            [],
            color=TARGET_COLOR,
            linestyle="--",
            linewidth=1.3,
            label=f"target: {UPDATE_RATIO_TARGET:g} (a ratio of 1e{UPDATE_RATIO_TARGET:.0f})",
        ),
    ]
    if len(shown) < len(names):
        count = f"{len(shown)} of {len(names)} weights shown, evenly spaced"
        handles.insert(0, Line2D([], [], linestyle="none", label=count))
    legend_outside(grid[0][columns - 1], [*handles, *notes.values()])
    wrapped_title(figure, title)
    return save_figure(figure, path)


def plot_saturation_map(
    path: str | Path,
    outputs: torch.Tensor,
    *,
    threshold: float = DEAD_THRESHOLD,
    title: str = "Hidden layer activations (absolute values > 0.99)",
) -> Path:
    """abs(h) > threshold as a black/white image (rows: examples, columns: units), with a
    two-colour bar, white "no" and black "yes", the same in every map; its label gives the
    saturated share of the map."""
    mask = (outputs.detach().flatten(1).abs() > threshold).float()
    figure, axes = new_figure(MAP_SIZE)
    image = axes.imshow(
        mask.numpy(),
        aspect="auto",
        cmap=ListedColormap(["white", "black"]),
        norm=BoundaryNorm([0.0, 0.5, 1.0], 2),
        interpolation="nearest",
    )
    bar = figure.colorbar(image, ax=axes, ticks=[0.25, 0.75], fraction=0.04, pad=0.02)
    bar.ax.set_yticklabels(["no", "yes"])
    share = float(mask.mean()) if mask.numel() else math.nan
    bar.set_label(f"abs(h) > {threshold:g}\n({100 * share:.1f}% of the map)")
    axes.set_title(title)
    axes.set_xlabel(f"hidden unit ({mask.shape[1]})")
    axes.set_ylabel(f"example of the batch ({mask.shape[0]})")
    return save_figure(figure, path)
