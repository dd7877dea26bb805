"""The commit a verdict or a lab records (initspec.artifacts.git_commit): the working tree's HEAD,
marked ``-dirty`` when code differs from it, but not when only the generated ``reports/`` do
(every spec run and lab rewrites them, and a second run in the same checkout measures the same
code as the first)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from initspec.artifacts import git_commit


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git checkout of one commit: a code file in src/ and a generated report in reports/."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "code.py").write_text("x = 1\n")
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "claims.json").write_text("{}\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(
        tmp_path,
        "-c", "user.name=initspec", "-c", "user.email=initspec@example.invalid",
        "commit", "-q", "-m", "one",
    )  # fmt: skip
    return tmp_path


def test_a_clean_checkout_gives_its_commit(repo: Path) -> None:
    head = _git(repo, "rev-parse", "HEAD")
    assert git_commit(repo / "src") == head, "expected HEAD without -dirty"


def test_a_rewritten_report_leaves_the_commit_clean(repo: Path) -> None:
    (repo / "reports" / "claims.json").write_text('{"rewritten": true}\n')
    head = _git(repo, "rev-parse", "HEAD")
    measured = git_commit(repo / "src")
    assert measured == head, f"expected {head} (only reports/ changed), got {measured}"


def test_changed_code_marks_the_commit_dirty(repo: Path) -> None:
    (repo / "src" / "code.py").write_text("x = 2\n")
    (repo / "reports" / "claims.json").write_text('{"rewritten": true}\n')
    head = _git(repo, "rev-parse", "HEAD")
    measured = git_commit(repo)
    expected = f"{head}-dirty"
    assert measured == expected, f"expected {expected} (src/code.py changed), got {measured}"


def test_outside_a_checkout_there_is_no_commit(tmp_path: Path) -> None:
    assert git_commit(tmp_path) is None
