"""The diagnostics' figures, drawn as the blog draws them.

* :func:`plot_activation_histograms` and :func:`plot_gradient_histograms`: one density curve
  per layer (``torch.histogram(t, density=True)`` drawn as a line), the legend giving each
  layer's mean, std and saturation (activations) or mean and std (gradients);
* :func:`plot_update_ratios`: log10 update:data ratio of each weight over the steps, with the
  black reference line at -3 (a ratio of 1e-3);
* :func:`plot_saturation_map`: abs(h) > 0.99 as a black/white image, examples x units.

Each is saved by :func:`initspec.figures.save_figure`, so the PNG bytes depend only on the
data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import torch

from initspec.diagnostics import (
    DEAD_THRESHOLD,
    SATURATION_THRESHOLD,
    UPDATE_RATIO_TARGET,
    saturation,
)
from initspec.figures import new_figure, save_figure

WIDE = (12.0, 4.0)
BINS = 100


def _density_lines(
    path: str | Path,
    tensors: Mapping[str, torch.Tensor],
    labels: Mapping[str, str],
    title: str,
    xlabel: str,
) -> Path:
    figure, axes = new_figure(WIDE)
    for name, t in tensors.items():
        values = t.detach().double().flatten()
        if values.numel() == 0 or not bool(torch.isfinite(values).all()):
            continue
        low, high = float(values.min()), float(values.max())
        if low == high:
            low, high = low - 0.5, high + 0.5
        density, edges = torch.histogram(values, bins=BINS, range=(low, high), density=True)
        centres = (edges[:-1] + edges[1:]) / 2
        axes.plot(centres.numpy(), density.numpy(), linewidth=1.2, label=labels[name])
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel("density")
    axes.grid(True, alpha=0.3)
    axes.legend(loc="upper right", fontsize=8)
    return save_figure(figure, path)


def plot_activation_histograms(
    path: str | Path,
    outputs: Mapping[str, torch.Tensor],
    *,
    title: str = "Distribution of activations",
) -> Path:
    """Per-layer activation densities; legend: mean, std, saturated % (abs(t) > 0.97)."""
    labels = {
        name: f"{name}: mean {float(t.mean()):+.2f}, std {float(t.std()):.2f}, "
        f"saturated {100 * saturation(t, SATURATION_THRESHOLD):.1f}%"
        for name, t in outputs.items()
    }
    return _density_lines(path, outputs, labels, title, "activation value")


def plot_gradient_histograms(
    path: str | Path, grads: Mapping[str, torch.Tensor], *, title: str = "Distribution of gradients"
) -> Path:
    """Per-layer densities of the gradient at each activation output; legend: mean, std."""
    labels = {
        name: f"{name}: mean {float(g.mean()):+.1e}, std {float(g.std()):.2e}"
        for name, g in grads.items()
    }
    return _density_lines(path, grads, labels, title, "gradient at the activation output")


def plot_update_ratios(
    path: str | Path,
    history: Mapping[str, Sequence[float]],
    *,
    title: str = "update:data ratio over steps",
) -> Path:
    """log10(lr * std(grad) / std(param)) per weight over the steps, with the -3 line."""
    figure, axes = new_figure(WIDE)
    steps = max((len(values) for values in history.values()), default=1)
    for name, values in history.items():
        axes.plot(range(len(values)), list(values), linewidth=1.0, label=name)
    axes.plot([0, steps], [UPDATE_RATIO_TARGET] * 2, "k", linewidth=1.5, label="1e-3")
    axes.set_xlabel("step")
    axes.set_ylabel("log10(lr * grad std / data std)")
    axes.set_title(title)
    axes.grid(True, alpha=0.3)
    axes.legend(loc="upper right", fontsize=8)
    return save_figure(figure, path)


def plot_saturation_map(
    path: str | Path,
    outputs: torch.Tensor,
    *,
    threshold: float = DEAD_THRESHOLD,
    title: str = "Hidden layer activations (absolute values > 0.99)",
) -> Path:
    """abs(h) > threshold as a black/white image: rows are examples, columns units."""
    mask = (outputs.detach().flatten(1).abs() > threshold).float()
    figure, axes = new_figure(WIDE)
    axes.imshow(mask.numpy(), aspect="auto", cmap="gray", vmin=0.0, vmax=1.0,
                interpolation="nearest")  # fmt: skip
    axes.set_title(title)
    axes.set_xlabel("unit")
    axes.set_ylabel("example")
    return save_figure(figure, path)
