"""Two results documents (JSON values) compared number by number, with stated tolerances.

Two numbers ``a`` (the snapshot's) and ``b`` (this run's) agree when
``|a - b| <= atol + rtol * max(|a|, |b|)`` (``math.isclose``'s rule), unless both are integers
(steps, counts, seeds), which must be equal. Everything else must be equal too:
the keys of every object, the length of every list, ``None`` (a NaN) against a number, booleans
and strings, except that with ``free_texts`` the strings inside lists (sampled names: one draw
flips where a last-bit difference moves a probability across the uniform number drawn, and every
later draw shifts) only need to be strings, as many as before.

Each disagreement is a :class:`Change`: where (``losses.kaiming[54]``), the old and new value,
and for numbers the difference and what the tolerance allowed there.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

ABSENT = "(absent)"


@dataclass(frozen=True)
class NumberTolerance:
    """``rtol`` and ``atol`` for numbers; ``free_texts``: strings in lists may differ."""

    rtol: float
    atol: float
    free_texts: bool = False

    def allowed(self, a: float, b: float) -> float:
        """The largest difference allowed between ``a`` and ``b``."""
        return self.atol + self.rtol * max(abs(a), abs(b))

    def describe(self) -> str:
        texts = "; texts in lists free (count checked)" if self.free_texts else ""
        return f"rtol {self.rtol:g}, atol {self.atol:g}{texts}"


@dataclass(frozen=True)
class Change:
    """One value that disagrees: its ``path``, ``old`` and ``new`` as JSON text, and for two
    numbers the ``difference`` and the ``allowed`` one."""

    path: str
    old: str
    new: str
    difference: float | None = None
    allowed: float | None = None

    def describe(self) -> str:
        line = f"{self.path or '(whole document)'}: {self.old} -> {self.new}"
        if self.difference is not None and self.allowed is not None:
            line += f" (difference {self.difference:.3g}, allowed {self.allowed:.3g})"
        return line


def _text(value: Any) -> str:
    if value is None:
        return "null"
    return json.dumps(value, sort_keys=True)[:200]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _key(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def changes(
    old: Any, new: Any, tolerance: NumberTolerance, path: str = "", *, in_list: bool = False
) -> Iterator[Change]:
    """Every place where ``new`` disagrees with ``old`` (module docstring: the rules)."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            where = _key(path, str(key))
            if key not in new:
                yield Change(where, _text(old[key]), ABSENT)
            elif key not in old:
                yield Change(where, ABSENT, _text(new[key]))
            else:
                yield from changes(old[key], new[key], tolerance, where)
    elif isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            yield Change(f"{path} (length)", str(len(old)), str(len(new)))
        for index, (a, b) in enumerate(zip(old, new, strict=False)):
            yield from changes(a, b, tolerance, f"{path}[{index}]", in_list=True)
    elif isinstance(old, int) and isinstance(new, int) and _is_number(old) and _is_number(new):
        if old != new:
            yield Change(path, _text(old), _text(new), float(abs(old - new)), 0.0)
    elif _is_number(old) and _is_number(new):
        a, b = float(old), float(new)
        if not (math.isfinite(a) and math.isfinite(b)):
            if not (a == b or (math.isnan(a) and math.isnan(b))):
                yield Change(path, _text(old), _text(new))
            return
        difference, allowed = abs(a - b), tolerance.allowed(a, b)
        if difference > allowed:
            yield Change(path, _text(old), _text(new), difference, allowed)
    elif isinstance(old, str) and isinstance(new, str) and in_list and tolerance.free_texts:
        return
    elif type(old) is not type(new) or old != new:
        yield Change(path, _text(old), _text(new))


def compare_documents(old: Any, new: Any, tolerance: NumberTolerance) -> list[Change]:
    """:func:`changes` as a list (empty: the documents agree within ``tolerance``)."""
    return list(changes(old, new, tolerance))
