"""Writing the report: read the earlier claims.json, merge, write it and render the rest, locked.

Runs of the spec may finish at the same moment (two subsets at once), so the read-merge-write
holds ``claims.json.lock`` (a file lock beside claims.json) and each file is written to a
temporary file of its own in the same directory and renamed over the old one, so a reader
never sees half a file (:mod:`initspec.report.files`). claims.json, the record, is written
first; then the pages rendered from it (:mod:`initspec.report.publish`: ``claims/``, then
index.md and index.html), so that a page that cannot be rendered never costs a verdict, and
``python -m initspec.report`` can render them again from claims.json. Last, the test figures
under ``artifacts/`` that no entry lists any more are removed (:mod:`initspec.report.orphans`).

An earlier claims.json that does not match its schema keeps every entry that does (even from
a truncated file or one with a NaN token, :mod:`initspec.report.schema`); once the new file is
written, the old one stays as ``claims.json.corrupt-<UTC time>``, named in one line on stderr.
A claims.json, index.md or index.html that is not a regular file (a directory, a FIFO) is left
alone, and nothing is written.

A report that cannot be written (a lock held for over :data:`LOCK_TIMEOUT_S`, a full disk, a
file in the way) is told in one line, and the run's outcomes are kept for the next run
(:mod:`initspec.report.pending`); :func:`store_report` says so in what it returns, so that the
caller can end the run with a failure.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import filelock

from initspec.judging.outcome import TestOutcome
from initspec.report import orphans, pending, schema
from initspec.report.entry import Report
from initspec.report.files import write_files
from initspec.report.merge import Batch, merge
from initspec.report.publish import Say, render_report, say
from initspec.report.view import INDEX_HTML, INDEX_MD
from initspec.runtime.artifacts import dumps, git_commit

__all__ = [
    "CLAIMS_JSON",
    "INDEX_HTML",
    "INDEX_MD",
    "LOCK_TIMEOUT_S",
    "ReportNotWritten",
    "Say",
    "Stored",
    "read_earlier",
    "say",
    "set_aside",
    "store_report",
    "write_files",
    "write_report",
]

CLAIMS_JSON = "claims.json"
# Writing takes seconds at most; a lock held this long belongs to a run that hangs.
LOCK_TIMEOUT_S = 120.0


class ReportNotWritten(Exception):
    """The report cannot be written; the message says why, in one line."""


@dataclass
class Stored:
    """What :func:`store_report` did: the report as written (or as it would have been), and,
    where it was not written, why and where the run's outcomes wait for the next run."""

    report: Report
    written: bool
    reason: str | None = None
    kept_at: Path | None = None
    backup: Path | None = None


def _kind(mode: int) -> str | None:
    """What a file of this mode is, if it is not a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file"


def not_regular(path: Path) -> str | None:
    """``"a FIFO"``, ``"a directory"``... where ``path`` exists and is not a regular file
    (followed through a symbolic link), else None. Never opens it, so a FIFO cannot block."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    return _kind(mode)


