"""Nothing from claims.json becomes markup in the Markdown pages, and no link leaves reports/.

A run records hostile text everywhere a test or an exception can put text (a note, a condition,
a test's node ID with backticks and a pipe, the time of the run, a figure's name) and artifact
paths that lead out of the reports directory (``..``, an absolute path, a symbolic link). The
pages must show the text as it is and link none of those paths.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from report_samples import shown

from initspec.judging.outcome import TestOutcome as Outcome
from initspec.report import write_report
from initspec.report.markdown import code, code_cell, escape, escape_block

CLAIM = "lab01.ordering"
HOSTILE = "*bold* _it_ <img src=x onerror=alert(1)> [link](javascript:alert(1)) | `tick` & ~~x~~"
NODE = "spec/x/test_a.py::test_a[`b`|c]"
WHEN = "2026-01-01 <b>noon</b> *star* [x](y)"
OUTSIDE = ("../../../../etc/passwd", "/etc/passwd", "escape/passwd")


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    reports = tmp_path / "reports"
    reports.mkdir()
    (tmp_path / "secret.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    os.symlink(tmp_path, reports / "escape")  # a link inside reports/ to the directory above it
    outcome = Outcome(
        nodeid=NODE,
        claims=[CLAIM],
        verdict="conditional",
        note=HOSTILE,
        condition="# not a heading\n- not a list " + HOSTILE,
        artifacts=[*OUTSIDE, "escape/secret.png"],
        evidence={HOSTILE: HOSTILE},
    )
    write_report(reports, [outcome], WHEN, commit="c" * 40)
    return reports


def pages(reports: Path) -> dict[str, str]:
    return {
        p.name: p.read_text(encoding="utf-8")
        for p in [reports / "index.md", *sorted((reports / "claims").glob("*.md"))]
    }


def outside_code(markdown: str) -> str:
    """``markdown`` without its code spans (text there is shown as it is)."""
    return re.sub(r"(?<!\\)(`+)(?:(?!\1).)+?\1", "", markdown)


def unescaped(markup: str, text: str) -> bool:
    """Whether ``markup`` occurs in ``text`` with no backslash before its first character."""
    return re.search(r"(?<!\\)" + re.escape(markup), text) is not None


def test_markdown_escapes_every_character_that_starts_markup() -> None:
    assert escape("*a* | <b> [x](y) & `c`") == r"\*a\* \| \<b\> \[x\](y) \& \`c\`"
    assert escape("line\nbreak") == "line break"
    assert escape_block("# h") == r"\# h" and escape_block("1. x") == r"1\. x"
    assert escape_block("- x") == r"\- x" and escape("- x") == "- x"
    assert code("a`b") == "``a`b``" and code("`a`") == "`` `a` ``"
    assert code_cell("a|b") == r"`a\|b`"


def test_recorded_text_is_shown_never_markup(reports: Path) -> None:
    page = pages(reports)[f"{CLAIM}.md"]
    text = outside_code(page)
    for markup in ("<img", "<b>", "[link]", "*bold*", "_it_", "~~x~~", "`tick`", "| `", "&"):
        assert not unescaped(markup, text), f"{markup!r} must be escaped on the claim page"
    assert "\n# not" not in text and "\n- not" not in text, "no heading, no list item"
    assert f"**Note:** {HOSTILE}" in shown(page), "shown whole, as text"
    assert f"**Holds when:** # not a heading - not a list {HOSTILE}" in shown(page)
    assert "- ``spec/x/test_a.py::test_a[`b`|c]``: conditional" in page, "a node ID as code"
    assert f"- when: {WHEN} at commit ccccccc" in shown(page)
    index = pages(reports)["index.md"]
    summary = index.splitlines()[2]
    assert summary.startswith(r"Generated 2026-01-01 \<b\>noon\</b\> \*star\* \[x\](y) at")
    assert not unescaped("<b>", outside_code(index)) and not unescaped("<img", outside_code(index))


def test_artifact_links_stay_inside_the_reports_directory(reports: Path) -> None:
    root = reports.resolve()
    for name, text in pages(reports).items():
        prefix = reports / "claims" if name != "index.md" else reports
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            resolved = (prefix / target.partition("#")[0]).resolve()
            assert resolved.is_relative_to(root), f"{name} links {target}, outside reports/"
    page = pages(reports)[f"{CLAIM}.md"]
    assert "`passwd` (outside the reports directory)" in page
    assert "`secret.png` (outside the reports directory)" in page
    assert "etc/passwd)" not in page
    html = (reports / "index.html").read_text(encoding="utf-8")
    assert "passwd" not in " ".join(re.findall(r'(?:href|src)="([^"]*)"', html))
    assert "secret.png" not in " ".join(re.findall(r'(?:href|src)="([^"]*)"', html))
