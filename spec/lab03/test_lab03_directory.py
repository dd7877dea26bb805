"""`initspec lab 03` writes the seven files the lab lists, deterministically for a seed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from initspec.cli.main import main
from initspec.labs.lab03 import DOUBLE

FILES = {
    "train.py",
    "losses.json",
    "grad_norms.json",
    "loss_curves.png",
    "grad_norm.png",
    "manifest.json",
    "README.md",
}
SMALL = ["--steps", "6", "--depth", "2", "--quiet"]  # the directory's form, not its numbers


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    first, second = tmp_path_factory.mktemp("a"), tmp_path_factory.mktemp("b")
    for out in (first, second):
        assert main(["lab", "03", "--out", str(out), "--seed", "3", *SMALL]) == 0
    return first / "10-residual-depth", second / "10-residual-depth"


def test_lab03_writes_the_seven_files(written: tuple[Path, Path]) -> None:
    names = {path.name for path in written[0].iterdir()}
    assert names == FILES, f"expected {sorted(FILES)}, got {sorted(names)}"
    readme = (written[0] / "README.md").read_text()
    for question in range(1, 6):
        assert f"\n{question}. " in readme, f"README should answer Block F question {question}"
    grads = json.loads((written[0] / "grad_norms.json").read_text())["grad_norms"]
    # Both variants and question 4's plain chain at twice the depth, every step of each.
    expected = {"no residual", "residual", DOUBLE}
    assert set(grads) == expected, f"expected grad_norms.json's runs {expected}, got {set(grads)}"
    assert all(len(v) == 6 for v in grads.values()), "expected 6 steps of every run"


@pytest.mark.parametrize("name", ["losses.json", "grad_norms.json", "loss_curves.png", "README.md"])
def test_lab03_files_are_identical_for_the_same_seed(written: tuple[Path, Path], name: str) -> None:
    first, second = (directory / name for directory in written)
    assert first.read_bytes() == second.read_bytes(), f"{name} differs between two runs"


def test_lab03_rejects_a_bad_variant(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["lab", "03", "--out", str(tmp_path), "--use-residual", "maybe", "--quiet"])
    assert exit_info.value.code == 2
    assert not any(tmp_path.iterdir()), "nothing should be written for bad input"
