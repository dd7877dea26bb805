"""The snapshot tolerances, and the measured spread between CPU kernel sets they come from.

Another CPU runs other SIMD kernels (ATen's AVX-512, AVX2 or portable ``default``; MKL's code
paths), so the same seeds give other last bits, and training amplifies them. Measured on the
2-core AMD EPYC (AVX2) with torch 2.13.0: the snapshot tests' own runs (tests/test_lab_figures.py
and spec/lab01/test_figure.py) under ``ATEN_CPU_CAPABILITY=default``, under
``MKL_CBWR=COMPATIBLE MKL_ENABLE_INSTRUCTIONS=SSE4_2`` and under all three, each against the
AVX2 run (the largest difference of the three; docs/snapshots.md has the table):

* results, relative difference ``|a - b| / max(|a|, |b|)``: lab 01's losses 1.22e-3 (60 SGD
  steps of an 8-layer width-256 MLP: step 54, 0.61464 against 0.615389), lab 02's 4.8e-4,
  makemore's losses 2.0e-4, lab 01's small ablation summary 1.5e-4, makemore's final losses
  4.5e-5, lab 03's 7.5e-6; integers (NaN steps, counts, seeds) never differed;
* figures, RMS over the RGB values (0-255): 0.59 (a makemore gradient histogram: one value
  crossed a bin edge), 0.31 (lab 01's loss curves: curves moved by a fraction of a pixel),
  at most 0.06 for the rest; a legend that printed a BatchNorm layer's mean gradient (zero but
  for rounding, 1e-12) differed by RMS 10 until the legend printed it in the std's units
  (since then: 0.02);
* sampled names: the naive-init model's names differ from the 9th of 20 on (a draw flipped,
  and every later draw shifted); the other models' names were the same.

Set from those: each tolerance is at least 2.5 times the largest spread measured, and below
what a real change measures (tests/test_snapshot_tolerances.py): for lab 01's loss figure, one
series in another colour RMS 4.1, a curve moved up by 1 % RMS 8.3 to 12.3, a missing series
RMS 14.7.
"""

from __future__ import annotations

from initspec.snapshots.numbers import NumberTolerance

FIGURE_RMS = 1.5
"""A figure's RMS pixel difference allowed (0-255 scale): 2.5 times the largest measured."""

RESULTS = NumberTolerance(rtol=8e-4, atol=1e-6)
"""Results documents: 4 times the largest relative spread outside lab 01's and lab 02's
training curves (2.0e-4), and below 1e-3, so a number changed by one unit in its third
significant digit (1e-3 to 1e-2 relative) fails; ``atol`` for values that are zero but for
rounding (slopes of 1e-6)."""

TRAINING_CURVES = NumberTolerance(rtol=5e-3, atol=1e-6)
"""Lab 01's and lab 02's losses per step (SGD on deep MLPs, where last bits grow fastest): 4
times the largest measured (1.22e-3). A change of 5e-3 or more fails; one of a unit in the
third significant digit of a loss near 0.6 (1.6e-3) is within what other kernels give at
step 54, and passes."""

SAMPLES = NumberTolerance(rtol=RESULTS.rtol, atol=RESULTS.atol, free_texts=True)
"""Sampled names: as many per model as before, any text (module docstring: one flipped draw
shifts every later one); their numbers as :data:`RESULTS`."""

LAB_RESULTS: dict[str, NumberTolerance] = {
    "01/losses.json": TRAINING_CURVES,
    "02/losses.json": TRAINING_CURVES,
    "makemore/samples.json": SAMPLES,
}
"""The lab results snapshots (``<lab>/<file>``) whose tolerance is not :data:`RESULTS`."""


def for_results(name: str) -> NumberTolerance:
    """The tolerance of the lab results snapshot ``<lab>/<file>`` (e.g. ``01/losses.json``)."""
    return LAB_RESULTS.get(name, RESULTS)
