"""Where the spec writes its report (``--reports-dir``, default ``reports/``): checked before
any test runs, so that a run never measures for an hour and then cannot write its verdicts."""

from __future__ import annotations

import os
from pathlib import Path


def check_reports_dir(path: Path) -> None:
    """ValueError, one line naming ``path`` and what to do, where the report cannot go: a
    file at ``path`` or above it, or a directory that cannot be written."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        where = "is a file" if probe == path else f"lies under {probe}, a file"
        raise ValueError(
            f"--reports-dir {path} {where}, not a directory: name a directory (it is created "
            "where it is missing)"
        )
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ValueError(
            f"--reports-dir {path} cannot be written ({probe} is not writable): make it "
            "writable or name another directory"
        )
