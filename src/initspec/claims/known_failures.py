"""Known failures: the claims the measurements refute, or that hold only under a condition.

The registry lists them: a claim's ``known`` (:class:`initspec.claims.registry.Known`) gives the
verdict its tests are expected to give, which of its tests give it, and in which tiers. What fails,
and by how much, is the criteria those tests record, which the report renders: no words are typed
beside them. The plugin runs every listed test as a strict xfail that expects
:class:`initspec.judging.judge.ClaimNotMet`; see :mod:`initspec.plugin.hooks`.

``--known-failures PATH`` replaces the registry's list with a TOML file (or a directory of
them), one table per claim, as the harness tests use it::

    ["lab01.lr-too-high"]
    verdict = "conditional"          # or "refuted"
    reason = "optional words, shown as the test's note"
    tests = ["test_name_substring"]  # optional: only the claim's tests whose name contains one
    tiers = ["document"]             # optional: only in these tiers (default: every tier)
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from initspec.claims.registry import CLAIMS, KNOWN_VERDICTS, Known, get_claim
from initspec.judging.outcome import TIERS

LISTED_VERDICTS = KNOWN_VERDICTS
_KEYS = {"verdict", "reason", "tests", "tiers"}


@dataclass(frozen=True)
class KnownFailure:
    """One listed claim: the verdict its tests are expected to give, and why, in words."""

    claim_id: str
    verdict: str
    reason: str | None  # words of a TOML entry; None for the registry's (the criteria say it)
    tests: tuple[str, ...] | None  # None: every test of the claim
    file: Path | None  # the TOML file that lists it; None: the registry
    # The tiers the entry holds in (a claim can fail at one horizon and hold at another).
    tiers: tuple[str, ...] = TIERS

    def applies_to(self, test_name: str, tier: str) -> bool:
        """Whether the test called ``test_name`` (with its parameters) is expected to fail
        in ``tier``."""
        if tier not in self.tiers:
            return False
        return self.tests is None or any(part in test_name for part in self.tests)


def registry_known_failures() -> dict[str, KnownFailure]:
    """The known failures the registry lists (every claim with a ``known``), by claim ID."""
    return {
        claim.id: _from_registry(claim.id, claim.known)
        for claim in CLAIMS.values()
        if claim.known is not None
    }


def _from_registry(claim_id: str, known: Known) -> KnownFailure:
    return KnownFailure(
        claim_id=claim_id,
        verdict=known.verdict,
        reason=None,
        tests=known.tests,
        file=None,
        tiers=known.tiers,
    )


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
        raise pytest.UsageError(f"{where} must be a table with a 'verdict'")
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise pytest.UsageError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(_KEYS)}")
    verdict = entry.get("verdict")
    if verdict not in LISTED_VERDICTS:
        raise pytest.UsageError(
            f"{where}: 'verdict' must be one of {list(LISTED_VERDICTS)}, not {verdict!r}"
        )
    reason = entry.get("reason")
    if reason is not None and (not isinstance(reason, str) or not reason.strip()):
        raise pytest.UsageError(f"{where}: 'reason', where given, must be a non-empty string")
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
        reason=" ".join(reason.split()) if reason is not None else None,
        tests=tuple(tests) if tests is not None else None,
        file=file,
        tiers=tuple(tiers),
    )
