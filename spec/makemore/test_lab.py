"""The makemore lab: a bad --corpus is refused before any write; a short run writes every file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from initspec.cli import main
from initspec.labs import LabOptions
from initspec.labs.makemore import DIRECTORY, validate

FILES = (
    "README.md",
    "first_batch_losses.json",
    "first_batch_losses.md",
    "loss_curves.png",
    "loss_curves_start.png",
    "losses.json",
    "manifest.json",
    "samples.json",
    "diagnostics/diag_update_ratio.png",
)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"corpus": "/nonexistent/names.txt"}, "does not exist"),
        ({"steps": 1}, "steps must be"),
        ({"lr": -1.0}, "learning rate"),
        ({"activation": "relu"}, "does not take activation"),
    ],
    ids=["missing-corpus", "one-step", "negative-lr", "unknown-override"],
)
def test_validate_refuses_bad_overrides_in_one_line(overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        validate(LabOptions(overrides=overrides))
    assert "\n" not in str(info.value)


def test_an_empty_corpus_file_fails_before_anything_is_written(tmp_path: Path) -> None:
    corpus = tmp_path / "names.txt"
    corpus.write_text("\n\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["lab", "makemore", "--out", str(out), "--corpus", str(corpus), "--quiet"]) == 2
    assert not (out / DIRECTORY).exists()


def test_a_short_run_on_a_users_corpus_writes_every_file(tmp_path: Path) -> None:
    corpus = tmp_path / "names.txt"
    corpus.write_text("\n".join(["Anna", "Bob", "Chloé", "Dave", "Eve"] * 8), encoding="utf-8")
    args = ["lab", "makemore", "--corpus", str(corpus), "--steps", "20", "--quiet"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    lab = tmp_path / "a" / DIRECTORY
    missing = [name for name in FILES if not (lab / name).is_file()]
    assert not missing, f"the lab did not write {missing}"
    table = json.loads((lab / "first_batch_losses.json").read_text())
    assert table["vocab_size"] == 11, f"'.' + the 10 letters of the file, got {table['vocab_size']}"
    assert "loss" in (lab / "README.md").read_text()
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    for name in ("first_batch_losses.json", "losses.json", "samples.json", "loss_curves.png"):
        again = tmp_path / "b" / DIRECTORY / name
        assert (lab / name).read_bytes() == again.read_bytes(), f"{name} differs between runs"
