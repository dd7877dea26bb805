"""Writing files so that a reader never sees half of one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_files(texts: Mapping[Path, str]) -> None:
    """Write every file through a temporary file of its own beside it, then rename them all.

    If anything fails, no temporary file is left and no file has been renamed into place
    unless every one of them was written.
    """
    staged: dict[Path, str] = {}
    mode = 0o666 & ~_umask()  # mkstemp makes 0600 files; a report is for every reader
    try:
        for path, text in texts.items():
            handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged[path] = name
            os.chmod(name, mode)
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
        for path, name in staged.items():
            os.replace(name, path)
    finally:
        for name in staged.values():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)
