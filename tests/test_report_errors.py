"""``python -m initspec.report`` on a directory it cannot write or lock: one line naming the
path, exit code 2, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from initspec.report import write_report
from initspec.report.__main__ import command


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    reports = tmp_path / "reports"
    write_report(reports, [], "2026-01-01T00:00:00+00:00", commit="abc", warn=lambda line: None)
    return reports


def test_a_lock_that_cannot_be_taken_is_one_line(
    reports: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = reports / "claims.json.lock"
    lock.unlink(missing_ok=True)  # the lock file a write leaves
    lock.mkdir()
    code = command([str(reports)])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1, f"expected exit 2 and one line; got {code}, {lines}"
    assert str(reports / "claims.json.lock") in lines[0], lines[0]


def test_an_unwritable_directory_is_one_line_from_the_command(reports: Path) -> None:
    """As the command runs it: no traceback on stderr (a directory in the lock's place stands
    for a directory that cannot be written, which root could write anyway)."""
    lock = reports / "claims.json.lock"
    lock.unlink(missing_ok=True)  # the lock file a write leaves
    lock.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "initspec.report", str(reports)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, f"expected exit code 2, got {done.returncode}: {done.stderr}"
    assert len(lines) == 1 and "Traceback" not in done.stderr, f"expected one line: {lines}"
    assert "cannot write the report" in lines[0], lines[0]