def read_earlier(path: Path) -> schema.Earlier:
    """What the claims.json at ``path`` still says (nothing if there is none).

    A FIFO, a device or a directory at ``path`` is not read (a FIFO would block): its
    ``problems`` say what it is."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return schema.Earlier()
    except OSError as error:
        return schema.Earlier(problems=[f"cannot be read: {error.strerror or error}"])
    kind = _kind(os.fstat(fd).st_mode)
    if kind is not None:
        os.close(fd)
        return schema.Earlier(problems=[f"is {kind}, not a regular file"])
    with os.fdopen(fd, "rb") as file:
        try:
            raw = file.read()
        except OSError as error:
            return schema.Earlier(problems=[f"cannot be read: {error.strerror or error}"])
    return schema.read(raw)


def _backup_name(path: Path) -> Path:
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    backup = path.with_name(f"{path.name}.corrupt-{stamp}")
    number = 1
    while os.path.lexists(backup):
        number += 1
        backup = path.with_name(f"{path.name}.corrupt-{stamp}-{number}")
    return backup


def set_aside(path: Path) -> Path:
    """Move ``path`` to ``<name>.corrupt-<UTC time>`` beside it; return the new path."""
    backup = _backup_name(path)
    os.replace(path, backup)
    return backup


def _problem_summary(problems: Sequence[str]) -> str:
    more = f"; and {len(problems) - 1} more" if len(problems) > 1 else ""
    return problems[0] + more


def _check_targets(reports_dir: Path) -> None:
    for path in (reports_dir / CLAIMS_JSON, reports_dir / INDEX_MD, reports_dir / INDEX_HTML):
        kind = not_regular(path)
        if kind is not None:
            raise ReportNotWritten(f"{path} is {kind}, not a regular file; it was left as it is")


def _write_record(json_path: Path, text: str, keep_old: bool) -> Path | None:
    """Write claims.json; with ``keep_old``, the file it replaces stays as a backup (returned).

    The backup is a second name of the old file made before the write (a hard link, else the
    file is renamed): if the write fails, claims.json is as it was and there is no backup.
    """
    if not keep_old or not os.path.lexists(json_path):
        write_files({json_path: text})
        return None
    backup = _backup_name(json_path)
    try:
        os.link(json_path, backup)
        linked = True
    except OSError:
        os.replace(json_path, backup)
        linked = False
    try:
        write_files({json_path: text})
    except BaseException:
        if linked:
            with contextlib.suppress(OSError):
                os.unlink(backup)
        elif not os.path.lexists(json_path):
            os.replace(backup, json_path)
        raise
    return backup


def _compared_with(earlier: schema.Earlier, commit: str | None) -> str | None:
    """When the report this run is compared with was generated: the earlier one's, unless that
    measured this same commit (a partial run beside this one), whose comparison stands."""
    if commit is not None and earlier.commit == commit and earlier.previous_generated_at:
        return earlier.previous_generated_at
    return earlier.generated_at


def _update(
    reports_dir: Path, batch: Batch, warn: Say, machine: Mapping[str, str] | None
) -> Stored:
    """The read-merge-write itself, then the rendering; the caller holds the lock."""
    json_path = reports_dir / CLAIMS_JSON
    _check_targets(reports_dir)
    earlier = read_earlier(json_path)
    waiting = pending.waiting(reports_dir)
    batches, unreadable = pending.load(waiting)
    for line in unreadable:
        warn(f"initspec: earlier verdicts that waited to be written were lost: {line}")
    report = merge(
        batch.outcomes,
        earlier.entries,
        batch.measured_at,
        batch.commit,
        previous_generated_at=_compared_with(earlier, batch.commit),
        pending=batches,
        machine=dict(machine) if machine else None,
        collected=batch.collected,
    )
    text = dumps(report.to_json())
    replaced = _mtime(json_path)
    backup = _write_record(json_path, text, keep_old=bool(earlier.problems))
    if backup is not None:
        warn(
            f"initspec: {json_path} did not match its schema "
            f"({_problem_summary(earlier.problems)}); moved to {backup}; "
            f"{len(earlier.entries)} of its entries kept"
        )
    if batches:
        warn(
            f"initspec: merged the verdicts of {len(batches)} earlier run(s) that could not be "
            "written then"
        )
    pending.remove(waiting)
    # Rendered from claims.json as written (keys sorted, NaN as null), exactly as
    # ``python -m initspec.report`` renders it later.
    render_report(Report.from_json(schema.parse(text.encode("utf-8"))), reports_dir, warn)
    orphans.remove_orphans(reports_dir, report, replaced)  # figures no entry lists any more
    return Stored(report, True, backup=backup)


def store_report(
    reports_dir: Path,
    outcomes: Sequence[TestOutcome],
    now: str,
    *,
    commit: str | None = None,
    warn: Say = say,
    machine: Mapping[str, str] | None = None,
    collected: Mapping[str, frozenset[str]] | None = None,
) -> Stored:
    """Merge ``outcomes`` into ``reports_dir``'s claims.json, rewrite it, and render the report
    from it: a page per claim with its figure (``claims/``), index.md and index.html.

    ``now`` is the run's time (ISO 8601, UTC), ``commit`` the commit measured (by default the
    working tree's, :func:`initspec.runtime.artifacts.git_commit`), ``machine`` what it measured on,
    ``collected`` the claim tests of each module the run collected whole (so the earlier results
    of tests that no longer exist are dropped: :class:`~initspec.report.merge.Batch`). A
    damaged earlier report, or a report that cannot be written, is told in one line to ``warn``
    (by default, stderr; pytest's ``terminalreporter.write_line`` puts it on a line of its own);
    the outcomes of a run whose report cannot be written are kept for the next run.
    """
    reports_dir = Path(reports_dir)
    commit = git_commit() if commit is None else commit
    batch = Batch(outcomes, now, commit, dict(collected or {}))
    json_path = reports_dir / CLAIMS_JSON
    try:
        if os.path.lexists(reports_dir) and not reports_dir.is_dir():
            raise ReportNotWritten(f"{reports_dir} is not a directory")
        reports_dir.mkdir(parents=True, exist_ok=True)
        with filelock.FileLock(f"{json_path}.lock", timeout=LOCK_TIMEOUT_S):
            return _update(reports_dir, batch, warn, machine)
    except filelock.Timeout:
        reason = (
            f"{json_path}.lock was held for over {LOCK_TIMEOUT_S:g} s by another run (one "
            "that hangs?); if no other run is writing, remove the lock file"
        )
    except ReportNotWritten as error:
        reason = str(error)
    except OSError as error:
        reason = _os_reason(error)
    report = merge(outcomes, [], now, commit, machine=dict(machine) if machine else None)
    try:
        kept_at: Path | None = pending.keep(reports_dir, batch)
        where = f"this run's verdicts are kept in {kept_at} for the next run to merge"
    except OSError as error:
        kept_at = None
        where = f"this run's verdicts could not be kept either: {_os_reason(error)}"
    warn(f"initspec: the claims report was not written: {reason}; {where}")
    return Stored(report, False, reason=reason, kept_at=kept_at)


def write_report(
    reports_dir: Path,
    outcomes: Sequence[TestOutcome],
    now: str,
    *,
    commit: str | None = None,
    warn: Say = say,
    machine: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """:func:`store_report`, returning the report as written to claims.json (if it could not
    be written, as it would have been)."""
    stored = store_report(reports_dir, outcomes, now, commit=commit, warn=warn, machine=machine)
    return stored.report.to_json()


def _mtime(path: Path) -> float | None:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def _os_reason(error: OSError) -> str:
    where = f" ({error.filename})" if error.filename else ""
    return f"{error.strerror or error}{where}"
