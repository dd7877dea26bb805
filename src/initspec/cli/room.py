"""Room to write a lab: checked before it trains, and named when a write fails anyway.

A lab directory takes a few MiB (the makemore lab's 200,000-step losses about 4 MiB; the
others under 1 MiB), written to a staging directory beside its final place. A full disk or a
file-size limit (``ulimit -f``) would otherwise show only after training, as ``[Errno 27] File
too large`` with no path.
"""

from __future__ import annotations

import errno
import resource
import shutil
from pathlib import Path

MIN_FREE_BYTES = 32 * 2**20  # a lab's directory and its staging copy, with room to spare
MIN_FILE_BYTES = 16 * 2**20  # the largest file a lab writes, with room to spare
NO_ROOM = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


def _existing(path: Path) -> Path:
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return probe


def check_room(out: Path) -> None:
    """OSError, one line naming ``out``, where a lab's files cannot fit: less than
    :data:`MIN_FREE_BYTES` free on its file system, or a file-size limit below
    :data:`MIN_FILE_BYTES`."""
    free = shutil.disk_usage(_existing(out)).free
    if free < MIN_FREE_BYTES:
        raise OSError(
            f"{out} has {free / 2**20:.1f} MiB free and a lab needs up to "
            f"{MIN_FREE_BYTES // 2**20} MiB: free some space or name another --out"
        )
    limit, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    if limit != resource.RLIM_INFINITY and limit < MIN_FILE_BYTES:
        raise OSError(
            f"the file-size limit (ulimit -f) is {limit:,} bytes and a lab writes files of up "
            f"to {MIN_FILE_BYTES // 2**20} MiB to {out}: raise the limit"
        )


def named(error: OSError, where: Path) -> OSError:
    """``error`` as one line that names ``where`` when the error names no file, and says what
    to do when the disk is full or a file too large."""
    path = error.filename if error.filename is not None else where
    reason = error.strerror or str(error)
    if error.errno in NO_ROOM:
        return OSError(f"could not write {path}: {reason}; free some space or name another --out")
    return OSError(f"could not write {path}: {reason}")
