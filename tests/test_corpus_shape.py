"""A names file that is not one name a line is refused from its shape, before it is decoded.

A 15 MiB file of one line would be one name of 15 million characters: its context windows take
gigabytes and a minute to build. :func:`initspec.data.corpus.check_shape` reads the bytes a line at
a time and refuses a line longer than a name may be, naming the file and the line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from initspec.cli.main import main
from initspec.data.corpus import MAX_LINE_BYTES, check_shape, load_names
from initspec.experiments.char_init import CharInitConfig


def long_line_corpus(tmp_path: Path, line: int = 3) -> Path:
    names = ["emma", "olivia", "ava"]
    names.insert(line - 1, "a" * (MAX_LINE_BYTES + 1))
    path = tmp_path / "names.txt"
    path.write_text("\n".join(names) + "\n", encoding="utf-8")
    return path


def test_a_line_longer_than_a_name_is_refused_with_its_number(tmp_path: Path) -> None:
    path = long_line_corpus(tmp_path, line=3)
    with pytest.raises(ValueError, match=r"line 3 holds") as refused:
        check_shape(path)
    assert str(path) in str(refused.value), f"expected the path named: {refused.value}"
    with pytest.raises(ValueError, match=r"not one name a line"):
        load_names(path)


def test_names_of_ordinary_length_pass(tmp_path: Path) -> None:
    path = tmp_path / "names.txt"
    path.write_text("emma\r\n" + "b" * MAX_LINE_BYTES + "\n", encoding="utf-8")
    check_shape(path)
    assert load_names(path) == ["emma", "b" * MAX_LINE_BYTES]


def test_the_lab_refuses_it_when_its_options_are_checked(tmp_path: Path) -> None:
    path = long_line_corpus(tmp_path)
    with pytest.raises(ValueError, match=r"^--corpus: corpus file .* is not one name a line"):
        CharInitConfig(corpus=str(path))


def test_the_command_line_says_one_line_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = long_line_corpus(tmp_path)
    out = tmp_path / "out"
    code = main(["lab", "makemore", "--out", str(out), "--corpus", str(path), "--quiet"])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1, f"expected exit 2 and one line; got {code}, {lines}"
    assert str(path) in lines[0] and "line 3 holds" in lines[0], lines[0]
    assert not out.exists(), "expected nothing written"
