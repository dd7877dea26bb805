"""Whether a lab directory is committed to git: ``initspec lab`` replaces one only with --force.

From the repository root, ``initspec lab 01 --out reports`` would replace the committed
full-fidelity ``reports/10-init-matters/`` with whatever options were given. A directory that
holds a file git tracks is refused, in one line, before anything trains.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def tracked_files(directory: Path) -> list[str]:
    """The files under ``directory`` that git tracks (none where it is not in a checkout, is
    missing, or git is not there)."""
    if not directory.is_dir():
        return []
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--", "."],
            cwd=directory,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return []
    return [name for name in listed.stdout.split("\0") if name]


def refuse_committed(directory: Path) -> None:
    """ValueError, one line, if git tracks a file under ``directory``."""
    tracked = tracked_files(directory)
    if tracked:
        raise ValueError(
            f"{directory} is a committed lab directory ({len(tracked)} tracked files); "
            "pass --force to replace it, or name another --out"
        )
