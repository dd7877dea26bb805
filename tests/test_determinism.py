"""The same seed gives the same lab 01 files byte for byte; a different seed gives different ones.

Only manifest.json's ``"run"`` block (wall time, git commit, library versions, runs side by side,
the machine) describes the particular run; everything else is a function of the seed and the
options.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from initspec.cli.main import main

TINY = ["--steps", "20", "--depth", "4", "--width", "32", "--quiet"]
RUN_BLOCK = "run"
RUN_FIELDS = {"wall_time_s", "git_commit", "versions", "runs_side_by_side", "device", "machine"}
# What a reader needs to tell why two machines' numbers differ in their last bits.
MACHINE_FIELDS = {"cpu", "torch_cpu_capability", "torch", "numpy", "blas"}


def run_lab01(out: Path, seed: int) -> Path:
    assert main(["lab", "01", "--out", str(out), "--seed", str(seed), *TINY]) == 0
    return out / "10-init-matters"


def deterministic_manifest(lab: Path) -> dict[str, Any]:
    """manifest.json without its "run" block, which must hold exactly the run's own fields."""
    manifest = json.loads((lab / "manifest.json").read_text())
    assert set(manifest[RUN_BLOCK]) == RUN_FIELDS, (
        f"the run block holds {sorted(manifest[RUN_BLOCK])}"
    )
    machine = manifest[RUN_BLOCK]["machine"]
    assert set(machine) >= MACHINE_FIELDS, f"the machine block holds {sorted(machine)}"
    return {key: value for key, value in manifest.items() if key != RUN_BLOCK}


def deterministic_bytes(lab: Path) -> str:
    """The manifest without its "run" block, as the file writes it (sorted keys, indent 2)."""
    return json.dumps(deterministic_manifest(lab), sort_keys=True, indent=2)


def test_same_seed_same_bytes_different_seed_different_losses(tmp_path: Path) -> None:
    a, b, c = (run_lab01(tmp_path / name, seed) for name, seed in (("a", 5), ("b", 5), ("c", 6)))
    for name in ("losses.json", "README.md", "train.py", "loss_curves.png"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), f"{name} differs for seed 5"
    assert deterministic_bytes(a) == deterministic_bytes(b), 'manifest.json differs outside "run"'
    assert (a / "losses.json").read_bytes() != (c / "losses.json").read_bytes()
    assert (
        deterministic_manifest(a)["results_summary"] != deterministic_manifest(c)["results_summary"]
    )
    assert deterministic_manifest(a)["seeds"] != deterministic_manifest(c)["seeds"]
    for lab in (a, b, c):
        json.loads((lab / "losses.json").read_text())  # strict JSON: no NaN tokens
        assert "NaN" not in (lab / "losses.json").read_text()
