"""What a person reads when a run ends: what was written, how long it took, what changed.

* :func:`labs_table`: after ``initspec lab all``, each lab's directory and wall time, and the
  total;
* :func:`claims_summary`: after ``pytest spec/``, the claims by verdict, the claims whose
  verdict changed since the previous report, and where the report is: the report as this run
  wrote it (each entry carries its ``previous_verdict``), else as ``reports/claims.json`` says;
* :func:`not_written_summary`: after a run whose report could not be written, why, what this
  run measured, and where its verdicts wait for the next run; nothing of the old report's.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from initspec.judging.outcome import VERDICTS
from initspec.report.entry import Report
from initspec.report.store import CLAIMS_JSON, INDEX_HTML, INDEX_MD, Stored, read_earlier
from initspec.runtime.progress import duration


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


def claims_summary(reports_dir: Path, report: Report | None = None) -> list[str]:
    """The lines of pytest's closing initspec section: ``report`` as written under
    ``reports_dir``, or (None) what ``reports_dir/claims.json`` says."""
    if report is None:
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
    beside = sum(
        1
        for entry in report.claims
        if not entry.fresh and any(r.get("fresh") for r in entry.results.values())
    )
    also = f" (and {beside} in another tier only, beside their verdict of record)" if beside else ""
    lines = [
        f"{len(report.claims)} claims: {by_verdict}; {fresh} measured in this run{also}",
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


def not_written_summary(stored: Stored) -> list[str]:
    """The closing lines after a run whose report could not be written: why, what this run
    measured (its own verdicts only), and where they wait for the next run."""
    measured = [entry for entry in stored.report.claims if entry.fresh]
    counts = {v: sum(1 for e in measured if e.verdict == v) for v in VERDICTS}
    by_verdict = ", ".join(f"{counts[v]} {v}" for v in VERDICTS if counts[v])
    lines = [
        f"the claims report was NOT written: {stored.reason}",
        f"this run measured {len(measured)} claims" + (f": {by_verdict}" if by_verdict else ""),
    ]
    if stored.kept_at is not None:
        lines.append(
            f"their verdicts are kept in {shown_path(stored.kept_at)}; the next run that writes "
            "the report merges them"
        )
    else:
        lines.append("their verdicts could not be kept: they are lost")
    return lines
