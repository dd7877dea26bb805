"""Snapshots of lab 01's outputs on a small run: the headline figure (PNG bytes) and the summary.

A change to the figure or the numbers shows up as a snapshot diff. To accept one, run
``pytest spec/lab01/test_figure.py --snapshot-update`` and look at the new files in
``spec/lab01/__snapshots__/`` before committing them.
"""

from __future__ import annotations

import dataclasses

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.image import PNGImageSnapshotExtension

from initspec.artifacts import round_floats
from initspec.experiments.init_ablation import DEFAULTS, Ablation, results_summary, run_ablation
from initspec.labs.lab01 import loss_figure
from initspec.pytest_plugin import Evidence

# Small enough to run in a second, deep enough that uniform still blows up.
SMALL = dataclasses.replace(DEFAULTS, depth=10, width=96, steps=150)


@pytest.fixture(scope="module")
def small_ablation() -> Ablation:
    """Each run trains on one thread (initspec.parallel), so the losses (and so the pixels) do
    not depend on the core count."""
    return run_ablation(SMALL, seed=0)


def test_figure_snapshot(
    small_ablation: Ablation, snapshot: SnapshotAssertion, evidence: Evidence
) -> None:
    path = evidence.artifact(loss_figure(evidence.artifact_dir / "loss_curves.png", small_ablation))
    again = loss_figure(evidence.artifact_dir / "again.png", small_ablation)
    assert path.read_bytes() == again.read_bytes(), "the same run drew different PNG bytes"
    assert path.read_bytes() == snapshot(extension_class=PNGImageSnapshotExtension)


def test_results_summary_snapshot(small_ablation: Ablation, snapshot: SnapshotAssertion) -> None:
    assert round_floats(results_summary(small_ablation), 4) == snapshot
