"""The commit a verdict or a lab records (initspec.runtime.artifacts.git_commit): the working tree's
HEAD, marked ``-dirty`` when what decides a run's results differs from it (the code, the claim
tests, the package's pins), but not when only other files do: the generated ``reports/`` (every spec
run and lab rewrites them) or the docs and README edited while a long run trains."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from initspec.runtime.artifacts import git_commit


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
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "test_claim.py").write_text("def test_claim() -> None: ...\n")
    (tmp_path / "README.md").write_text("# a project\n")
    (tmp_path / "pyproject.toml").write_text("[project]\n")
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


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("spec/test_claim.py", "def test_claim() -> None: assert False\n"),
        ("pyproject.toml", "[project]\nname = 'other'\n"),
        ("spec/test_new_claim.py", "def test_new() -> None: ...\n"),  # new, not yet committed
    ],
)
def test_a_changed_claim_test_or_pin_marks_the_commit_dirty(
    repo: Path, path: str, text: str
) -> None:
    (repo / path).write_text(text)
    expected = f"{_git(repo, 'rev-parse', 'HEAD')}-dirty"
    measured = git_commit(repo)
    assert measured == expected, f"expected {expected} ({path} changed), got {measured}"


def test_edited_docs_leave_the_commit_clean(repo: Path) -> None:
    (repo / "README.md").write_text("# a project, now described\n")
    (repo / "docs").mkdir()
    (repo / "docs" / "new.md").write_text("a page not yet committed\n")
    head = _git(repo, "rev-parse", "HEAD")
    measured = git_commit(repo)
    assert measured == head, f"expected {head} (only the README and docs changed), got {measured}"


def test_outside_a_checkout_there_is_no_commit(tmp_path: Path) -> None:
    assert git_commit(tmp_path) is None
