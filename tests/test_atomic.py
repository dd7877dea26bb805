"""Lab directories appear whole or not at all (initspec.runtime.atomic).

The swap is a few renames and removals. Each test below makes one of them fail, at every step
in turn, and checks that the lab's path then holds the complete old or the complete new
directory, never nothing, and that whatever is left beside it has a name a later run
recognises and clears.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from initspec.cli.main import main
from initspec.runtime import atomic
from initspec.runtime.atomic import atomic_directory, check_target, remove_stale

OLD = {"old.json": "old", "nested/old.txt": "old"}
NEW = {"new.json": "new", "nested/new.txt": "new", "nested/deeper/new.txt": "new"}
LEFTOVER = re.compile(r"\.lab\.(staging|old)-\d+-[0-9a-f]+")


def write_tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def read_tree(root: Path) -> dict[str, str] | None:
    """Every file under ``root`` with its text; None if nothing is at ``root``."""
    if not os.path.lexists(root):
        return None
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def hidden(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def dead_pid() -> int:
    """The id of a process that has ended."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


class Faults:
    """Counts the swap's file operations (rename, replace, rmtree, the atomic exchange) and
    makes the one numbered ``fail_at`` raise OSError instead of running."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, exchange: bool) -> None:
        self.calls: list[str] = []
        self.fail_at: int | None = None
        self.armed = False
        monkeypatch.setattr(os, "rename", self._wrap("rename", os.rename))
        monkeypatch.setattr(os, "replace", self._wrap("replace", os.replace))
        monkeypatch.setattr(shutil, "rmtree", self._wrap("rmtree", shutil.rmtree))
        no_exchange: Callable[[Path, Path], bool] = lambda a, b: False  # noqa: E731
        real = atomic._exchange if exchange else no_exchange
        monkeypatch.setattr(atomic, "_exchange", self._wrap("exchange", real))

    def _wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def operation(*args: Any, **kwargs: Any) -> Any:
            if self.armed:
                self.calls.append(name)
                if len(self.calls) - 1 == self.fail_at:
                    raise OSError(errno.EIO, f"injected failure of {name}")
            return function(*args, **kwargs)

        return operation

    @contextlib.contextmanager
    def swap(self, final: Path, fail_at: int | None) -> Iterator[None]:
        """Count and inject only while the directory is swapped in, not while it is made."""
        self.calls, self.fail_at = [], fail_at
        with atomic_directory(final) as staging:
            write_tree(staging, NEW)
            self.armed = True
            yield
        self.armed = False


def swap_once(faults: Faults, final: Path, fail_at: int | None) -> OSError | None:
    try:
        with faults.swap(final, fail_at):
            pass
    except OSError as error:
        return error
    finally:
        faults.armed = False
    return None


@pytest.mark.parametrize("before", [OLD, None], ids=["replacing", "creating"])
@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "renames"])
def test_a_failure_at_any_step_leaves_the_old_or_the_new_directory(
    before: dict[str, str] | None,
    exchange: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    faults = Faults(monkeypatch, exchange=exchange)
    count_run = tmp_path / "count"
    count_run.mkdir()
    if before is not None:
        write_tree(count_run / "lab", before)
    assert swap_once(faults, count_run / "lab", None) is None
    steps = list(faults.calls)
    assert read_tree(count_run / "lab") == NEW and hidden(count_run) == []
    assert steps, "the swap did no file operation"

    for k in range(len(steps)):
        parent = tmp_path / f"fail-{k}"
        parent.mkdir()
        final = parent / "lab"
        if before is not None:
            write_tree(final, before)
        error = swap_once(faults, final, k)
        where = f"failure at step {k} ({steps[k]} of {steps})"
        assert read_tree(final) == (before if error is not None else NEW), where
        assert all(LEFTOVER.fullmatch(name) for name in hidden(parent)), (where, hidden(parent))

        # A later run (this one's process gone) clears what is left and keeps the directory.
        kept = read_tree(final)
        with monkeypatch.context() as later:
            later.setattr(atomic, "process_alive", lambda pid: False)
            remove_stale(final)
        assert hidden(parent) == [], where
        assert read_tree(final) == kept, where


def test_a_run_killed_between_the_two_renames_is_put_back_by_the_next(tmp_path: Path) -> None:
    final = tmp_path / "lab"
    backup = tmp_path / f".lab.old-{dead_pid()}-0badc0de"
    write_tree(backup, OLD)
    staging = tmp_path / f".lab.staging-{dead_pid()}-0123abcd"
    write_tree(staging, NEW)
    with pytest.raises(RuntimeError), atomic_directory(final):
        raise RuntimeError("this run fails too")
    assert read_tree(final) == OLD
    assert hidden(tmp_path) == []


def test_stale_staging_is_removed_and_a_live_runs_is_kept(tmp_path: Path) -> None:
    final = tmp_path / "lab"
    write_tree(final, OLD)
    dead = tmp_path / f".lab.staging-{dead_pid()}-00000001"
    live = tmp_path / f".lab.staging-{os.getpid()}-00000002"
    old_backup_of_live_pid = tmp_path / f".lab.old-{os.getpid()}-00000003"
    others = [tmp_path / ".lab.notes", tmp_path / ".other.staging-1-00000004"]
    for path in (dead, live, old_backup_of_live_pid, *others):
        write_tree(path, NEW)
    day_ago = time.time() - atomic.STALE_AFTER_S - 60
    os.utime(old_backup_of_live_pid, (day_ago, day_ago))  # its pid may be another process now

    with atomic_directory(final) as staging:
        assert sorted(p.name for p in tmp_path.iterdir() if p != staging) == sorted(
            ["lab", live.name, *(p.name for p in others)]
        )
        write_tree(staging, NEW)
    assert read_tree(final) == NEW
    assert read_tree(live) == NEW, "a live run's staging directory was touched"
    assert hidden(tmp_path) == sorted([live.name, *(p.name for p in others)])


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077, 0o002])
def test_the_directory_mode_follows_the_umask(umask: int, tmp_path: Path) -> None:
    previous = os.umask(umask)
    try:
        with atomic_directory(tmp_path / "lab") as staging:
            write_tree(staging, NEW)
    finally:
        os.umask(previous)
    mode = stat.S_IMODE((tmp_path / "lab").stat().st_mode)
    assert mode == 0o777 & ~umask, f"mode {mode:o} under umask {umask:03o}"


def test_a_regular_file_at_the_path_is_refused_before_anything_is_made(tmp_path: Path) -> None:
    final = tmp_path / "lab"
    final.write_text("mine\n")
    with pytest.raises(OSError, match=re.escape(str(final))):
        check_target(final)
    with pytest.raises(OSError, match="not a directory"), atomic_directory(final):
        pytest.fail("the body ran although the path holds a file")
    assert final.read_text() == "mine\n" and hidden(tmp_path) == []


def test_a_symbolic_link_at_the_path_is_refused_and_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    write_tree(target, OLD)
    final = tmp_path / "lab"
    final.symlink_to(target)
    with pytest.raises(OSError, match="symbolic link"), atomic_directory(final):
        pytest.fail("the body ran although the path is a link")
    assert final.is_symlink() and read_tree(target) == OLD and hidden(tmp_path) == []


def test_a_file_that_appears_while_the_lab_runs_is_refused_at_the_swap(tmp_path: Path) -> None:
    final = tmp_path / "lab"
    with pytest.raises(OSError, match=re.escape(str(final))), atomic_directory(final) as staging:
        write_tree(staging, NEW)
        final.write_text("mine\n")
    assert final.read_text() == "mine\n" and hidden(tmp_path) == []


def test_the_cli_refuses_a_file_at_the_lab_path_before_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import initspec.labs.lab01 as lab01

    trained: list[Path] = []
    monkeypatch.setattr(lab01, "run", lambda out, options: trained.append(out))
    (tmp_path / str(lab01.DIRECTORY)).write_text("mine\n")
    code = main(["lab", "01", "--out", str(tmp_path), "--quiet"])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1, (code, lines)
    assert str(tmp_path / str(lab01.DIRECTORY)) in lines[0]
    assert trained == [], "the lab trained although its directory could not be written"
    assert hidden(tmp_path) == []
