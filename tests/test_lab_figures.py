"""Snapshots of every figure and results file labs 01, 02, 03 and makemore write (its
``diagnostics/`` too), at small settings (a few seconds a lab).

A change to a figure or to a measured number beyond its tolerance fails, and names the review
page (old | new | diff per figure, old vs new per number; docs/snapshots.md): the PNGs compare
as pictures (RMS within :data:`~initspec.snapshots.tolerances.FIGURE_RMS`), the results files
number by number (:mod:`initspec.snapshots.tolerances`: the spread measured between CPU kernel
sets), so another CPU's last bits pass. The snapshots are in ``__snapshots__/test_lab_figures/``.
To accept a change: ``pytest tests/test_lab_figures.py --snapshot-update``. Each lab is written
twice: the same run on the same machine must draw the same bytes and numbers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from initspec.data.corpus import load_names
from initspec.labs import LABS
from initspec.labs.lab03 import DOUBLE
from initspec.labs.writer import write_lab
from initspec.snapshots import tolerances
from initspec.snapshots.extensions import (
    FigureSnapshotExtension,
    ResultsSnapshotExtension,
    Tolerated,
)

# Uniform init at width 256 overflows within a few steps at 8 layers: the figures show their
# NaN and off-scale markers.
# The makemore lab trains on the lecture's first NAMES names (written to a file: its figures
# are drawn and laid out as at full size, the runs take a second).
MAKEMORE_STEPS = 40
NAMES = 2000
SMALL: dict[str, dict[str, Any]] = {
    "01": {"depth": 8, "width": 256, "steps": 60},
    "02": {"depth": 8, "width": 256, "steps": 40},
    "03": {"depth": 6, "width": 32, "steps": 60},
    "makemore": {"depth": 5, "width": 32, "steps": MAKEMORE_STEPS},
}
FIGURES = [
    ("01", "loss_curves.png"),
    ("02", "loss_curves.png"),
    ("03", "loss_curves.png"),
    ("03", "grad_norm.png"),
    ("makemore", "final_losses.png"),
    ("makemore", "loss_curves.png"),
    ("makemore", "loss_curves_start.png"),
    *(
        ("makemore", f"diagnostics/diag_{kind}_{case}.png")
        for kind in ("activations", "gradients")
        for case in (
            "gain_0p5",
            "gain_5-3",
            "gain_3p0",
            "gain_5-3_BatchNorm",
            f"BatchNorm_after_{MAKEMORE_STEPS}_steps",
        )
    ),
    ("makemore", "diagnostics/diag_saturation_map_naive.png"),
    ("makemore", "diagnostics/diag_saturation_map_hidden-fix.png"),
    ("makemore", "diagnostics/diag_update_ratio.png"),
]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    directories = {}
    corpus = tmp_path_factory.mktemp("corpus") / "names.txt"
    corpus.write_text("\n".join(load_names("lecture")[:NAMES]) + "\n", encoding="utf-8")
    for key, options in SMALL.items():
        lab = LABS[key]
        if key == "makemore":
            options = {**options, "corpus": str(corpus)}
        first, second = (
            write_lab(
                lab, lab.config(**options), 0, tmp_path_factory.mktemp(f"{key}-{n}"), progress=False
            ).path
            for n in ("a", "b")
        )
        directories[key] = (first, second)
    return directories


def test_every_figure_of_the_labs_is_snapshot(written: dict[str, tuple[Path, Path]]) -> None:
    """The figures a lab declares and those it writes, in subdirectories too, are FIGURES'."""
    for key in SMALL:
        snapshot = {name for lab, name in FIGURES if lab == key}
        declared = {name for name in LABS[key].files if name.endswith(".png")}
        assert declared <= snapshot, f"lab {key} declares {sorted(declared - snapshot)}"
        directory = written[key][0]
        drawn = {path.relative_to(directory).as_posix() for path in directory.rglob("*.png")}
        assert drawn == snapshot, f"lab {key}: {sorted(drawn ^ snapshot)}"


# A figure's id is its file name: a "/" would make a directory of the snapshot's name.
@pytest.mark.parametrize(("key", "name"), FIGURES, ids=[f"{k}-{Path(n).name}" for k, n in FIGURES])
def test_lab_figure_snapshot(
    written: dict[str, tuple[Path, Path]], key: str, name: str, snapshot: SnapshotAssertion
) -> None:
    first, second = ((directory / name).read_bytes() for directory in written[key])
    assert first == second, f"lab {key}'s {name} differs between two runs of the same seed"
    assert snapshot.use_extension(FigureSnapshotExtension) == first


# Each lab's results files: every JSON it declares but its manifest (a commit and a time).
RESULTS = [
    (key, name)
    for key in SMALL
    for name in sorted(LABS[key].files)
    if name.endswith(".json") and name != "manifest.json"
]


@pytest.mark.parametrize(("key", "name"), RESULTS, ids=[f"{k}-{n}" for k, n in RESULTS])
def test_lab_results_snapshot(
    written: dict[str, tuple[Path, Path]], key: str, name: str, snapshot: SnapshotAssertion
) -> None:
    first, second = (json.loads((directory / name).read_text()) for directory in written[key])
    assert first == second, f"lab {key}'s {name} differs between two runs of the same seed"
    tolerance = tolerances.for_results(f"{key}/{name}")
    assert snapshot.use_extension(ResultsSnapshotExtension) == Tolerated(first, tolerance)


def test_lab_03_writes_its_double_depth_run_beside_the_others(
    written: dict[str, tuple[Path, Path]],
) -> None:
    """Question 4's run (twice the blocks, no residual) is in the files and figures the README
    discusses it from, one value a step like the lab's own runs."""
    directory = written["03"][0]
    steps = SMALL["03"]["steps"]
    losses = json.loads((directory / "losses.json").read_text())["losses"]
    norms = json.loads((directory / "grad_norms.json").read_text())["grad_norms"]
    for name, runs in (("losses.json", losses), ("grad_norms.json", norms)):
        assert DOUBLE in runs, f"{name} holds {sorted(runs)}, not {DOUBLE!r}"
        assert len(runs[DOUBLE]) == steps, f"{name}: {len(runs[DOUBLE])} values for {steps} steps"
