"""syrupy extensions that compare within a tolerance and write the review page on a mismatch.

* :class:`FigureSnapshotExtension`: a PNG matches its snapshot when the two are the same size
  and ``rms <= FIGURE_RMS`` (:mod:`initspec.snapshots.images`);
* :class:`ResultsSnapshotExtension`: a results document matches when every number agrees within
  its tolerance and everything else is equal (:mod:`initspec.snapshots.numbers`). The snapshot
  file (``.json``) holds ``{"tolerance": ..., "results": ...}``: the tolerance the test states
  (:class:`Tolerated`; :data:`RESULTS` if none) is written with the numbers.

A snapshot within tolerance passes and ``--snapshot-update`` leaves it as it is (only changes a
person accepts are rewritten). One beyond it fails with the measured difference, the tolerance
and the path of the review page (:mod:`initspec.snapshots.review`).

Use them as ``snapshot.use_extension(FigureSnapshotExtension) == png_bytes``: syrupy writes the
failure message after the assertion, from the assertion's extension, which
``snapshot(extension_class=...)`` has already swapped back to the default one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from syrupy.extensions.image import PNGImageSnapshotExtension
from syrupy.extensions.json import JSONSnapshotExtension

from initspec.snapshots.images import compare_png
from initspec.snapshots.numbers import NumberTolerance, compare_documents
from initspec.snapshots.review import MAX_ROWS, Entry, change_row, file_stem, record, review_root
from initspec.snapshots.tolerances import FIGURE_RMS, RESULTS

ACCEPT = "accept it with --snapshot-update (only snapshots beyond tolerance are rewritten)"


class _Remembers:
    """Remembers which snapshot file syrupy last read, so a mismatch can name it."""

    _location: str = ""
    _name: str = ""
    _report: list[str] | None = None

    def _remember(self, snapshot_location: str, snapshot_name: str) -> None:
        self._location, self._name, self._report = snapshot_location, snapshot_name, None


class FigureSnapshotExtension(_Remembers, PNGImageSnapshotExtension):
    """PNG snapshots compared as pictures: RMS within :data:`FIGURE_RMS`."""

    rms_tolerance: float = FIGURE_RMS

    def read_snapshot_data_from_location(
        self, *, snapshot_location: str, snapshot_name: str, session_id: str
    ) -> Any:
        self._remember(snapshot_location, snapshot_name)
        return super().read_snapshot_data_from_location(
            snapshot_location=snapshot_location,
            snapshot_name=snapshot_name,
            session_id=session_id,
        )

    def matches(self, *, serialized_data: Any, snapshot_data: Any) -> bool:
        if serialized_data == snapshot_data:
            return True
        comparison = compare_png(bytes(snapshot_data), bytes(serialized_data))
        if comparison.within(self.rms_tolerance):
            return True
        stem = file_stem(self._location)
        images = {f"{stem}.expected.png": bytes(snapshot_data)}
        images[f"{stem}.actual.png"] = bytes(serialized_data)
        if comparison.diff_png is not None:
            images[f"{stem}.diff.png"] = comparison.diff_png
        summary = comparison.describe(self.rms_tolerance)
        entry = Entry(
            name=self._name,
            snapshot=self._location,
            summary=summary,
            expected=f"{stem}.expected.png",
            actual=f"{stem}.actual.png",
            diff=f"{stem}.diff.png" if comparison.diff_png is not None else None,
        )
        page = record(review_root(self._location), entry, images)
        self._report = [
            f"figure {self._name} changed beyond tolerance: {summary}",
            f"snapshot: {self._location}",
            f"review (old | new | diff): {page}",
            ACCEPT,
        ]
        return False

    def diff_lines(self, serialized_data: Any, snapshot_data: Any) -> Iterator[str]:
        yield from self._report or [f"figure {self._name}: no snapshot yet ({self._location})"]


@dataclass(frozen=True)
class Tolerated:
    """Results and the tolerance to compare them with: ``snapshot == Tolerated(data, tol)``."""

    results: Any
    tolerance: NumberTolerance = RESULTS


def _tolerance_json(tolerance: NumberTolerance) -> dict[str, Any]:
    return {"rtol": tolerance.rtol, "atol": tolerance.atol, "free_texts": tolerance.free_texts}


class ResultsSnapshotExtension(_Remembers, JSONSnapshotExtension):
    """Results documents compared number by number (the module docstring)."""

    def read_snapshot_data_from_location(
        self, *, snapshot_location: str, snapshot_name: str, session_id: str
    ) -> Any:
        self._remember(snapshot_location, snapshot_name)
        return super().read_snapshot_data_from_location(
            snapshot_location=snapshot_location,
            snapshot_name=snapshot_name,
            session_id=session_id,
        )

    def serialize(self, data: Any, **_: Any) -> str:
        tolerated = data if isinstance(data, Tolerated) else Tolerated(data)
        document = {"tolerance": _tolerance_json(tolerated.tolerance), "results": tolerated.results}
        return json.dumps(document, indent=2, sort_keys=True, allow_nan=False) + "\n"

    def matches(self, *, serialized_data: Any, snapshot_data: Any) -> bool:
        if serialized_data == snapshot_data:
            return True
        new, old = json.loads(serialized_data), json.loads(snapshot_data)
        stated = new.get("tolerance", {})
        tolerance = NumberTolerance(
            float(stated.get("rtol", RESULTS.rtol)),
            float(stated.get("atol", RESULTS.atol)),
            bool(stated.get("free_texts", False)),
        )
        found = compare_documents(old.get("tolerance"), new.get("tolerance"), NumberTolerance(0, 0))
        found += compare_documents(old.get("results"), new.get("results"), tolerance)
        if not found:
            return True
        values = "value" if len(found) == 1 else "values"
        summary = f"{len(found)} {values} beyond {tolerance.describe()}"
        entry = Entry(
            name=self._name,
            snapshot=self._location,
            summary=summary,
            changes=[change_row(change) for change in found[:MAX_ROWS]],
            changed_values=len(found),
        )
        page = record(review_root(self._location), entry)
        self._report = [
            f"results {self._name} changed: {summary}",
            *(f"  {change.describe()}" for change in found[:10]),
            *([f"  ... and {len(found) - 10} more"] if len(found) > 10 else []),
            f"snapshot: {self._location}",
            f"review (old vs new, every value): {page}",
            ACCEPT,
        ]
        return False

    def diff_lines(self, serialized_data: Any, snapshot_data: Any) -> Iterator[str]:
        yield from self._report or [f"results {self._name}: no snapshot yet ({self._location})"]
