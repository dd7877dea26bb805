"""The report people read: a page and a figure per claim, index.md, index.html.

Built from a synthetic report (``report_samples``): claims with judged criteria (a log-scale
gradient, a range, a mean with its t interval, a seed without a number, a boolean property),
one without criteria, one error, and a verdict that changed since the previous report.
"""

from __future__ import annotations

import dataclasses
import filecmp
import json
import shutil
from pathlib import Path

import pytest
from report_samples import (
    FIRST,
    HOSTILE_KEY,
    KAIMING,
    LR,
    NAIVE,
    ORDERING,
    SECOND,
    VANISHES,
    WITH_FIGURE,
    XAVIER,
    outcomes_second_run,
    shown,
    write_sample,
)

from initspec.claims.registry import CLAIMS
from initspec.judging.judge import every, judge
from initspec.report import publish, write_report
from initspec.report.__main__ import main as rerender
from initspec.report.figures import log_scale
from initspec.report.render_md import render_claim_page
from initspec.report.view import ClaimView
from initspec.report.words import criterion_sentence, num

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    return write_sample(tmp_path / "reports")


def page(reports: Path, claim: str) -> str:
    """A claim's page as a reader sees its text (the Markdown escapes resolved)."""
    return shown((reports / "claims" / f"{claim}.md").read_text(encoding="utf-8"))


def figures(reports: Path) -> dict[str, list[Path]]:
    """Each claim's figure files, by claim ID (claims without one left out)."""
    return {
        directory.name: sorted(directory.iterdir())
        for directory in sorted((reports / "claims").iterdir())
        if directory.is_dir()
    }


def index_row(reports: Path, claim: str) -> str:
    lines = (reports / "index.md").read_text(encoding="utf-8").splitlines()
    return shown(next(line for line in lines if line.startswith(f"| `{claim}`")))


def snapshot(reports: Path) -> dict[str, bytes]:
    """Every file the rendering writes, by its path under ``reports``."""
    paths = [reports / "index.md", reports / "index.html", *(reports / "claims").rglob("*")]
    return {str(p.relative_to(reports)): p.read_bytes() for p in paths if p.is_file()}


def test_every_registry_claim_has_a_page_and_nothing_else_is_there(reports: Path) -> None:
    pages = sorted(p.stem for p in (reports / "claims").glob("*.md"))
    assert pages == sorted(CLAIMS)
    assert sorted(figures(reports)) == sorted(WITH_FIGURE), "a figure per numeric criterion"
    for files in figures(reports).values():
        (figure,) = files
        assert figure.name.startswith("criteria-") and figure.read_bytes().startswith(PNG)


def test_a_claims_page_says_everything_about_it(reports: Path) -> None:
    text = page(reports, VANISHES)
    claim = CLAIMS[VANISHES]
    assert text.startswith(f"# `{VANISHES}` ★\n")
    assert f"> {claim.statement}" in text
    assert f"*{claim.source.title}* (`{claim.source.document}`)" in text
    assert "## Verdict: conditional" in text
    assert "**Holds when:** at 100 blocks, the document's own fallback" in text
    assert "**Note:** measured: minima" in text
    assert (
        "| layer-1 gradient minimum | **not met** | 1.4e-4, 0.0011, 3.6e-5 | < 1e-7 | every seed "
        "| 0 of 3 | -1.88 |"
    ) in text
    assert "**Finding:** Not met: layer-1 gradient minimum: 3.6e-5 to 0.0011 against" in text
    (figure,) = figures(reports)[VANISHES]
    assert f"]({VANISHES}/{figure.name})" in text, "the figure, inline"
    assert "- `spec/sample/test_grad.py::test_grad`: conditional" in text
    assert "- when: 2026-01-02T00:00:00+00:00 at commit ccccccc" in text
    assert "- tier, steps: quick, 150 of 1000 steps" in text
    assert "- seeds: held in 0 of 3" in text


def test_a_mean_shows_its_t_interval_and_a_missing_seed_is_named(reports: Path) -> None:
    variance = page(reports, "lab01.uniform-variance")
    assert "0.0829, 0.0833, 0.0838, 0.0831 (mean 0.0833, t interval [0.0827, 0.0839])" in variance
    kaiming = page(reports, KAIMING)
    assert (
        "| **not met** | 0.6, n/a, 0.7, 0.01, 0.02 | < 0.05 nats | at least 4 of 5 seeds | 2 of 5 |"
    ) in kaiming


