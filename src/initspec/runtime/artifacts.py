"""Writing results: strict JSON, the commit and library versions a result records, and (from
:mod:`initspec.runtime.atomic`) directories that appear whole or not at all."""

from __future__ import annotations

import importlib.metadata
import json
import math
import os
import platform
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from initspec.runtime.atomic import (
    atomic_directory as atomic_directory,  # its home is initspec.runtime.atomic
)

JSONValue = Any


def strict(value: JSONValue) -> JSONValue:
    """Replace NaN and infinities by None (JSON null), recursively; tuples become lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict(v) for v in value]
    return value


def dumps(value: JSONValue) -> str:
    """Strict, stable JSON text: sorted keys, no NaN tokens, trailing newline."""
    return json.dumps(strict(value), allow_nan=False, sort_keys=True, indent=2) + "\n"


def write_json(path: Path, value: JSONValue) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(value), encoding="utf-8")


def round_floats(value: JSONValue, digits: int = 6) -> JSONValue:
    """Round floats to ``digits`` significant digits, for snapshots and summaries."""
    if isinstance(value, float) and math.isfinite(value):
        return float(f"{value:.{digits}g}")
    if isinstance(value, Mapping):
        return {k: round_floats(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [round_floats(v, digits) for v in value]
    return value


def check_writable_dir(path: Path) -> None:
    """Raise OSError with a one-line message if ``path`` cannot hold new files."""
    path = Path(path)
    probe = path
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise OSError(f"output path {path} is not a directory ({probe} is a file)")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OSError(f"output directory {path} is not writable")


LIBRARIES = ("torch", "numpy", "matplotlib", "initspec")


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


# The tracked files that decide what a run measures: the code, the claim tests and their
# harness, the package's declared dependencies and their pins. An edit anywhere else (the
# README, docs/, bench/, tests/, the generated reports/) leaves a run's commit clean.
MEASURED_PATHS = ("src", "spec", "conftest.py", "pyproject.toml", "constraints.txt")


def git_commit(where: Path | None = None) -> str | None:
    """The commit of the git working tree that ``where`` lies in (default: this package's), if
    any; ``"<commit>-dirty"`` where a file of :data:`MEASURED_PATHS` differs from it (or is new
    there and not ignored).
    Files outside them do not change what a run measures: the spec and the labs rewrite
    ``reports/`` on every run, and docs may be edited while a long run trains."""
    here = where if where is not None else Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    commit = out.stdout.strip()
    dirty = subprocess.run(
        [
            "git",
            "status",
            "--porcelain",
            "--untracked-files=normal",  # a new test or module not yet committed counts too
            "--",
            *(f":(top){path}" for path in MEASURED_PATHS),
        ],
        cwd=here,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return commit + ("-dirty" if dirty else "")
