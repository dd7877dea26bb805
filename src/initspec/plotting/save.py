"""Saving figures: the one place that sets matplotlib's backend and writes a PNG.

Agg (no display) is selected once, here, before pyplot is imported anywhere in initspec. Every
figure is written as PNG at a fixed dpi with no "Software" tag, so the bytes depend only on
what was drawn: two runs with the same seed give identical files, and snapshot tests can
compare them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

# pyplot only after the backend is chosen
import matplotlib.pyplot as plt

DPI = 100
METADATA: dict[str, str | None] = {"Software": None}  # no matplotlib version in the bytes


def new_figure(size: tuple[float, float]) -> tuple[Any, Any]:
    """A figure of ``size`` inches at :data:`DPI` with one axes: ``(figure, axes)``."""
    return plt.subplots(figsize=size, dpi=DPI)


def save_figure(figure: Any, path: str | Path) -> Path:
    """Lay ``figure`` out, write it to ``path`` as PNG (parents created), close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        figure.tight_layout()
        figure.savefig(path, format="png", dpi=DPI, metadata=METADATA)
    finally:
        plt.close(figure)
    return path