def test_the_verdicts_that_changed_are_listed_with_the_previous_report(reports: Path) -> None:
    lines = (reports / "index.md").read_text().splitlines()
    assert lines[6].startswith(f"**Changed since the previous report** (generated {FIRST}) ")
    changes = [line for line in lines[7:] if line.startswith("- ")]
    assert (
        f"- [`{KAIMING}`](claims/{KAIMING}.md) holds → refuted: the previous report did not "
        "record its criteria' outcomes"
    ) in changes
    assert (
        f"- [`{NAIVE}`](claims/{NAIVE}.md) not-run → inconclusive: measured for the first time"
        in changes
    )
    assert not [line for line in changes if "lab01.depth-24" in line], "never run: no change"
    assert "Changed since the previous report: holds → refuted (" in page(reports, KAIMING)
    document = json.loads((reports / "claims.json").read_text())
    assert document["previous_generated_at"] == FIRST and document["generated_at"] == SECOND
    entry = next(e for e in document["claims"] if e["id"] == KAIMING)
    assert (entry["previous_verdict"], entry["verdict"]) == ("holds", "refuted")


def test_nothing_changed_and_no_previous_report_are_said(tmp_path: Path) -> None:
    write_report(tmp_path, [], FIRST, commit="c")
    assert "There is no previous report to compare with." in (tmp_path / "index.md").read_text()
    write_report(tmp_path, [], SECOND, commit="c")
    text = (tmp_path / "index.md").read_text()
    assert f"No verdict changed since the previous report (generated {FIRST})." in text


def test_without_criteria_the_figures_are_key_value_pairs_never_a_dict(reports: Path) -> None:
    row = index_row(reports, ORDERING)
    assert "last_100_mean.kaiming = [8.7e-4, 8.8e-4]" in row
    assert "gaps.nested.deeper = [1, 2, 3]" in row
    assert "{" not in row
    assert f"{HOSTILE_KEY} = <b>bold</b>" in row, "shown as text (the escapes resolved)"
    text = page(reports, ORDERING)
    assert "- `last_100_mean.xavier` = `[0.63, 0.36]`" in text
    assert "No criteria were recorded" in text


def test_an_errors_reason_leads_its_finding(reports: Path) -> None:
    finding = index_row(reports, XAVIER).split(" | ")[3]
    assert finding.startswith("TypeError: unsupported operand. first loss: 0.7 against")


def test_a_boolean_criterion_has_a_row_but_no_figure(reports: Path) -> None:
    text = page(reports, LR)
    assert (
        "| lower lr stops NaN | **not met** | true, true, false | == true | every seed | 2 of 3 |"
        in text
    )
    assert LR not in figures(reports)


def test_why_the_verdict_is_said(reports: Path) -> None:
    assert "**Finding:** Undecided: first loss: mean 3.3, t interval" in page(reports, NAIVE)
    assert "A test could not measure it (spec/sample/test_xavier.py::test_xavier)" in page(
        reports, XAVIER
    )
    assert "Every test of it passed." in page(reports, ORDERING)
    assert "Every criterion held (2 checked)." in page(reports, "lab01.uniform-variance")


def test_the_html_page_escapes_what_the_tests_recorded(reports: Path) -> None:
    html = (reports / "index.html").read_text(encoding="utf-8")
    assert HOSTILE_KEY not in html and "&lt;script&gt;alert(" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert html.count('<article class="card') == len(CLAIMS)
    assert html.count("<script>") == 1, "only the page's own filter script"
    assert "http://" not in html and "https://" not in html, "no network, no CDN"


def test_stale_pages_of_claims_no_longer_present_do_not_linger(reports: Path) -> None:
    (reports / "claims" / "lab09.retired.md").write_text("old")
    (reports / "claims" / "lab09.retired").mkdir()
    (reports / "claims" / "lab09.retired" / "criteria-0.png").write_bytes(PNG)
    write_report(reports, [], "2026-01-03T00:00:00+00:00", commit="c")
    assert not (reports / "claims" / "lab09.retired.md").exists()
    assert not (reports / "claims" / "lab09.retired").exists()
    assert sorted(p.stem for p in (reports / "claims").glob("*.md")) == sorted(CLAIMS)
    assert not [p for p in reports.iterdir() if p.name.startswith(".claims.")], "no staging left"


