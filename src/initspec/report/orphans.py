"""Figures no entry references any more: removed when the report is written.

A test's figures live under ``reports/artifacts/<test>/``; every entry of claims.json lists the
ones its tests wrote (each tier's, each test's). A file under ``artifacts/`` that no entry
lists (a figure a test no longer draws, the directory of a renamed test), and that is older than
the claims.json being replaced (so the report written then did not list it either), is an
orphan: the write removes it, then the directories it leaves empty. The claims' own
criteria figures need nothing of this: ``claims/`` is rebuilt whole at every write.

A run still going on beside this one (two subsets of the spec into one reports directory) has
written figures that no entry lists yet; so every pytest run that will write the report says so
while it runs (:func:`running`: a file ``<pid>`` in a directory of the system's temporary
directory named after the reports directory), and no orphan is removed while another live run
has said so.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from initspec.report.entry import Report
from initspec.runtime.atomic import process_alive

ARTIFACTS_DIR = "artifacts"


def referenced(report: Report) -> set[str]:
    """Every artifact path (relative to the reports directory) an entry lists, in any tier."""
    paths = {path for entry in report.claims for path in entry.artifacts}
    for entry in report.claims:
        for result in entry.results.values():
            for record in result.get("tests", []):
                paths.update(record.get("artifacts", []))
    return paths


def _runs_dir(reports_dir: Path) -> Path:
    key = hashlib.sha256(str(Path(reports_dir).resolve()).encode("utf-8")).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / "initspec-runs" / key


@contextlib.contextmanager
def running(reports_dir: Path) -> Iterator[None]:
    """Say, while the block runs, that this process will write ``reports_dir``'s report."""
    marker: Path | None = _runs_dir(reports_dir) / str(os.getpid())
    try:
        assert marker is not None
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        marker = None  # nothing said: another run's orphans may go, this one's figures stay
    try:
        yield
    finally:
        if marker is not None:
            with contextlib.suppress(OSError):
                marker.unlink()


def others_running(reports_dir: Path) -> bool:
    """Whether another live process said it will write ``reports_dir``'s report."""
    try:
        names = os.listdir(_runs_dir(reports_dir))
    except OSError:
        return False
    return any(
        name.isdigit() and int(name) != os.getpid() and process_alive(int(name)) for name in names
    )


def remove_orphans(reports_dir: Path, report: Report, older_than: float | None) -> list[str]:
    """Remove the files under ``reports_dir/artifacts`` that ``report`` does not reference and
    that were last written before ``older_than`` (a time, as ``st_mtime``; None: nothing is
    removed), unless another run is writing; return them (relative paths, sorted)."""
    root = Path(reports_dir) / ARTIFACTS_DIR
    if older_than is None or not root.is_dir() or root.is_symlink():
        return []
    if others_running(reports_dir):
        return []
    keep = referenced(report)
    removed = []
    for directory, _, files in os.walk(root, topdown=False):
        for name in files:
            path = Path(directory) / name
            relative = path.relative_to(reports_dir).as_posix()
            try:
                old = path.lstat().st_mtime < older_than
            except OSError:
                continue
            if relative not in keep and old:
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed.append(relative)
        if Path(directory) != root:
            with contextlib.suppress(OSError):
                os.rmdir(directory)  # only if it is empty now
    return sorted(removed)
