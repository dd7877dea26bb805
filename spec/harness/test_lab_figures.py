"""Snapshots of every figure labs 01, 02 and 03 write, at small settings (a few seconds).

A change to a figure shows up as a snapshot diff (the PNGs are in ``__snapshots__/``, beside
this file). To accept one on purpose: ``pytest spec/ --snapshot-update`` (or only this file),
then look at the new PNGs beside the old ones before committing them (the README's
"Reviewing plot changes"). Each lab is written twice: the same run must draw the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.image import PNGImageSnapshotExtension

from initspec.labs import LABS
from initspec.labs.writer import write_lab

# Uniform init at width 256 overflows within a few steps at 8 layers: the figures show their
# NaN and off-scale markers.
SMALL: dict[str, dict[str, Any]] = {
    "01": {"depth": 8, "width": 256, "steps": 60},
    "02": {"depth": 8, "width": 256, "steps": 40},
    "03": {"depth": 6, "width": 32, "steps": 60},
}
FIGURES = [
    ("01", "loss_curves.png"),
    ("02", "loss_curves.png"),
    ("03", "loss_curves.png"),
    ("03", "grad_norm.png"),
]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    directories = {}
    for key, options in SMALL.items():
        lab = LABS[key]
        first, second = (
            write_lab(
                lab, lab.config(**options), 0, tmp_path_factory.mktemp(f"{key}-{n}"), progress=False
            ).path
            for n in ("a", "b")
        )
        directories[key] = (first, second)
    return directories


def test_every_figure_of_the_labs_is_snapshot() -> None:
    for key in SMALL:
        declared = {name for name in LABS[key].files if name.endswith(".png")}
        assert declared == {name for lab, name in FIGURES if lab == key}, f"lab {key}"


@pytest.mark.parametrize(("key", "name"), FIGURES, ids=[f"{k}-{n}" for k, n in FIGURES])
def test_lab_figure_snapshot(
    written: dict[str, tuple[Path, Path]], key: str, name: str, snapshot: SnapshotAssertion
) -> None:
    first, second = ((directory / name).read_bytes() for directory in written[key])
    assert first == second, f"lab {key}'s {name} differs between two runs of the same seed"
    assert first == snapshot(extension_class=PNGImageSnapshotExtension)