def test_a_crash_half_way_keeps_the_old_pages_and_indexes_but_not_the_old_verdicts(
    reports: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(reports)
    rendered: list[str] = []
    real = render_claim_page

    def crashes_on_the_tenth(view: ClaimView) -> str:
        rendered.append(view.id)
        if len(rendered) == 10:
            raise RuntimeError("disk on fire")
        return real(view)

    monkeypatch.setattr(publish, "render_claim_page", crashes_on_the_tenth)
    said: list[str] = []
    outcome = dataclasses.replace(outcomes_second_run()[-1], verdict="holds", criteria=[])
    write_report(reports, [outcome], "2026-01-03T00:00:00+00:00", commit="d", warn=said.append)
    assert len(said) == 1 and "pages were not written" in said[0] and "disk on fire" in said[0]
    assert snapshot(reports) == before, "the old pages and indexes, whole"
    assert not [p for p in reports.iterdir() if p.name.startswith(".claims.")]
    document = json.loads((reports / "claims.json").read_text())
    assert next(e for e in document["claims"] if e["id"] == NAIVE)["verdict"] == "holds"
    monkeypatch.undo()
    assert rerender([str(reports)]) == 0
    assert "| **holds** |" in index_row(reports, NAIVE)


def test_the_command_renders_it_all_again_byte_for_byte(reports: Path) -> None:
    before = snapshot(reports)
    shutil.rmtree(reports / "claims")
    (reports / "index.html").unlink()
    (reports / "index.md").write_text("stale")
    assert rerender([str(reports)]) == 0
    assert snapshot(reports) == before


def test_rendered_for_newer_code_every_older_verdict_is_marked(
    reports: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    measured = json.loads((reports / "claims.json").read_text())["commit"]
    monkeypatch.setattr("initspec.report.__main__.git_commit", lambda: "f" * 40)
    assert rerender(["--code-commit", str(reports)]) == 0
    index = (reports / "index.md").read_text(encoding="utf-8")
    assert "Rendered again at commit fffffff" in index
    assert f"*(at commit {measured[:7]})*" in index_row(reports, NAIVE)
    assert json.loads((reports / "claims.json").read_text())["commit"] == measured
    assert rerender(["--bogus", str(reports)]) == 2


def test_figures_are_reproducible_and_reused_when_their_criteria_did_not_change(
    reports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    again = write_sample(tmp_path / "again")
    for claim, files in figures(reports).items():
        (other,) = figures(again)[claim]
        assert files[0].name == other.name and filecmp.cmp(files[0], other, shallow=False)

    def no_drawing(*args: object) -> bool:
        raise AssertionError("an unchanged figure was drawn again")

    monkeypatch.setattr(publish, "draw_criteria", no_drawing)
    before = figures(reports)
    write_report(reports, outcomes_second_run(), "2026-01-03T00:00:00+00:00", commit="c")
    assert figures(reports) == before


def test_a_figure_that_cannot_be_drawn_costs_only_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> bool:
        raise ValueError("bad limits")

    monkeypatch.setattr(publish, "draw_criteria", broken)
    said: list[str] = []
    write_report(tmp_path, outcomes_second_run(), SECOND, commit="c", warn=said.append)
    assert len(said) == len(WITH_FIGURE) and "ValueError: bad limits" in said[0]
    assert figures(tmp_path) == {}
    assert sorted(p.stem for p in (tmp_path / "claims").glob("*.md")) == sorted(CLAIMS)
    assert "## Verdict: conditional" in page(tmp_path, VANISHES)


def test_a_criterion_in_one_sentence() -> None:
    criterion = dataclasses.asdict(
        judge("layer-1 gradient minimum", [1.1e-4] * 5, bound=1e-7, comparison="<", rule=every())
    )
    assert criterion_sentence(criterion) == (
        "layer-1 gradient minimum: 1.1e-4 against the bound < 1e-7; held in 0 of 5 seeds"
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.1e-4, "1.1e-4"), (0.0011, "0.0011"), (123456.0, "1.23e5"), (0.5, "0.5"), (3, "3"),
     (None, "n/a"), (float("nan"), "n/a"), (True, "true"), (0.0, "0"), (-2.5e-9, "-2.5e-9")],
)  # fmt: skip
def test_numbers_are_written_short(value: object, text: str) -> None:
    assert num(value) == text


def test_a_log_scale_only_past_three_decades_of_positive_values() -> None:
    assert log_scale([1.4e-4, 1.1e-3, 1e-7])
    assert not log_scale([0.2, 0.3, 0.05])
    assert not log_scale([0.0, 1e-3, 10.0]), "a zero cannot be shown on a log axis"
    assert not log_scale([-1.0, 1e4])


def test_a_claims_page_links_the_maps_that_contain_it(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    (reports / "maps").mkdir(parents=True)
    (reports / "maps" / "lab01-relu.md").write_text("# Map: lab01-relu\n", encoding="utf-8")
    write_sample(reports)
    text = page(reports, KAIMING)
    assert "## Where it stops holding" in text, "expected the maps section on the page"
    assert "[map lab01-relu](../maps/lab01-relu.md)" in text, text[-1500:]
    html = (reports / "index.html").read_text(encoding="utf-8")
    assert 'href="maps/lab01-relu.md"' in html, "expected the one-page report to link the map"
