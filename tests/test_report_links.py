"""Every relative link of the report opens something: index.md, every claim page, index.html.

Markdown links and images (``[text](target)``, ``![alt](target)``) and HTML ``href`` and ``src``
are resolved against the file that holds them; a ``#fragment`` into index.html must name an
element's ID there. Artifacts or lab directories that do not exist are named, not linked.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from report_samples import ARTIFACT, ORDERING, VANISHES, shown, write_sample

from initspec.claims.lab_directories import lab_directory_name
from initspec.claims.registry import CLAIMS
from initspec.judging.outcome import VERDICTS
from initspec.judging.outcome import TestOutcome as Outcome
from initspec.report import write_report

COMMITTED = Path(__file__).resolve().parents[1] / "reports"
# [text](target): the text may hold escaped brackets; the target is URL-quoted, so no spaces.
LINK = re.compile(r"\[(?:[^\]\\]|\\.)*\]\(([^)\s]*)\)")


class _Targets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.targets.append(value)
            if name == "id" and value is not None:
                self.ids.add(value)


def html_targets(page: Path) -> tuple[list[str], set[str]]:
    """The href and src values of an HTML file, and the IDs of its elements."""
    parser = _Targets()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.targets, parser.ids


def relative_links(page: Path) -> list[str]:
    """The relative links of a Markdown or HTML file (no URLs with a scheme, no bare anchors)."""
    if page.suffix == ".html":
        targets = html_targets(page)[0]
    else:
        targets = LINK.findall(page.read_text(encoding="utf-8"))
    return [t for t in targets if not urlsplit(t).scheme and not t.startswith(("/", "#"))]


def broken_links(page: Path) -> list[str]:
    """The relative links of ``page`` that open nothing (or an ID that is not there)."""
    broken = []
    for target in relative_links(page):
        path, _, fragment = target.partition("#")
        opened = (page.parent / unquote(path)).resolve()
        if not opened.exists() or (
            fragment
            and opened.suffix == ".html"
            and unquote(fragment) not in html_targets(opened)[1]
        ):
            broken.append(target)
    return broken


def report_files(reports: Path) -> list[Path]:
    return [reports / "index.md", reports / "index.html", *sorted(reports.glob("claims/*.md"))]


def row(index: Path, claim: str) -> str:
    return next(line for line in index.read_text().splitlines() if f"| `{claim}`" in line)


def cells(line: str) -> list[str]:
    """The cells of a table row, as a reader sees their text (escapes resolved)."""
    return [shown(c.strip()) for c in re.split(r"(?<!\\)\|", line)[1:-1]]


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    """The sample report: lab 01's directory present, lab 03's not; an artifact whose name needs
    quoting, and one that is missing."""
    return write_sample(tmp_path / "reports")


def test_every_relative_link_of_every_page_opens_something(reports: Path) -> None:
    files = report_files(reports)
    assert len(files) == 2 + len(CLAIMS)
    for page in files:
        assert broken_links(page) == [], page.name
    page = reports / "claims" / f"{VANISHES}.md"
    assert "../artifacts/test_grad/layer-1%20gradient%20%28seed%201%29.png" in relative_links(page)
    assert any(link.endswith(".png") for link in relative_links(page)), "the criteria figure"
    ordering = relative_links(reports / "claims" / f"{ORDERING}.md")
    assert f"../{lab_directory_name('01')}/" in ordering
    assert f"claims/{VANISHES}.md" in relative_links(reports / "index.md")


def test_every_link_and_image_of_the_html_page_opens_something(reports: Path) -> None:
    html = reports / "index.html"
    links = relative_links(html)
    assert "artifacts/test_grad/layer-1%20gradient%20%28seed%201%29.png" in links
    assert sum(link.startswith(f"claims/{VANISHES}/") for link in links) == 1, "its figure"
    assert broken_links(html) == []
    _, ids = html_targets(html)
    assert set(CLAIMS) <= ids, "every claim's card is anchored by its ID"


def test_a_missing_artifact_or_lab_directory_is_named_not_linked(reports: Path) -> None:
    page = (reports / "claims" / f"{VANISHES}.md").read_text()
    assert "`gone.png` (missing)" in page
    assert "`10-residual-depth/` (missing)" in page
    assert "gone.png" not in " ".join(relative_links(reports / "index.html"))


def test_blog_and_lecture_claims_point_at_the_makemore_lab() -> None:
    for claim in CLAIMS.values():
        if claim.source.key in ("blog", "lecture"):
            assert claim.source.lab == "makemore", claim.id
    assert lab_directory_name("makemore") == "10-makemore-init"


def test_summary_counts_every_verdict_inconclusive_included(reports: Path) -> None:
    summary = (reports / "index.md").read_text().splitlines()[2]
    for verdict in VERDICTS:
        assert re.search(rf"\d+ {verdict}\b", summary), (verdict, summary)
    assert "1 inconclusive" in summary and f"of {len(CLAIMS)} claims" in summary


def test_a_row_gives_id_statement_verdict_finding_tier_and_page(reports: Path) -> None:
    index = reports / "index.md"
    claim, statement, verdict, finding, training, page = cells(row(index, VANISHES))
    assert claim == f"`{VANISHES}` ★"
    assert statement == CLAIMS[VANISHES].statement
    assert verdict == "**conditional**"
    assert finding == (
        "Not met: layer-1 gradient minimum: 3.6e-5 to 0.0011 against the bound < 1e-7; held in "
        "0 of 3 seeds (margin -1.88)"
    ), "the criterion not met and by how much, from the measurements alone"
    assert training == "quick, 150 of 1000 steps"
    assert page == f"[page](claims/{VANISHES}.md)"
    assert cells(row(index, "lab01.depth-24"))[4] == "–", "never trained: no tier"


def test_a_verdict_from_another_commit_is_marked(reports: Path) -> None:
    outcome = Outcome(nodeid="spec/blog/test_y.py::test_y", claims=[ORDERING], verdict="holds")
    write_report(reports, [outcome], "2026-01-03T00:00:00+00:00", commit="d" * 40)
    index = reports / "index.md"
    assert cells(row(index, VANISHES))[2] == "**conditional** *(at commit ccccccc)*"
    assert cells(row(index, ORDERING))[2] == "**holds**", "a fresh verdict is not marked"
    assert "at commit ddddddd" in index.read_text().splitlines()[2]
    page = (reports / "claims" / f"{VANISHES}.md").read_text()
    assert "- when: 2026-01-02T00:00:00+00:00 at commit ccccccc\n" in page, "no '(earlier run)'"


def test_the_artifact_is_shown_on_its_claims_page(reports: Path) -> None:
    page = (reports / "claims" / f"{VANISHES}.md").read_text()
    name = Path(ARTIFACT).name
    assert f"![{name}](../artifacts/" in page, "an image artifact is shown, not only linked"


@pytest.mark.skipif(not (COMMITTED / "index.md").exists(), reason="no generated reports/ here")
def test_the_committed_report_has_no_broken_link() -> None:
    files = [p for p in report_files(COMMITTED) if p.exists()]
    broken = {p.name: b for p in files if (b := broken_links(p))}
    assert not broken, f"re-render it with `python -m initspec.report reports`: {broken}"
