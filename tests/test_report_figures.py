"""The report's own figures: which criteria get a panel, how their ticks are labelled, and the
sensitivity figure.

Issue: a parameter count near 2.6e7 got matplotlib's "1e7" offset above the axis, over the
panel's subtitle; a page drew a full figure for every single-value criterion.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from report_samples import SENSITIVITY

from initspec.judging.judge import every, judge
from initspec.report.figures import (
    TickNumbers,
    _panel,
    draw_criteria,
    new_canvas,
    plotted,
    short_number,
)
from initspec.report.sensitivity_figure import draw_sensitivity, sensitivity_figure_name

PNG = b"\x89PNG\r\n\x1a\n"


def criterion(values: list[float], bound: float | list[float], comparison: str) -> dict[str, Any]:
    return dataclasses.asdict(
        judge("parameters", values, bound=bound, comparison=comparison, rule=every())
    )


def test_a_single_value_or_equal_seeds_get_no_panel() -> None:
    one = criterion([2.6e7], [9.75e6, 1.625e7], "in")
    equal = criterion([1.0, 1.0, 1.0], 1.0, "==")
    spread = criterion([0.2, 0.3, 0.25], 0.5, "<")
    assert plotted([one, equal, spread]) == [spread]


def test_tick_labels_have_no_offset_and_tell_neighbours_apart() -> None:
    ticks = TickNumbers()
    ticks.set_locs([1.0e7, 1.5e7, 2.0e7, 2.5e7])
    assert [ticks(v) for v in (1.0e7, 1.5e7, 2.5e7)] == ["1e7", "1.5e7", "2.5e7"]
    ticks.set_locs([1.0001e7, 1.0002e7, 1.0003e7])
    labels = [ticks(v) for v in (1.0001e7, 1.0002e7, 1.0003e7)]
    assert len(set(labels)) == 3, labels
    assert short_number(0.0833) == "0.0833" and short_number(2.6e7, 4) == "2.6e7"
    figure = new_canvas()
    axes = figure.add_subplot(1, 1, 1)
    longest = _panel(axes, criterion([2.6e7, 2.7e7, 2.65e7], [9.75e6, 1.625e7], "in"))
    figure.canvas.draw()
    assert axes.yaxis.get_offset_text().get_text() == "", "no '1e7' above the axis"
    assert longest >= 3, "the longest tick label, for the left margin"


def test_criteria_and_sensitivity_figures_are_drawn(tmp_path: Path) -> None:
    spread = criterion([2.6e7, 2.7e7, 2.65e7], [9.75e6, 1.625e7], "in")
    assert draw_criteria([spread], tmp_path / "c.png")
    assert (tmp_path / "c.png").read_bytes().startswith(PNG)
    name = sensitivity_figure_name(SENSITIVITY)
    assert name is not None and name.startswith("sensitivity-")
    assert sensitivity_figure_name([]) is None
    assert draw_sensitivity(SENSITIVITY, tmp_path / name, used={"learning rate": "0.01"})
    assert sensitivity_figure_name(SENSITIVITY, {"learning rate": "0.01"}) != name
    assert (tmp_path / name).read_bytes().startswith(PNG)
    assert not draw_sensitivity([], tmp_path / "none.png")
