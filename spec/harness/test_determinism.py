"""The same seed gives the same lab 01 files byte for byte; a different seed gives different ones.

Only ``wall_time_s``, ``git_commit``, ``versions`` and ``runs_side_by_side`` in manifest.json
describe the particular run; everything else is a function of the seed and the options.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from initspec.cli import main

TINY = ["--steps", "20", "--depth", "4", "--width", "32", "--quiet"]
RUN_SPECIFIC = ("wall_time_s", "git_commit", "versions", "runs_side_by_side")


def run_lab01(out: Path, seed: int) -> Path:
    assert main(["lab", "01", "--out", str(out), "--seed", str(seed), *TINY]) == 0
    return out / "10-init-matters"


def deterministic_manifest(lab: Path) -> dict[str, Any]:
    manifest = json.loads((lab / "manifest.json").read_text())
    return {key: value for key, value in manifest.items() if key not in RUN_SPECIFIC}


def test_same_seed_same_bytes_different_seed_different_losses(tmp_path: Path) -> None:
    a, b, c = (run_lab01(tmp_path / name, seed) for name, seed in (("a", 5), ("b", 5), ("c", 6)))
    for name in ("losses.json", "README.md", "train.py", "loss_curves.png"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), f"{name} differs for seed 5"
    assert deterministic_manifest(a) == deterministic_manifest(b)
    assert (a / "losses.json").read_bytes() != (c / "losses.json").read_bytes()
    assert (
        deterministic_manifest(a)["results_summary"] != deterministic_manifest(c)["results_summary"]
    )
    assert deterministic_manifest(a)["seeds"] != deterministic_manifest(c)["seeds"]
    for lab in (a, b, c):
        json.loads((lab / "losses.json").read_text())  # strict JSON: no NaN tokens
        assert "NaN" not in (lab / "losses.json").read_text()
