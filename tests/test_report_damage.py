"""Nothing lost in the merge: a damaged reports directory never crashes a run or mislays a verdict.

An earlier claims.json that cannot be read, or does not match its schema, is moved aside to
``claims.json.corrupt-<time>`` with one line on stderr, the entries of it that do match are
kept, and the fresh verdicts are written. A claims.json that is a directory is left alone.
Two runs that finish together both get their verdicts into the file.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from initspec.claims.registry import CLAIMS
from initspec.judging.outcome import TestOutcome as Outcome
from initspec.report import write_report
from initspec.report.store import write_files

pytest_plugins = ["pytester"]

A, B, C = "lab01.uniform-variance", "lab01.kaiming-trains", "lab01.xavier-slow"


def outcome(claim: str, verdict: str) -> Outcome:
    return Outcome(nodeid=f"spec/x.py::test_{claim}", claims=[claim], verdict=verdict)


def verdicts(reports: Path) -> dict[str, str]:
    document = json.loads((reports / "claims.json").read_text(encoding="utf-8"))
    assert sum(document["counts"].values()) == len(CLAIMS)
    return {entry["id"]: entry["verdict"] for entry in document["claims"]}


def backups(reports: Path) -> list[Path]:
    return sorted(reports.glob("claims.json.corrupt-*"))


def leftovers(reports: Path) -> list[str]:
    return sorted(p.name for p in reports.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    """A reports directory whose claims.json says A holds and B is refuted."""
    reports = tmp_path / "reports"
    write_report(reports, [outcome(A, "holds"), outcome(B, "refuted")], "t1", commit="c1")
    return reports


def valid_bytes(reports: Path) -> bytes:
    return (reports / "claims.json").read_bytes()


CORRUPT: dict[str, Callable[[bytes], bytes]] = {
    "empty": lambda good: b"",
    "cut-in-half": lambda good: good[: len(good) // 2],
    "not-json": lambda good: b"claims: all fine\n",
    "a-list": lambda good: b"[1, 2, 3]\n",
    "not-utf8": lambda good: good.replace(b'"holds"', b'"h\xf6lds"', 1),
    "nan-token": lambda good: good.replace(b'"generated_at": "t1"', b'"generated_at": NaN', 1),
    "claims-not-a-list": lambda good: b'{"claims": 5, "counts": {}, "generated_at": "t"}',
}


@pytest.mark.parametrize("damage", list(CORRUPT), ids=str)
def test_an_unreadable_report_is_set_aside_and_the_fresh_verdicts_written(
    reports: Path, damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    damaged = CORRUPT[damage](valid_bytes(reports))
    assert damaged != valid_bytes(reports)
    (reports / "claims.json").write_bytes(damaged)
    write_report(reports, [outcome(C, "holds")], "t2", commit="c2")
    (backup,) = backups(reports)
    assert backup.read_bytes() == damaged, "the backup must be the damaged file as it was"
    assert verdicts(reports)[C] == "holds"
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("initspec: ") and "did not match its schema" in line
    assert backup.name in line
    assert leftovers(reports) == []


def damage_entry(reports: Path, claim: str, **fields: object) -> None:
    """Change (or with None, delete) fields of ``claim``'s entry in claims.json."""
    document = json.loads(valid_bytes(reports))
    entry = next(e for e in document["claims"] if e["id"] == claim)
    for name, value in fields.items():
        if value is None:
            del entry[name]
        else:
            entry[name] = value
    (reports / "claims.json").write_text(json.dumps(document), encoding="utf-8")


BAD_ENTRIES: dict[str, dict[str, Any]] = {
    "no-id": {"id": None},
    "seeds-a-string": {"seeds": "x"},
    "unknown-verdict": {"verdict": "bogus"},
    "verdict-not-a-string": {"verdict": 3},
    "tests-not-a-list": {"tests": {"t": "holds"}},
    "evidence-not-figures": {"evidence": {"t": [1, 2]}},
    "more-held-than-run": {"seeds": {"run": 2, "held": 3}},
    "unknown-field": {"verdict_": "holds"},
}


