"""The makemore lab: a bad option or --corpus is refused before any write; a short run writes
every file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from initspec.cli.main import main
from initspec.labs import LABS

DIRECTORY = LABS["makemore"].directory
FILES = (
    "README.md",
    "first_batch_losses.json",
    "first_batch_losses.md",
    "loss_curves.png",
    "loss_curves_start.png",
    "losses.json",
    "manifest.json",
    "samples.json",
    "train.py",
    "diagnostics/diag_update_ratio.png",
)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--corpus", "/nonexistent/names.txt"],
            "--corpus: file '/nonexistent/names.txt' does not",
        ),
        (["--steps", "1"], "lab makemore: --steps must be from 2"),
        (["--lr", "-1"], "lab makemore: --lr must be"),
        (["--activation", "relu"], "lab makemore does not take --activation"),
    ],
    ids=["missing-corpus", "one-step", "negative-lr", "unknown-option"],
)
def test_bad_options_are_refused_in_one_line(
    arguments: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["lab", "makemore", "--out", str(tmp_path), "--quiet", *arguments])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1, (code, lines)
    assert message in lines[0], lines[0]
    assert not any(tmp_path.iterdir()), "nothing should be written for bad input"


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


def test_a_diverging_run_still_writes_the_lab_and_says_it_has_no_samples(tmp_path: Path) -> None:
    """A learning rate far too high: runs diverge or overflow, sampling is skipped with the reason,
    and the lab is written."""
    args = ["lab", "makemore", "--out", str(tmp_path), "--steps", "20", "--lr", "1e30", "--quiet"]
    assert main(args) == 0
    lab = tmp_path / DIRECTORY
    summary = json.loads((lab / "manifest.json").read_text())["results_summary"]
    diverged = [
        label for label, row in summary["curves"].items() if row["first_nan_step"] is not None
    ]
    assert diverged, "lr 1e30 should make some run diverge"
    samples = json.loads((lab / "samples.json").read_text())
    assert all(samples[label] == [] for label in diverged)
    assert "(no samples: the run diverged)" in (lab / "README.md").read_text()
