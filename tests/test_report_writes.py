"""Verdicts are never lost with exit code 0: a report that cannot be written says so, keeps the
run's verdicts for the next run and fails the run; a run that judged nothing leaves reports/
alone; every entry that can be read is kept; what is not a regular file is refused.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import filelock
import pytest

from initspec.claims.registry import CLAIMS
from initspec.judging.outcome import TestOutcome as Outcome
from initspec.report import pending, store
from initspec.report.merge import Batch
from initspec.report.store import read_earlier, store_report, write_report

pytest_plugins = ["pytester"]

A, B, C = "lab01.uniform-variance", "lab01.kaiming-trains", "lab01.xavier-slow"


def outcome(claim: str, verdict: str) -> Outcome:
    return Outcome(nodeid=f"spec/x.py::test_{claim}", claims=[claim], verdict=verdict)


def verdicts(reports: Path) -> dict[str, str]:
    document = json.loads((reports / "claims.json").read_text(encoding="utf-8"))
    return {entry["id"]: entry["verdict"] for entry in document["claims"]}


@pytest.fixture
def reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A reports directory where A holds and B is refuted; no user cache is touched."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    reports = tmp_path / "reports"
    write_report(reports, [outcome(A, "holds"), outcome(B, "refuted")], "t1", commit="c1")
    return reports


def test_a_held_lock_keeps_the_verdicts_for_the_next_run(
    reports: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "LOCK_TIMEOUT_S", 0.2)
    said: list[str] = []
    before = (reports / "claims.json").read_bytes()
    with filelock.FileLock(f"{reports / 'claims.json'}.lock"):
        stored = store_report(reports, [outcome(C, "refuted")], "t2", commit="c2", warn=said.append)
    assert not stored.written and stored.kept_at is not None
    assert (reports / "claims.json").read_bytes() == before
    (line,) = said
    assert "was not written" in line and "held for over" in line and str(stored.kept_at) in line
    assert pending.waiting(reports) == [stored.kept_at]
    write_report(reports, [outcome(A, "refuted")], "t3", commit="c3", warn=said.append)
    after = verdicts(reports)
    assert (after[A], after[B], after[C]) == ("refuted", "refuted", "refuted"), after
    assert pending.waiting(reports) == [], "a merged waiting file must be removed"


def test_an_older_waiting_verdict_never_replaces_a_newer_one(
    reports: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "LOCK_TIMEOUT_S", 0.1)
    with filelock.FileLock(f"{reports / 'claims.json'}.lock"):
        store_report(reports, [outcome(C, "refuted")], "t2", commit="c2", warn=lambda _: None)
    write_report(reports, [outcome(C, "holds")], "t3", commit="c3", warn=lambda _: None)
    assert verdicts(reports)[C] == "holds"


def test_a_failed_write_after_a_bad_entry_leaves_the_file_and_says_so(
    reports: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = json.loads((reports / "claims.json").read_bytes())
    document["claims"][0]["verdict"] = "bogus"
    damaged = json.dumps(document).encode()
    (reports / "claims.json").write_bytes(damaged)

    def full_disk(texts: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(reports / "claims.json"))

    monkeypatch.setattr(store, "write_files", full_disk)
    said: list[str] = []
    stored = store_report(reports, [outcome(C, "holds")], "t2", commit="c2", warn=said.append)
    assert not stored.written
    assert (reports / "claims.json").read_bytes() == damaged, "claims.json must stay in place"
    assert sorted(reports.glob("claims.json.corrupt-*")) == [], "no backup of an unwritten file"
    (line,) = said
    assert "No space left on device" in line and "entries kept" not in line, line
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(reports.parent / "cache"))
    write_report(reports, [], "t3", commit="c3", warn=said.append)
    after = verdicts(reports)
    assert (after[B], after[C]) == ("refuted", "holds"), "the next run lost kept verdicts"


def test_a_report_that_cannot_be_written_anywhere_says_its_verdicts_are_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("mine")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    said: list[str] = []
    stored = store_report(
        blocker / "reports", [outcome(C, "holds")], "t", commit="c", warn=said.append
    )
    assert not stored.written and stored.kept_at is None
    assert "could not be kept either" in said[0]


@pytest.mark.parametrize("where", ["nan-in-one-entry", "cut-short"])
def test_one_bad_token_or_a_cut_keeps_every_entry_that_can_be_read(
    reports: Path, where: str
) -> None:
    text = (reports / "claims.json").read_text(encoding="utf-8")
    document = json.loads(text)
    ids = [entry["id"] for entry in document["claims"]]
    if where == "nan-in-one-entry":
        damaged = text.replace('"steps": null', '"steps": NaN', 1)
        lost = {ids[0]}
    else:
        last = text.index(f'"id": "{ids[-1]}"')
        damaged = text[:last]
        lost = {ids[-1]}
    (reports / "claims.json").write_text(damaged, encoding="utf-8")
    earlier = read_earlier(reports / "claims.json")
    assert earlier.problems, "a damaged file must be named"
    assert {e.id for e in earlier.entries} == set(ids) - lost
    write_report(reports, [outcome(C, "holds")], "t2", commit="c2", warn=lambda _: None)
    after = verdicts(reports)
    assert (after[A], after[B]) == ("holds", "refuted"), "measured claims became not-run"


def test_the_mode_of_a_rewritten_report_is_kept(reports: Path) -> None:
    os.chmod(reports / "claims.json", 0o640)
    os.chmod(reports / "index.md", 0o604)
    write_report(reports, [outcome(C, "holds")], "t2", commit="c2")
    assert stat.S_IMODE(os.stat(reports / "claims.json").st_mode) == 0o640
    assert stat.S_IMODE(os.stat(reports / "index.md").st_mode) == 0o604


def test_temporary_files_of_killed_writes_are_removed(reports: Path) -> None:
    dead = reports / ".index.html.999999999-0123abcd.tmp"  # no such process id
    legacy = reports / ".index.md.abcd_123.tmp"  # mkstemp's naming, an hour old
    live = reports / f".claims.json.{os.getpid()}-0123abcd.tmp"  # this process: still writing
    for path in (dead, legacy, live):
        path.write_text("half")
    os.utime(legacy, (1, 1))
    write_report(reports, [outcome(C, "holds")], "t2", commit="c2")
    assert not dead.exists() and not legacy.exists()
    assert live.exists(), "a live writer's temporary file must be left alone"


@pytest.mark.parametrize("name", ["claims.json", "index.md", "index.html"])
def test_a_fifo_in_the_reports_directory_is_refused_without_blocking(
    tmp_path: Path, name: str
) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    os.mkfifo(reports / name)
    code = textwrap.dedent(
        f"""
        from pathlib import Path
        from initspec.judging.outcome import TestOutcome
        from initspec.report.store import read_earlier, store_report
        reports = Path({str(reports)!r})
        print(read_earlier(reports / "claims.json").problems)
        outcome = TestOutcome(nodeid="t::t", claims=["{A}"], verdict="holds")
        stored = store_report(reports, [outcome], "t", commit="c")
        print(stored.written)
        """
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "False", run.stdout
    assert f"{name} is a FIFO, not a regular file" in run.stderr, run.stderr
    assert stat.S_ISFIFO(os.stat(reports / name).st_mode), "the FIFO must be left in place"


def test_the_report_can_be_rendered_after_a_pending_merge(reports: Path) -> None:
    kept = pending.keep(reports, Batch([outcome(C, "error")], "t0", "c0"))
    write_report(reports, [], "t2", commit="c2", warn=lambda _: None)
    assert verdicts(reports)[C] == "error" and not kept.exists()
    assert len(verdicts(reports)) == len(CLAIMS)


SUITE = """
import pytest

