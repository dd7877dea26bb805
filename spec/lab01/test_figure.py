"""Snapshots of lab 01's outputs on a small run: the headline figure and the summary.

The figure compares as a picture, the summary number by number, each within the tolerance
measured between CPU kernel sets (:mod:`initspec.snapshots.tolerances`); a change beyond it
fails and names the review page (docs/snapshots.md). To accept one, run
``pytest spec/lab01/test_figure.py --snapshot-update``.
"""

from __future__ import annotations

import dataclasses

import pytest
from syrupy.assertion import SnapshotAssertion

from initspec.claims.numbers import LAB01_SLOPE_WINDOW as SLOPE_WINDOW
from initspec.experiments.init_ablation import DEFAULTS, Ablation, results_summary, run_ablation
from initspec.labs.lab01 import loss_figure
from initspec.plugin.hooks import Evidence
from initspec.snapshots.extensions import (
    FigureSnapshotExtension,
    ResultsSnapshotExtension,
    Tolerated,
)
from initspec.snapshots.tolerances import RESULTS

# Small enough to run in a second, deep enough that uniform still blows up.
SMALL = dataclasses.replace(DEFAULTS, depth=10, width=96, steps=150)


@pytest.fixture(scope="module")
def small_ablation() -> Ablation:
    """Each run trains on one thread (initspec.training.parallel), so the losses (and so the pixels)
    do not depend on the core count."""
    return run_ablation(SMALL, seed=0)


def test_figure_snapshot(
    small_ablation: Ablation, snapshot: SnapshotAssertion, evidence: Evidence
) -> None:
    path = evidence.artifact(loss_figure(evidence.artifact_dir / "loss_curves.png", small_ablation))
    again = loss_figure(evidence.artifact_dir / "again.png", small_ablation)
    assert path.read_bytes() == again.read_bytes(), "the same run drew different PNG bytes"
    assert snapshot.use_extension(FigureSnapshotExtension) == path.read_bytes()


def test_results_summary_snapshot(small_ablation: Ablation, snapshot: SnapshotAssertion) -> None:
    summary = Tolerated(results_summary(small_ablation, slope_window=SLOPE_WINDOW), RESULTS)
    assert snapshot.use_extension(ResultsSnapshotExtension) == summary
