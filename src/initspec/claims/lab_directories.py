"""Where each lab writes: its key and the directory its document names, without the labs.

The report links a claim to its lab's directory (:mod:`initspec.report.merge`), and must not
load the labs to do so: they import torch and every experiment. Each lab module takes its
``DIRECTORY`` from here (``initspec.labs.lab01.DIRECTORY == LAB_DIRECTORIES["01"]``), so the
name is written once.
"""

from __future__ import annotations

LAB_DIRECTORIES: dict[str, str] = {
    "01": "10-init-matters",
    "02": "10-norm-ablation",
    "03": "10-residual-depth",
    "makemore": "10-makemore-init",
}


def lab_directory_name(key: str) -> str:
    """The directory lab ``key`` writes (``10-init-matters`` for ``01``); ValueError otherwise."""
    try:
        return LAB_DIRECTORIES[key]
    except KeyError:
        known = ", ".join(LAB_DIRECTORIES)
        raise ValueError(f"unknown lab {key!r}; known: {known}") from None
