"""``--reports-dir`` that cannot hold the report is refused before any test runs: one line
naming the path and what to do, exit code 2 (not "File exists" after the run)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from initspec.plugin.reports_dir import check_reports_dir

ROOT = Path(__file__).resolve().parents[1]


def test_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("not a directory\n")
    with pytest.raises(ValueError, match=r"is a file, not a directory"):
        check_reports_dir(target)
    with pytest.raises(ValueError, match=r"lies under .*a-file, a file"):
        check_reports_dir(target / "reports")


def test_a_missing_directory_is_fine(tmp_path: Path) -> None:
    check_reports_dir(tmp_path / "new" / "reports")
    assert not (tmp_path / "new").exists(), "expected the check to create nothing"


def test_pytest_stops_with_one_line_and_exit_code_2(tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("not a directory\n")
    arguments = ["-n", "0", "-q", "--co", "--reports-dir", str(target), "tests/test_reports_dir.py"]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    said = (done.stdout + done.stderr).strip().splitlines()
    assert done.returncode == 2, f"expected exit code 2, got {done.returncode}: {said}"
    errors = [line for line in said if "initspec: error" in line]
    assert len(errors) == 1 and str(target) in errors[0], f"expected one line naming it: {said}"
    assert not any("File exists" in line for line in said), said
