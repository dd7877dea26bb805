"""Known failures: the claims the measurements refute, or that hold only under a condition.

``spec/known_failures/*.toml`` lists them, one table per claim::

    ["lab01.lr-too-high"]
    verdict = "conditional"          # or "refuted"
    reason = "what fails, and under which condition the claim does hold, in words"
    tests = ["test_name_substring"]  # optional: only the claim's tests whose name contains one
    tiers = ["document"]             # optional: only in these tiers (default: every tier)

The reason is words only: the figures behind it are the criteria its tests record, which the
report renders. The plugin runs every listed test as a strict xfail that expects
:class:`initspec.judging.judge.ClaimNotMet`; see :mod:`initspec.pytest_plugin`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from initspec.claims import get_claim
from initspec.judging.outcome import TIERS

LISTED_VERDICTS = ("refuted", "conditional")
_KEYS = {"verdict", "reason", "tests", "tiers"}


@dataclass(frozen=True)
class KnownFailure:
    """One listed claim: the verdict its tests are expected to give, and why, in words."""

    claim_id: str
    verdict: str
    reason: str
    tests: tuple[str, ...] | None  # None: every test of the claim
    file: Path
    # The tiers the entry holds in (a claim can fail at one horizon and hold at another).
    tiers: tuple[str, ...] = TIERS

    def applies_to(self, test_name: str, tier: str) -> bool:
        """Whether the test called ``test_name`` (with its parameters) is expected to fail
        in ``tier``."""
        if tier not in self.tiers:
            return False
        return self.tests is None or any(part in test_name for part in self.tests)


def load_known_failures(path: Path) -> dict[str, KnownFailure]:
    """Known failures by claim ID, from a TOML file or a directory of them (``*.toml``).

    A missing path gives none. Any malformed entry is a ``pytest.UsageError`` that names the
    file and the entry.
    """
    files = sorted(path.glob("*.toml")) if path.is_dir() else [path] if path.exists() else []
    table: dict[str, KnownFailure] = {}
    for file in files:
        try:
            with file.open("rb") as handle:
                loaded = tomllib.load(handle)
        except tomllib.TOMLDecodeError as error:
            raise pytest.UsageError(f"{file}: not valid TOML: {error}") from None
        for claim_id, entry in loaded.items():
            known = _entry(file, claim_id, entry)
            if claim_id in table:
                earlier = table[claim_id].file
                raise pytest.UsageError(f"{file}: [{claim_id!r}] is also listed in {earlier}")
            table[claim_id] = known
    return table


def _entry(file: Path, claim_id: str, entry: Any) -> KnownFailure:
    where = f"{file}: [{claim_id!r}]"
    try:
        get_claim(claim_id)
    except KeyError as error:
        raise pytest.UsageError(f"{file}: {error.args[0]}") from None
    if not isinstance(entry, dict):
        raise pytest.UsageError(f"{where} must be a table with 'verdict' and 'reason'")
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise pytest.UsageError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(_KEYS)}")
    verdict = entry.get("verdict")
    if verdict not in LISTED_VERDICTS:
        raise pytest.UsageError(
            f"{where}: 'verdict' must be one of {list(LISTED_VERDICTS)}, not {verdict!r}"
        )
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise pytest.UsageError(f"{where}: 'reason' must be a non-empty string")
    tests = entry.get("tests")
    if tests is not None and (
        not isinstance(tests, list) or not tests or not all(isinstance(t, str) and t for t in tests)
    ):
        raise pytest.UsageError(f"{where}: 'tests' must be a non-empty list of non-empty strings")
    tiers = entry.get("tiers", list(TIERS))
    if (
        not isinstance(tiers, list)
        or not tiers
        or not all(tier in TIERS for tier in tiers)
        or len(set(tiers)) != len(tiers)
    ):
        raise pytest.UsageError(f"{where}: 'tiers' must be a non-empty list of {list(TIERS)}")
    return KnownFailure(
        claim_id=claim_id,
        verdict=verdict,
        reason=" ".join(reason.split()),
        tests=tuple(tests) if tests is not None else None,
        file=file,
        tiers=tuple(tiers),
    )
