"""What a person reads when a run ends: what was written, how long it took, what changed.

* :func:`labs_table`: after ``initspec lab all``, each lab's directory and wall time, and the
  total;
* :func:`claims_summary`: after ``pytest spec/``, the claims by verdict, the claims whose
  verdict changed since the previous report, and where the report is. It reads the report as
  written (``reports/claims.json``; each entry carries its ``previous_verdict``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from initspec.outcome import VERDICTS
from initspec.progress import duration
from initspec.report.entry import Report
from initspec.report.store import CLAIMS_JSON, INDEX_HTML, INDEX_MD, read_earlier


def labs_table(rows: Sequence[tuple[str, Path, float]]) -> list[str]:
    """``(key, directory, seconds)`` per lab, as aligned lines, then the total."""
    if not rows:
        return []
    key_width = max(len(key) for key, _, _ in rows)
    path_width = max(len(str(path)) for _, path, _ in rows)
    lines = [
        f"  {key:<{key_width}}  {path!s:<{path_width}}  {duration(seconds)}"
        for key, path, seconds in rows
    ]
    total = sum(seconds for _, _, seconds in rows)
    labs = f"{len(rows)} lab{'s' * (len(rows) != 1)}"
    return [f"initspec: wrote {labs} in {duration(total)}:", *lines]


def shown_path(path: Path) -> str:
    """``path`` relative to the working directory where it lies under it, else as it is."""
    try:
        return os.path.relpath(path) if path.resolve().is_relative_to(Path.cwd()) else str(path)
    except (OSError, ValueError):
        return str(path)


def claims_summary(reports_dir: Path) -> list[str]:
    """The lines of pytest's closing initspec section, from ``reports_dir/claims.json``."""
    earlier = read_earlier(reports_dir / CLAIMS_JSON)
    if not earlier.entries:
        return [f"no claims report at {shown_path(reports_dir / CLAIMS_JSON)}"]
    report = Report(
        generated_at=earlier.generated_at or "",
        commit=earlier.commit,
        claims=list(earlier.entries),
        previous_generated_at=earlier.previous_generated_at,
    )
    counts = report.counts()
    fresh = sum(1 for entry in report.claims if entry.fresh)
    by_verdict = ", ".join(f"{counts[verdict]} {verdict}" for verdict in VERDICTS)
    lines = [
        f"{len(report.claims)} claims: {by_verdict}; {fresh} measured in this run",
    ]
    changed = report.changes()
    if changed:
        lines.append(f"verdict changed since the previous report ({len(changed)}):")
        lines += [f"  {e.id}: {e.previous_verdict} -> {e.verdict}" for e in changed]
    elif report.previous_generated_at is not None:
        lines.append(f"no verdict changed since the report of {report.previous_generated_at}")
    else:
        lines.append("no previous report to compare verdicts with")
    index_md, index_html = reports_dir / INDEX_MD, reports_dir / INDEX_HTML
    lines.append(f"report: {shown_path(index_md)}, {shown_path(index_html)}")
    return lines
