"""Rendering the report from its entries: the claim pages and figures, then the two indexes.

The order keeps every link whole at every moment. ``claims/`` (one page per claim and its
figures) is built beside the old one and swapped in as a whole
(:func:`initspec.runtime.atomic.atomic_directory`), so the pages of claims no longer in the registry
do not linger and a crash half-way leaves the old pages; only then are index.md and
index.html written, together (:func:`initspec.report.files.write_files`). A figure whose
criteria did not change since the last rendering is copied from the old directory rather than
drawn again. claims.json is not touched here: it is written first, by the caller.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from matplotlib.figure import Figure

from initspec.report.entry import ClaimEntry, Report
from initspec.report.figures import draw_criteria, figure_name, new_canvas
from initspec.report.files import write_files
from initspec.report.render import render_index
from initspec.report.render_html import render_html
from initspec.report.render_md import render_claim_page
from initspec.report.sensitivity import used_values
from initspec.report.sensitivity_figure import draw_sensitivity, sensitivity_figure_name
from initspec.report.view import CLAIMS_DIR, INDEX_HTML, INDEX_MD, ClaimView, claim_view, figure_dir
from initspec.runtime.atomic import atomic_directory

# Where the report's one-line warnings go: stderr, or pytest's terminal writer.
Say = Callable[[str], None]


def say(line: str) -> None:
    """One line on stderr (pytest shows it: the report is written after the tests' capture)."""
    print(line, file=sys.stderr, flush=True)


def render_report(report: Report, reports_dir: Path, warn: Say = say) -> None:
    """Write ``claims/``, then index.md and index.html, for ``report`` under ``reports_dir``.

    What cannot be written is told in one line to ``warn``, and the pages and indexes already
    there are left whole; nothing is raised for it (an interrupt aside).
    """
    reports_dir = Path(reports_dir)
    try:
        views = write_claim_pages(report, reports_dir, warn)
        write_files(
            {
                reports_dir / INDEX_MD: render_index(report),
                reports_dir / INDEX_HTML: render_html(report, views),
            }
        )
    except OSError as error:
        where = f" ({error.filename})" if error.filename else ""
        warn(f"initspec: the report's pages were not written: {error.strerror or error}{where}")
    except Exception as error:  # a fault in the rendering must not cost the run its verdicts
        warn(f"initspec: the report's pages were not written: {type(error).__name__}: {error}")


def write_claim_pages(report: Report, reports_dir: Path, warn: Say = say) -> list[ClaimView]:
    """Build ``claims/`` anew (a page per claim, its figure) and swap it in; the views."""
    final = reports_dir / CLAIMS_DIR
    canvas = new_canvas()
    views = []
    with atomic_directory(final) as staging:
        for entry in report.claims:
            figure = _figure(entry, staging, final, canvas, warn)
            sensitivity = _sensitivity_figure(entry, staging, final, canvas, warn)
            view = claim_view(entry, reports_dir, figure, report.current_commit, sensitivity)
            (staging / f"{entry.id}.md").write_text(render_claim_page(view), encoding="utf-8")
            views.append(view)
    return views


def _figure(entry: ClaimEntry, staging: Path, final: Path, canvas: Figure, warn: Say) -> str | None:
    """The claim's criteria figure in ``staging``: copied from ``final`` if it is there (same
    name, same criteria), else drawn. Its path relative to the reports directory, or None."""
    name = figure_name(entry.criteria)
    if name is None:
        return None
    target, earlier = staging / entry.id / name, final / entry.id / name
    try:
        if earlier.is_file():
            target.parent.mkdir(exist_ok=True)
            shutil.copyfile(earlier, target)
        else:
            draw_criteria(entry.criteria, target, canvas)
    except Exception as error:  # a figure that cannot be drawn must not cost the whole report
        shutil.rmtree(target.parent, ignore_errors=True)
        warn(f"initspec: no figure for {entry.id}: {type(error).__name__}: {error}")
        return None
    return f"{figure_dir(entry.id)}/{name}"


def _sensitivity_figure(
    entry: ClaimEntry, staging: Path, final: Path, canvas: Figure, warn: Say
) -> str | None:
    """The claim's sensitivity figure (its verdict at each value of an open setup choice) in
    ``staging``, copied or drawn as :func:`_figure` does; None without sensitivity rows."""
    used = used_values(entry.assumptions)
    name = sensitivity_figure_name(entry.sensitivity, used)
    if name is None:
        return None
    target, earlier = staging / entry.id / name, final / entry.id / name
    try:
        target.parent.mkdir(exist_ok=True)
        if earlier.is_file():
            shutil.copyfile(earlier, target)
        else:
            draw_sensitivity(entry.sensitivity, target, canvas, used)
    except Exception as error:  # a figure that cannot be drawn must not cost the whole report
        target.unlink(missing_ok=True)
        warn(f"initspec: no sensitivity figure for {entry.id}: {type(error).__name__}: {error}")
        return None
    return f"{figure_dir(entry.id)}/{name}"
