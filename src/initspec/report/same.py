"""``python -m initspec.report.same OLD NEW [--tier TIER]``: did two runs measure the same?

Two ``claims.json`` (or the reports directories that hold them) are compared claim by claim and
test by test at one tier (default ``quick``): the verdicts, every criterion with its values, the
evidence, the sensitivity rows, the notes and the figures' names. What says only when and where
a result was measured is set aside (:data:`RUN_FIELDS`: the commit, the time, whether this run
measured it, the verdict before it). A change that only moves code around (a refactor) must
leave a run of the same seeds on the same machine the same bits: this tool is how a refactor
shows it, from two runs of the quick tier, in minutes instead of the document tier's hours.

``--common`` compares only the claims both measured (one spec directory's run against a whole
report). Exit code 0: the same; 1: they differ (a line per difference on stdout); 2: an input
cannot be read (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from initspec.report.schema import parse
from initspec.report.store import CLAIMS_JSON, not_regular

# What records when and where a result was measured, not what was measured.
RUN_FIELDS = frozenset({"commit", "measured_at", "fresh", "previous_verdict"})


def measured(result: Mapping[str, Any]) -> dict[str, Any]:
    """A tier's result (or one test's) without :data:`RUN_FIELDS`, its tests likewise, by name."""
    kept = {key: value for key, value in result.items() if key not in RUN_FIELDS}
    if "tests" in kept:
        kept["tests"] = {test["test"]: measured(test) for test in kept["tests"]}
    return kept


def tier_results(report: Mapping[str, Any], tier: str) -> dict[str, dict[str, Any]]:
    """Claim ID -> what it measured at ``tier``, for every claim measured at that tier."""
    return {
        claim["id"]: measured(claim["results"][tier])
        for claim in report["claims"]
        if tier in (claim.get("results") or {})
    }


def differences(
    old: Mapping[str, Any], new: Mapping[str, Any], tier: str, common: bool = False
) -> list[str]:
    """One line per claim, test or field whose measurement at ``tier`` differs; with
    ``common``, a claim measured on one side only is not one (a run of one spec directory
    against a whole report)."""
    before, after = tier_results(old, tier), tier_results(new, tier)
    lines: list[str] = []
    if not common:
        lines += [f"{c}: measured in OLD only" for c in sorted(before.keys() - after.keys())]
        lines += [f"{c}: measured in NEW only" for c in sorted(after.keys() - before.keys())]
    for claim in sorted(before.keys() & after.keys()):
        lines += _compare(claim, before[claim], after[claim])
    return lines


def _compare(where: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    lines = []
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key), new.get(key)
        if key == "tests" and isinstance(a, dict) and isinstance(b, dict):
            lines += [f"{where}: {test}: run in OLD only" for test in sorted(a.keys() - b.keys())]
            lines += [f"{where}: {test}: run in NEW only" for test in sorted(b.keys() - a.keys())]
            for test in sorted(a.keys() & b.keys()):
                lines += _compare(f"{where}: {test}", a[test], b[test])
        elif a != b:
            lines.append(f"{where}: {key} differs: {_short(a)} -> {_short(b)}")
    return lines


def _short(value: Any, chars: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= chars else text[: chars - 3] + "..."


def read(path: Path) -> Mapping[str, Any]:
    """The report at ``path`` (a claims.json or a directory holding one); ValueError if it
    cannot be read as one."""
    json_path = path / CLAIMS_JSON if path.is_dir() else path
    kind = not_regular(json_path)
    if kind is not None:
        raise ValueError(f"{json_path} is {kind}, not a regular file")
    try:
        report = parse(json_path.read_bytes())
    except OSError as error:
        raise ValueError(f"{json_path} cannot be read: {error.strerror or error}") from None
    except ValueError as error:
        raise ValueError(f"{json_path} is not strict JSON: {error}") from None
    if not isinstance(report, dict) or not isinstance(report.get("claims"), list):
        raise ValueError(f"{json_path} is not a claims report (no list of claims)")
    return report


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m initspec.report.same",
        description="Whether two reports measured the same at one tier (exit 0) or not (1).",
    )
    parser.add_argument("old", type=Path, help="a claims.json, or a reports directory")
    parser.add_argument("new", type=Path, help="a claims.json, or a reports directory")
    parser.add_argument("--tier", default="quick", choices=("quick", "document"))
    parser.add_argument(
        "--common", action="store_true", help="compare only the claims both measured at the tier"
    )
    options = parser.parse_args(argv)
    try:
        old, new = read(options.old), read(options.new)
        lines = differences(old, new, options.tier, options.common)
    except ValueError as error:
        print(f"initspec: {error}", file=sys.stderr)
        return 2
    except (KeyError, TypeError, AttributeError) as error:
        print(f"initspec: a claim or test of a report lacks a field ({error!r})", file=sys.stderr)
        return 2
    compared = len(tier_results(old, options.tier).keys() & tier_results(new, options.tier).keys())
    for line in lines:
        print(line)
    verdict = "differ" if lines else "measured the same"
    print(f"{compared} claims compared at the {options.tier} tier: {verdict}")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
