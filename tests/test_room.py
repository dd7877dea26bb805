"""A lab that cannot be written says where, in one line, with exit code 2: a full disk or a
file-size limit is refused before training, and a write that fails anyway names the lab's path."""

from __future__ import annotations

import errno
import resource
import shutil
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from initspec.cli import room
from initspec.cli.main import main
from initspec.labs import writer

TINY = ["--steps", "5", "--depth", "3", "--width", "16", "--quiet"]


class Usage(NamedTuple):
    total: int
    used: int
    free: int


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {lines}"
    return lines[0]


def test_a_full_disk_is_refused_before_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(shutil, "disk_usage", lambda path: Usage(2**30, 2**30 - 2**20, 2**20))
    trained: list[object] = []
    monkeypatch.setattr(writer, "write_lab", lambda *args, **kw: trained.append(args))
    code = main(["lab", "01", "--out", str(tmp_path / "out"), *TINY])
    line = one_error_line(capsys)
    assert code == 2, f"expected exit code 2, got {code}"
    assert str(tmp_path / "out") in line and "MiB free" in line, line
    assert trained == [], "expected nothing trained"


def test_a_small_file_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resource, "getrlimit", lambda which: (1024, resource.RLIM_INFINITY))
    with pytest.raises(OSError, match=r"ulimit -f"):
        room.check_room(Path("."))


def test_a_write_that_fails_after_training_names_the_lab(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def fails(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.EFBIG, "File too large")

    monkeypatch.setattr(writer, "write_lab", fails)
    out = tmp_path / "out"
    code = main(["lab", "01", "--out", str(out), *TINY])
    line = one_error_line(capsys)
    assert code == 2, f"expected exit code 2, got {code}"
    assert str(out / "10-init-matters") in line and "File too large" in line, line
    assert "free some space" in line, line
