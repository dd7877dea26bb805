"""Verdicts a run could not write into the report, kept until a later run writes them.

When claims.json cannot be written (its lock held too long, a full disk, a file in the way), the
run's outcomes go to ``.claims.pending-<UTC time>-<pid>-<hex>.json`` in the reports directory
(hidden, and ignored by git), or, where that directory cannot be written either, to
``$XDG_CACHE_HOME/initspec/pending/<hash of the reports directory's path>/`` (``~/.cache`` by
default, the temporary directory where there is no home). The next run that writes the report
merges every waiting file, oldest first, before its own outcomes (each keeps its own time and
commit), and removes them once claims.json is written. A waiting file that cannot be read is
renamed ``<name>.corrupt`` and named in the warning; it is never merged.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import json
import os
import secrets
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from initspec.judging.outcome import Criterion, SensitivityRow, TestOutcome
from initspec.report.files import write_files
from initspec.report.merge import Batch
from initspec.runtime.artifacts import dumps, strict

PREFIX = ".claims.pending-"
SUFFIX = ".json"


def fallback_dir(reports_dir: Path) -> Path:
    """Where a run's outcomes wait when ``reports_dir`` cannot be written."""
    home = os.path.expanduser("~")
    default = os.path.join(home, ".cache") if home != "~" else tempfile.gettempdir()
    cache = os.environ.get("XDG_CACHE_HOME") or default
    key = hashlib.sha256(str(Path(reports_dir).resolve()).encode("utf-8")).hexdigest()[:16]
    return Path(cache) / "initspec" / "pending" / key


def keep(reports_dir: Path, batch: Batch) -> Path:
    """Write ``batch`` where the next run for ``reports_dir`` finds it; return the path.

    OSError if neither the reports directory nor the fallback can be written.
    """
    text = dumps(
        {
            "reports_dir": str(Path(reports_dir).resolve()),
            "measured_at": batch.measured_at,
            "commit": batch.commit,
            "outcomes": [strict(dataclasses.asdict(o)) for o in batch.outcomes],
        }
    )
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"{PREFIX}{stamp}-{os.getpid()}-{secrets.token_hex(4)}{SUFFIX}"
    failure: OSError | None = None
    for directory in (Path(reports_dir), fallback_dir(reports_dir)):
        try:
            directory.mkdir(parents=True, exist_ok=True)
            write_files({directory / name: text})
        except OSError as error:
            failure = failure or error
            continue
        return directory / name
    assert failure is not None
    raise failure


def waiting(reports_dir: Path) -> list[Path]:
    """The waiting files for ``reports_dir``, in both places."""
    found: list[Path] = []
    for directory in (Path(reports_dir), fallback_dir(reports_dir)):
        with contextlib.suppress(OSError):
            paths = directory.glob(f"{PREFIX}*{SUFFIX}")
            found += [p for p in paths if p.is_file() and not p.is_symlink()]
    return sorted(found, key=lambda p: p.name)


def outcome_from_json(data: dict[str, Any]) -> TestOutcome:
    """The :class:`TestOutcome` that ``dataclasses.asdict`` made ``data`` of."""
    fields = dict(data)
    fields["criteria"] = [Criterion(**c) for c in fields.get("criteria", [])]
    fields["sensitivity"] = [SensitivityRow(**r) for r in fields.get("sensitivity", [])]
    return TestOutcome(**fields)


def load(paths: Sequence[Path]) -> tuple[list[Batch], list[str]]:
    """The batches of the waiting files, oldest first, and a line for each that is unreadable
    (renamed ``<name>.corrupt``, so that it is reported once)."""
    batches: list[tuple[str, Batch]] = []
    problems = []
    for path in paths:
        try:
            data = json.loads(path.read_bytes().decode("utf-8"))
            batch = Batch(
                [outcome_from_json(o) for o in data["outcomes"]],
                str(data["measured_at"]),
                data.get("commit"),
            )
        except (OSError, ValueError, TypeError, KeyError) as error:
            corrupt = path.with_name(path.name + ".corrupt")
            with contextlib.suppress(OSError):
                os.replace(path, corrupt)
            reason = type(error).__name__
            problems.append(f"{path} could not be read ({reason}); moved to {corrupt}")
            continue
        batches.append((batch.measured_at, batch))
    batches.sort(key=lambda pair: pair[0])
    return [batch for _, batch in batches], problems


def remove(paths: Sequence[Path]) -> None:
    """Remove the waiting files once their outcomes are in claims.json."""
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()
