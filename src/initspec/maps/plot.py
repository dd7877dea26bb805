"""A map's figure: one panel, the measured cells on one colour scale, the theory's lines over it.

``blog-tanh``: colour is log2 of the measured per-layer gradient std ratio at init (blue: the
gradient vanishes toward the input, red: it grows; white: kept), a dot where the post's loop
trains the model (in every seed), a cross where it does not; the chi1 = 1 line (dashed) and the
trainable depth 6 xi_c (solid). ``lab01-relu``: colour is the outcome (NaN, flat at chance,
trains, neither; the majority over seeds); Kaiming's sigma_w2 = 2 (dashed). The documents'
points are marked and labelled. ``lab03-blocks``: plain and residual side by side on one log
colour scale of the layer-1 gradient norm at the horizon, a triangle where it fell below 1e-7.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import itertools

import matplotlib.pyplot as plt
from matplotlib.colors import BoundaryNorm, ListedColormap, LogNorm, TwoSlopeNorm

from initspec.maps.measure import MapResult

OUTCOMES = ("NaN", "flat at chance", "neither", "trains")
OUTCOME_COLOURS = ("#b2182b", "#9e9e9e", "#f4a582", "#2166ac")


def _edges(values: list[float]) -> list[float]:
    """Cell edges on a log axis: geometric midpoints, and as far again at both ends."""
    logs = [math.log(v) for v in values]
    if len(logs) == 1:
        return [values[0] / 1.5, values[0] * 1.5]
    mids = [(a + b) / 2 for a, b in itertools.pairwise(logs)]
    edges = [2 * logs[0] - mids[0], *mids, 2 * logs[-1] - mids[-1]]
    return [math.exp(e) for e in edges]


def _cell_mean(result: MapResult, key: str) -> list[list[float]]:
    xs, ys = result.axes["x"]["values"], result.axes["y"]["values"]
    grid = []
    for y in ys:
        row = []
        for x in xs:
            values = [
                c[key]
                for c in result.measured
                if c["x"] == x and c["y"] == y and c[key] is not None
            ]
            row.append(math.exp(sum(map(math.log, values)) / len(values)) if values else math.nan)
        grid.append(row)
    return grid


def _majority(result: MapResult, x: float, y: int) -> str:
    outcomes = [c["outcome"] for c in result.measured if c["x"] == x and c["y"] == y]
    return max(OUTCOMES, key=outcomes.count)


def _draw_lab03(result: MapResult, path: Path) -> Path:
    """Two panels (plain, residual) on one log colour scale of the layer-1 gradient norm; a
    triangle where it fell below 1e-7 (the claim's line, also marked on the colour bar)."""
    xs, ys = result.axes["x"]["values"], result.axes["y"]["values"]
    x_edges, y_edges = _edges(xs), _edges([float(y) for y in ys])
    grids = {name: _cell_mean(result, f"{name}_grad_norm") for name in ("plain", "residual")}
    values = [v for g in grids.values() for row in g for v in row if v > 0]
    low, high = min([*values, 1e-8]), max([*values, 1e-1])
    figure, panels = plt.subplots(1, 2, figsize=(11, 5), constrained_layout=True, sharey=True)
    meshes = []
    for axes, (name, grid) in zip(panels, grids.items(), strict=True):
        meshes.append(
            axes.pcolormesh(x_edges, y_edges, grid, cmap="viridis", norm=LogNorm(low, high))
        )
        for cell in result.measured:
            if cell[f"{name}_first_step_below_1e-7"] is not None:
                axes.plot(cell["x"], cell["y"], "v", color="white", markeredgecolor="black")
        for mark in result.marks:
            axes.plot(mark["x"], mark["y"], "*", color="gold", markeredgecolor="black", ms=14)
            axes.annotate(
                mark["label"],
                (mark["x"], mark["y"]),
                textcoords="offset points",
                xytext=(6, 6),
                fontsize=8,
            )
        axes.plot([], [], "v", color="white", markeredgecolor="black", label="below 1e-7")
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlim(x_edges[0], x_edges[-1])
        axes.set_ylim(y_edges[0], y_edges[-1])
        axes.set_xlabel(result.axes["x"]["label"], fontsize=8)
        axes.set_title(name, fontsize=10)
        axes.legend(loc="upper right", fontsize=7)
    panels[0].set_ylabel(result.axes["y"]["label"])
    bar = figure.colorbar(
        meshes[0], ax=list(panels), label=f"layer-1 gradient norm at step {result.steps}"
    )
    bar.ax.axhline(result.theory["vanished"], color="red", linewidth=2)
    figure.suptitle(
        f"{result.title}\n{result.axes['grid']} grid, seeds {result.seeds}; red on the bar: 1e-7",
        fontsize=9,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def draw_map(result: MapResult, path: Path) -> Path:
    """Draw ``result`` to ``path`` (PNG) and return the path."""
    if result.name == "lab03-blocks":
        return _draw_lab03(result, path)
    xs, ys = result.axes["x"]["values"], result.axes["y"]["values"]
    figure, axes = plt.subplots(figsize=(8, 5.5), constrained_layout=True)
    x_edges, y_edges = _edges(xs), _edges([float(y) for y in ys])
    if result.name == "blog-tanh":
        ratio = _cell_mean(result, "gradient_std_ratio")
        logs = [[math.log2(v) if v > 0 else math.nan for v in row] for row in ratio]
        bound = max(0.5, max(abs(v) for row in logs for v in row if math.isfinite(v)))
        mesh = axes.pcolormesh(
            x_edges, y_edges, logs, cmap="RdBu_r", norm=TwoSlopeNorm(0.0, -bound, bound)
        )
        figure.colorbar(mesh, ax=axes, label="log2 per-layer gradient std ratio at init")
        for y in ys:
            for x in xs:
                cells = [c for c in result.measured if c["x"] == x and c["y"] == y]
                trains = all(c["trains"] for c in cells)
                axes.plot(x, y, "o" if trains else "x", color="black", markersize=6)
        th = result.theory
        axes.axvline(th["critical_gain"], color="black", linestyle="--", label="chi1 = 1 (theory)")
        depth = [(g, d) for g, d in zip(th["gain"], th["trainable_depth"], strict=True) if d]
        axes.plot(*zip(*depth, strict=True), color="black", label="6 xi_c (theory)")
        axes.plot([], [], "o", color="black", label="trains (every seed)")
        axes.plot([], [], "x", color="black", label="does not train")
    else:
        codes = [[OUTCOMES.index(_majority(result, x, y)) for x in xs] for y in ys]
        cmap = ListedColormap(OUTCOME_COLOURS)
        mesh = axes.pcolormesh(
            x_edges, y_edges, codes, cmap=cmap, norm=BoundaryNorm(range(len(OUTCOMES) + 1), 4)
        )
        bar = figure.colorbar(mesh, ax=axes, ticks=[i + 0.5 for i in range(len(OUTCOMES))])
        bar.ax.set_yticklabels(OUTCOMES)
        axes.axvline(1.0, color="black", linestyle="--", label="Kaiming sigma_w2 = 2 (chi1 = 1)")
    for mark in result.marks:
        axes.plot(mark["x"], mark["y"], "*", color="gold", markeredgecolor="black", markersize=14)
        axes.annotate(
            mark["label"],
            (mark["x"], mark["y"]),
            textcoords="offset points",
            xytext=(6, 6),
            fontsize=8,
        )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlim(x_edges[0], x_edges[-1])
    axes.set_ylim(y_edges[0], y_edges[-1])
    axes.set_xlabel(result.axes["x"]["label"])
    axes.set_ylabel(result.axes["y"]["label"])
    axes.set_title(
        f"{result.title}\n{result.axes['grid']} grid, seeds {result.seeds}, {result.steps} steps",
        fontsize=9,
    )
    axes.legend(loc="upper right", fontsize=7)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
