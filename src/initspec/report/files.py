"""Writing files so that a reader never sees half of one.

Each file is written to a temporary file of its own beside it, ``.<name>.<pid>-<hex>.tmp``, and
renamed over the old one. The new file keeps the old one's permission bits (a report made
group-writable stays so); a new file gets ``0o666 & ~umask``, as ``open`` would give it. A
process killed while writing leaves its temporary files; the next write beside them removes
those whose process is gone or that are older than a day (the ones of the older naming,
``.<name>.<random>.tmp`` without a process id, once they are a minute old).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import time
from collections.abc import Mapping
from pathlib import Path

from initspec.runtime.atomic import STALE_AFTER_S, process_alive

# A temporary file of the older naming is stale after this long: no write takes a minute.
LEGACY_STALE_AFTER_S = 60.0
_TEMPORARY = re.compile(r"\.(?P<name>.+)\.(?:(?P<pid>\d+)-[0-9a-f]+|[A-Za-z0-9_]{8})\.tmp")


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _mode(path: Path) -> int:
    """The permission bits the file at ``path`` has, or a new file's."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return 0o666 & ~_umask()


def temporary_name(path: Path) -> Path:
    """A fresh name for ``path``'s temporary file: ``.<name>.<pid>-<hex>.tmp`` beside it."""
    return path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")


def remove_stale_temporaries(directory: Path, names: set[str]) -> list[Path]:
    """Remove the temporary files of ``names`` (files of ``directory``) that dead writers left;
    return what was removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = _TEMPORARY.fullmatch(entry.name)
        if match is None or match.group("name") not in names:
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        pid = match.group("pid")
        if pid is None:
            stale = age > LEGACY_STALE_AFTER_S
        else:
            stale = age > STALE_AFTER_S or not process_alive(int(pid))
        if stale and entry.is_file(follow_symlinks=False):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def write_files(texts: Mapping[Path, str]) -> None:
    """Write every file through a temporary file of its own beside it, then rename them all.

    If anything fails, no temporary file is left and no file has been renamed into place
    unless every one of them was written. Each file keeps the mode of the one it replaces.
    """
    by_directory: dict[Path, set[str]] = {}
    for path in texts:
        by_directory.setdefault(path.parent, set()).add(path.name)
    for directory, names in by_directory.items():
        remove_stale_temporaries(directory, names)
    staged: dict[Path, Path] = {}
    try:
        for path, text in texts.items():
            name = temporary_name(path)
            handle = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            staged[path] = name
            os.chmod(name, _mode(path))
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
        for path, name in staged.items():
            os.replace(name, path)
    finally:
        for name in staged.values():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)
