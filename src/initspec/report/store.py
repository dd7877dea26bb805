"""Writing the report: read the earlier claims.json, merge, write it and render the rest, locked.

Runs of the spec may finish at the same moment (two subsets at once), so the read-merge-write
holds ``claims.json.lock`` (a file lock beside claims.json) and each file is written to a
temporary file of its own in the same directory and renamed over the old one, so a reader
never sees half a file. claims.json, the record, is written first; then the pages rendered
from it (:mod:`initspec.report.publish`: ``claims/``, then index.md and index.html), so that
a page that cannot be rendered never costs a verdict, and ``python -m initspec.report`` can
render them again from claims.json. An earlier claims.json that does not match its schema is
moved aside to ``claims.json.corrupt-<UTC time>`` with one line on stderr; the entries of it that
do match are kept. Nothing in the reports directory, however damaged, makes the run fail: a
report that cannot be written is named in one line on stderr and the run's outcome is left as
it was.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from filelock import FileLock

from initspec.artifacts import dumps, git_commit
from initspec.outcome import TestOutcome
from initspec.report import schema
from initspec.report.entry import Report
from initspec.report.files import write_files
from initspec.report.merge import merge
from initspec.report.publish import Say, render_report, say
from initspec.report.view import INDEX_HTML, INDEX_MD

__all__ = [
    "CLAIMS_JSON",
    "INDEX_HTML",
    "INDEX_MD",
    "LOCK_TIMEOUT_S",
    "ReportNotWritten",
    "Say",
    "read_earlier",
    "say",
    "set_aside",
    "write_files",
    "write_report",
]

CLAIMS_JSON = "claims.json"
# Writing takes seconds at most; a lock held this long belongs to a run that hangs.
LOCK_TIMEOUT_S = 120.0


class ReportNotWritten(Exception):
    """The report cannot be written; the message says why, in one line."""


def read_earlier(path: Path) -> schema.Earlier:
    """What the claims.json at ``path`` still says (nothing if there is none)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return schema.Earlier()
    except OSError as error:
        return schema.Earlier(problems=[f"cannot be read: {error.strerror or error}"])
    return schema.read(raw)


def set_aside(path: Path) -> Path:
    """Move ``path`` to ``<name>.corrupt-<UTC time>`` beside it; return the new path."""
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    backup = path.with_name(f"{path.name}.corrupt-{stamp}")
    number = 1
    while backup.exists():
        number += 1
        backup = path.with_name(f"{path.name}.corrupt-{stamp}-{number}")
    os.replace(path, backup)
    return backup


def _problem_summary(problems: Sequence[str]) -> str:
    more = f"; and {len(problems) - 1} more" if len(problems) > 1 else ""
    return problems[0] + more


def _update(
    reports_dir: Path, outcomes: Sequence[TestOutcome], now: str, commit: str | None, warn: Say
) -> Report:
    """The read-merge-write itself, then the rendering; the caller holds the lock."""
    json_path = reports_dir / CLAIMS_JSON
    for path in (json_path, reports_dir / INDEX_MD, reports_dir / INDEX_HTML):
        if path.is_dir():
            raise ReportNotWritten(f"{path} is a directory, not a file; it was left as it is")
    earlier = read_earlier(json_path)
    report = merge(
        outcomes, earlier.entries, now, commit, previous_generated_at=earlier.generated_at
    )
    if earlier.problems:
        backup = set_aside(json_path)
        warn(
            f"initspec: {json_path} did not match its schema "
            f"({_problem_summary(earlier.problems)}); moved to {backup}; "
            f"{len(earlier.entries)} of its entries kept"
        )
    written = dumps(report.to_json())
    write_files({json_path: written})
    # Rendered from claims.json as written (keys sorted, NaN as null), exactly as
    # ``python -m initspec.report`` renders it later.
    render_report(Report.from_json(schema.parse(written.encode("utf-8"))), reports_dir, warn)
    return report


def write_report(
    reports_dir: Path,
    outcomes: Sequence[TestOutcome],
    now: str,
    *,
    commit: str | None = None,
    warn: Say = say,
) -> dict[str, Any]:
    """Merge ``outcomes`` into ``reports_dir``'s claims.json, rewrite it, and render the report
    from it: a page per claim with its figure (``claims/``), index.md and index.html.

    ``now`` is the run's time (ISO 8601, UTC), ``commit`` the commit measured (by default the
    working tree's, :func:`initspec.artifacts.git_commit`). A damaged earlier report or a report
    that cannot be written is told in one line to ``warn`` (by default, stderr; pytest's
    ``terminalreporter.write_line`` puts it on a line of its own). Returns the report as written
    to claims.json; if it could not be written, as it would have been.
    """
    reports_dir = Path(reports_dir)
    commit = git_commit() if commit is None else commit
    json_path = reports_dir / CLAIMS_JSON
    try:
        reports_dir.mkdir(parents=True, exist_ok=True)
        with FileLock(f"{json_path}.lock", timeout=LOCK_TIMEOUT_S):
            report = _update(reports_dir, outcomes, now, commit, warn)
    except (ReportNotWritten, OSError) as error:  # filelock.Timeout is an OSError
        reason = str(error) if isinstance(error, ReportNotWritten) else _os_reason(error)
        warn(f"initspec: the claims report was not written: {reason}")
        report = merge(outcomes, [], now, commit)
    return report.to_json()


def _os_reason(error: OSError) -> str:
    where = f" ({error.filename})" if error.filename else ""
    return f"{error.strerror or error}{where}"
