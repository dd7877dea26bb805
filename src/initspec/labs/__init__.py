"""The labs: each writes one directory of artifacts, named as its document names it.

``LABS`` maps a lab's key (``01``, ``02``, ``03``, ``makemore``) to its :class:`Lab` (see
:mod:`initspec.labs.lab`); :func:`initspec.labs.writer.write_lab` writes its directory. A lab
module holds its experiment wiring and its README's wording; the experiments are in
:mod:`initspec.experiments`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from initspec.labs import lab01, lab02, lab03, makemore
from initspec.labs.lab import Lab, LabReport

LABS: dict[str, Lab[Any, Any]] = {
    lab.key: lab for lab in (lab01.LAB, lab02.LAB, lab03.LAB, makemore.LAB)
}

__all__ = ["LABS", "Lab", "LabReport", "get_lab", "lab_directory", "lab_directory_name"]


def get_lab(key: str) -> Lab[Any, Any]:
    """The lab called ``key``; ValueError (one line) naming the known keys otherwise."""
    try:
        return LABS[key]
    except KeyError:
        raise ValueError(f"unknown lab {key!r}; known: {', '.join(LABS)}, all") from None


def lab_directory_name(key: str) -> str:
    """The directory a lab writes, named as its document names it (``10-init-matters``)."""
    return get_lab(key).directory


def lab_directory(key: str, out: Path) -> Path:
    return Path(out) / lab_directory_name(key)