@pytest.mark.parametrize("damage", list(BAD_ENTRIES), ids=str)
def test_a_bad_entry_is_dropped_and_the_rest_kept(
    reports: Path, damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    damage_entry(reports, B, **BAD_ENTRIES[damage])
    write_report(reports, [outcome(C, "refuted")], "t2", commit="c2")
    after = verdicts(reports)
    assert (after[A], after[B], after[C]) == ("holds", "not-run", "refuted")
    assert len(backups(reports)) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert "did not match its schema" in line and "claims[" in line


def test_a_second_entry_for_one_claim_is_dropped(
    reports: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(valid_bytes(reports))
    first = next(e for e in document["claims"] if e["id"] == A)
    document["claims"].append({**first, "verdict": "error"})
    (reports / "claims.json").write_text(json.dumps(document), encoding="utf-8")
    write_report(reports, [outcome(C, "holds")], "t2", commit="c2")
    assert verdicts(reports)[A] == "holds"
    assert "a second entry" in capsys.readouterr().err


def test_wrong_counts_set_the_file_aside_but_keep_its_entries(
    reports: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(valid_bytes(reports))
    document["counts"] = {"bogus": 1}
    (reports / "claims.json").write_text(json.dumps(document), encoding="utf-8")
    write_report(reports, [outcome(C, "holds")], "t2", commit="c2")
    after = verdicts(reports)
    assert (after[A], after[B], after[C]) == ("holds", "refuted", "holds")
    assert len(backups(reports)) == 1 and "counts" in capsys.readouterr().err


def test_a_report_that_is_a_directory_is_left_alone(
    reports: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (reports / "claims.json").unlink()
    (reports / "claims.json").mkdir()
    (reports / "claims.json" / "inside.txt").write_text("mine")
    index_before = (reports / "index.md").read_bytes()
    report = write_report(reports, [outcome(C, "holds")], "t2", commit="c2")
    assert sorted(p.name for p in (reports / "claims.json").iterdir()) == ["inside.txt"]
    assert (reports / "index.md").read_bytes() == index_before, "index.md written half-way"
    assert leftovers(reports) == [] and backups(reports) == []
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("initspec: ") and "is a directory" in line
    assert sum(report["counts"].values()) == len(CLAIMS)


def test_a_failed_write_leaves_no_temporary_file_and_renames_nothing(tmp_path: Path) -> None:
    written = tmp_path / "a.txt"
    with pytest.raises(OSError):
        write_files({written: "a", tmp_path / "no-such-dir" / "b.txt": "b"})
    assert list(tmp_path.iterdir()) == []


SUITE_PASSES = """
import pytest

@pytest.mark.claim("lab01.uniform-variance")
def test_passes(evidence):
    assert True
"""

SUITE_FAILS = """
import pytest

@pytest.mark.claim("lab01.uniform-variance")
def test_fails(evidence):
    assert False
"""


@pytest.mark.parametrize(
    ("suite", "expected"),
    [(SUITE_PASSES, pytest.ExitCode.OK), (SUITE_FAILS, pytest.ExitCode.TESTS_FAILED)],
    ids=["passing", "failing"],
)
@pytest.mark.parametrize("damage", ["corrupt", "directory"])
def test_a_corrupt_report_keeps_the_exit_status_one_that_cannot_be_replaced_fails(
    pytester: pytest.Pytester, suite: str, expected: pytest.ExitCode, damage: str
) -> None:
    reports = pytester.path / "reports"
    reports.mkdir()
    if damage == "corrupt":
        (reports / "claims.json").write_bytes(b'{"claims": [')
    else:
        (reports / "claims.json").mkdir()
    pytester.makepyfile(test_suite=suite)
    (pytester.path / "known.toml").write_text("")
    result = pytester.runpytest(
        "-p",
        "initspec.plugin.hooks",
        f"--known-failures={pytester.path / 'known.toml'}",
        f"--reports-dir={reports}",
    )
    # A claims.json that is a directory cannot be replaced: the verdicts are not written, and
    # a run whose verdicts are not written fails (they wait for the next run).
    assert result.ret == (expected if damage == "corrupt" else pytest.ExitCode.TESTS_FAILED)
    said = [x for x in result.outlines + result.errlines if "initspec: " in x]
    assert len(said) == 1, said
    assert ("did not match its schema" if damage == "corrupt" else "is a directory") in said[0]


def test_the_warning_can_go_elsewhere_than_stderr(
    reports: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (reports / "claims.json").write_bytes(b"")
    said: list[str] = []
    write_report(reports, [outcome(C, "holds")], "t2", commit="c2", warn=said.append)
    assert len(said) == 1 and "did not match its schema" in said[0]
    assert capsys.readouterr().err == ""


# Each process merges its own claims' verdicts, one claim a time, into the same claims.json.
# A merge that read the file before the other process's write and wrote after it would drop
# that verdict for good; reading is slowed down to make that overlap likely.
RACER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from initspec.judging.outcome import TestOutcome
    from initspec.report import store

    reports, ready, name, *claims = sys.argv[1:]
    read_earlier = store.read_earlier

    def slow_read(path):
        earlier = read_earlier(path)
        time.sleep(0.01)
        return earlier

    store.read_earlier = slow_read
    store.merge([], [], "warm-up", None)  # import every lab module before the start
    (Path(ready) / name).touch()
    while len(list(Path(ready).iterdir())) < 2:
        time.sleep(0.005)
    for i, claim in enumerate(claims):
        outcome = TestOutcome(nodeid=f"t::{claim}", claims=[claim], verdict="holds")
        store.write_report(Path(reports), [outcome], f"{name}-{i}", commit="c")
    """
)


def test_two_runs_at_once_both_keep_their_verdicts(tmp_path: Path) -> None:
    reports, ready = tmp_path / "reports", tmp_path / "ready"
    ready.mkdir()
    ids = list(CLAIMS)[:40]
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(reports), str(ready), name, *ids[offset::2]],
            stderr=subprocess.PIPE,
            text=True,
        )
        for offset, name in enumerate(["even", "odd"])
    ]
    errors = [run.communicate(timeout=300)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], errors
    after = verdicts(reports)
    lost = [claim for claim in ids if after[claim] != "holds"]
    assert not lost, f"verdicts lost by a merge that overlapped another: {lost}"
    assert leftovers(reports) == [] and backups(reports) == []
