"""The labs: each writes one directory of artifacts, named as its document names it.

A lab module defines ``DIRECTORY`` (the directory name), ``TITLE`` and
``run(out_dir: Path, options: LabOptions) -> None``, which writes every file into ``out_dir``
(a staging directory that replaces the final one only when ``run`` returns).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

# Lab key -> module; modules are imported on demand so one lab's imports never slow another.
LAB_MODULES: dict[str, str] = {
    "01": "initspec.labs.lab01",
    "02": "initspec.labs.lab02",
    "03": "initspec.labs.lab03",
    "makemore": "initspec.labs.makemore",
}


@dataclass(frozen=True)
class LabOptions:
    """What the command line may change. ``overrides`` are lab-specific (depth, lr, steps...)."""

    seed: int = 0
    progress: bool = True
    overrides: dict[str, Any] = field(default_factory=dict)


def load_lab(key: str) -> ModuleType:
    if key not in LAB_MODULES:
        raise ValueError(f"unknown lab {key!r}; known: {', '.join(LAB_MODULES)}, all")
    return importlib.import_module(LAB_MODULES[key])


def lab_directory_name(key: str) -> str:
    """The directory a lab writes, named as its document names it (for example ``10-init-matters``)."""
    return str(load_lab(key).DIRECTORY)


def lab_directory(key: str, out: Path) -> Path:
    return Path(out) / lab_directory_name(key)
