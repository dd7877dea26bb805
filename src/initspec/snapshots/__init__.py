"""Snapshots that another CPU passes and a real change fails, reviewed as pictures.

* :mod:`~initspec.snapshots.images`: two PNGs compared by RMS pixel difference, a diff image;
* :mod:`~initspec.snapshots.numbers`: two results documents compared number by number;
* :mod:`~initspec.snapshots.tolerances`: the tolerances and the measured spread they rest on;
* :mod:`~initspec.snapshots.review`: the one HTML page listing every changed snapshot;
* :mod:`~initspec.snapshots.extensions`: the syrupy extensions the snapshot tests use (syrupy
  comes with the ``test`` extra).
"""
