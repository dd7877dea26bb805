"""Directories that appear whole or not at all.

A lab is written into a staging directory beside its final path, ``.<name>.staging-<pid>-<hex>``;
only when every file is written does the staging directory take the final path's place:

1. If nothing is at the final path, one ``rename`` puts the new directory there.
2. Otherwise, on Linux, one ``renameat2(RENAME_EXCHANGE)`` swaps the two directories
   atomically (the old one lands on the staging name), and the old one is then removed.
3. Where the exchange is not available (another system, or a file system without it), the old
   directory is first renamed to a backup ``.<name>.old-<pid>-<hex>``, the new one is renamed into
   place, and the backup removed. If the second rename fails, the backup is renamed back.

At every moment the final path holds the complete old or the complete new directory, with one
exception: a process killed between the two renames of step 3 leaves the old directory in its
backup. The next run for the same path puts such a backup back (if the final path is still
empty) before it does anything else.

Staging directories and backups carry their process id. A run removes the ones its path has
left from runs that died (killed, or a power cut): those whose process is gone, or that are more
than a day old (the process id may since belong to another process; no lab runs for a day). It
never touches those of a run still going on beside it.

The new directory's mode is ``0o777 & ~umask``, as for ``mkdir``.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import re
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from initspec.runtime.interrupts import raise_if_stopped

# Older than this, a staging directory or backup is stale whatever its process id says.
STALE_AFTER_S = 24 * 3600


def check_target(final: Path) -> None:
    """Raise OSError (one line, naming the path) if ``final`` exists and is not a directory.

    A lab directory may only replace a directory: a regular file or a symbolic link at its path
    is the user's, and is left alone. Call this before training, so that a run that cannot end
    in a swap never starts.
    """
    final = Path(final)
    if final.is_symlink():
        kind = "a symbolic link"
    elif final.exists() and not final.is_dir():
        kind = "not a directory"
    else:
        return
    raise OSError(f"{final} is {kind}; move it away or write the lab elsewhere")


@contextlib.contextmanager
def atomic_directory(final: Path) -> Iterator[Path]:
    """Yield a fresh staging directory beside ``final``; on success it replaces ``final``.

    If the body raises (or a stop was asked for, see :mod:`initspec.runtime.interrupts`), the
    staging directory is removed and ``final`` is left as it was: a failed or interrupted run never
    leaves a half-written directory behind.
    """
    final = Path(final)
    check_target(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(final)
    staging = _new_sibling(final, "staging", make=True)
    try:
        yield staging
        raise_if_stopped()  # a stop asked for while the last files were written: keep the old
        _swap_into_place(staging, final)
    except BaseException:
        _discard(staging)
        raise


def _swap_into_place(staging: Path, final: Path) -> None:
    """Put the complete directory ``staging`` at ``final``; see the module's steps 1-3."""
    check_target(final)  # again: something may have appeared there while the lab ran
    if not os.path.lexists(final):
        os.rename(staging, final)  # 1
        return
    if _exchange(staging, final):  # 2: now ``staging`` holds the old directory
        _discard(staging)
        return
    backup = _new_sibling(final, "old", make=False)  # 3
    os.rename(final, backup)
    try:
        os.rename(staging, final)
    except BaseException:
        os.rename(backup, final)  # roll back: the old directory returns to its place
        raise
    _discard(backup)


def remove_stale(final: Path) -> None:
    """Remove the staging directories and backups that dead runs left beside ``final``.

    A dead run's backup is put back at ``final`` if nothing is there (it was killed between
    the two renames of a swap); otherwise it is an old directory already replaced.
    """
    final = Path(final)
    pattern = re.compile(rf"\.{re.escape(final.name)}\.(staging|old)-(\d+)-[0-9a-f]+")
    try:
        entries = list(final.parent.iterdir())
    except FileNotFoundError:
        return
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None or not _is_stale(entry, int(match.group(2))):
            continue
        if match.group(1) == "old" and not os.path.lexists(final):
            with contextlib.suppress(OSError):  # if it cannot go back, it stays for the user
                os.rename(entry, final)
            continue
        _discard(entry)


def _is_stale(entry: Path, pid: int) -> bool:
    try:
        age = time.time() - entry.lstat().st_mtime
    except FileNotFoundError:
        return False  # gone already: another run removed it
    return not process_alive(pid) or age > STALE_AFTER_S


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists (signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, and belongs to another user
    return True


def _new_sibling(final: Path, kind: str, *, make: bool) -> Path:
    """A fresh name ``.<name>.<kind>-<pid>-<hex>`` beside ``final``; created if ``make``.

    ``os.mkdir(path, 0o777)`` lets the umask decide the mode, as for any new directory
    (``tempfile.mkdtemp`` would make it 0o700).
    """
    while True:
        path = final.with_name(f".{final.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}")
        if not make:
            if not os.path.lexists(path):
                return path
            continue
        try:
            os.mkdir(path, 0o777)
        except FileExistsError:
            continue
        return path


def _discard(path: Path) -> None:
    """Remove ``path`` if possible. What cannot be removed now has a recognisable name, and the
    next run removes it (:func:`remove_stale`)."""
    with contextlib.suppress(OSError):
        shutil.rmtree(path)


# renameat2(2) with RENAME_EXCHANGE: Linux 3.15+, glibc 2.28+; ext4, xfs, btrfs, tmpfs...
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV}


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    """libc's renameat2, or None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    path, fd = ctypes.c_char_p, ctypes.c_int
    function.argtypes = [fd, path, fd, path, ctypes.c_uint]  # olddirfd, old, newdirfd, new, flags
    function.restype = ctypes.c_int
    return function


def _exchange(a: Path, b: Path) -> bool:
    """Swap the directories at ``a`` and ``b`` in one atomic step. False (nothing done) where
    the system or the file system cannot; OSError on any other failure (nothing done)."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(a), None, str(b))