@pytest.mark.claim("lab01.uniform-variance")
def test_claim(evidence):
    assert True

@pytest.mark.claim("lab01.kaiming-trains")
def test_skipped(evidence):
    pytest.skip("not today")

def test_harness():
    assert True
"""


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()
    }


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("INITSPEC_TIER", raising=False)
    monkeypatch.delenv("INITSPEC_WORKERS", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(pytester.path / "cache"))
    pytester.makepyfile(test_suite=SUITE)
    (pytester.path / "known.toml").write_text("")
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    reports = pytester.path / "reports"
    return pytester.runpytest(
        "-p",
        "initspec.plugin.hooks",
        "--known-failures=known.toml",
        f"--reports-dir={reports}",
        *args,
    )


@pytest.mark.parametrize("selection", ["harness", "skipped"])
def test_a_run_that_judged_no_claim_leaves_the_report_byte_for_byte(
    suite: pytest.Pytester, selection: str
) -> None:
    assert run(suite).ret == pytest.ExitCode.OK
    reports = suite.path / "reports"
    before = snapshot(reports)
    result = run(suite, "-k", selection)
    assert result.ret == pytest.ExitCode.OK
    assert snapshot(reports) == before, "a run that judged nothing rewrote the report"
    result.stdout.fnmatch_lines(["*no claim was judged in this run*left as it was*"])


def test_a_run_whose_report_is_not_written_fails_and_says_so(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    reports = suite.path / "reports"
    reports.mkdir()
    os.mkfifo(reports / "index.md")
    result = run(suite)
    assert result.ret == pytest.ExitCode.TESTS_FAILED, "a report not written must fail the run"
    out = result.stdout.str()
    assert "the claims report was NOT written" in out and "measured in this run" not in out
    assert "this run measured 1 claims: 1 holds" in out
    assert "report: " not in out, "no link to pages that were not written"
    (kept,) = pending.waiting(reports)
    os.unlink(reports / "index.md")
    assert run(suite, "-k", "harness").ret == pytest.ExitCode.OK, "the waiting verdicts are written"
    assert verdicts(reports)[A] == "holds" and not kept.exists()


@pytest.mark.parametrize("value", ["0", "two", "-1", "²"])
def test_a_bad_initspec_workers_stops_pytest_before_anything_runs(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("INITSPEC_WORKERS", value)
    result = run(suite)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*INITSPEC_WORKERS must be a positive integer*"])
    assert not (suite.path / "reports").exists(), "nothing may be written"


def test_a_run_interrupted_before_any_verdict_leaves_the_report(suite: pytest.Pytester) -> None:
    assert run(suite).ret == pytest.ExitCode.OK
    reports = suite.path / "reports"
    before = snapshot(reports)
    suite.makepyfile(test_a_first="def test_interrupted():\n    raise KeyboardInterrupt\n")
    result = suite.runpytest_subprocess(  # an interrupt in-process would stop this run too
        "-p", "initspec.plugin.hooks", "--known-failures=known.toml", f"--reports-dir={reports}"
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert snapshot(reports) == before, "an interrupted run that judged nothing rewrote the report"
