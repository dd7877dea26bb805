"""`initspec lab 02` writes the norm-ablation directory in lab 01's form."""

from __future__ import annotations

import json
from pathlib import Path

from initspec.cli.main import main
from initspec.experiments.init_ablation import NORMS


def test_lab02_writes_its_files(tmp_path: Path) -> None:
    assert (
        main(["lab", "02", "--out", str(tmp_path), "--steps", "3", "--depth", "2", "--quiet"]) == 0
    )
    directory = tmp_path / "10-norm-ablation"
    names = {path.name for path in directory.iterdir()}
    expected = {"train.py", "losses.json", "loss_curves.png", "manifest.json", "README.md"}
    assert names == expected, f"expected {sorted(expected)}, got {sorted(names)}"
    curves = json.loads((directory / "losses.json").read_text())["losses"]
    assert len(curves) == 3 * (len(NORMS) + 1), f"one curve per norm (and none) and init: {curves}"
