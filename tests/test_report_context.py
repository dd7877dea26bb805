"""What the pages show beside the verdict: readings, predictions, results per tier, assumptions,
sensitivity, the machine, and why a verdict changed.

The sample report (``report_samples``) is read back with what the merge keeps beside its
verdicts (:func:`report_samples.with_context`) and rendered again with
:func:`initspec.report.render_report`, so these tests need only the rendering.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from report_samples import (
    FIRST,
    KAIMING,
    NAIVE,
    ORDERING,
    SECOND,
    SENSITIVITY,
    VANISHES,
    VANISHING_HOW,
    VANISHING_QUOTE,
    VARIANCE,
    shown,
    with_context,
    write_sample,
)

from initspec.judging.judge import every, judge
from initspec.judging.outcome import TestOutcome as Outcome
from initspec.report import render_report, write_report
from initspec.report.entry import ClaimEntry
from initspec.report.sensitivity import sensitivity_summary
from initspec.report.words import finding, steps_text


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reports = write_sample(tmp_path_factory.mktemp("context") / "reports")
    said: list[str] = []
    render_report(with_context(reports), reports, said.append)
    assert said == [], "the report renders without a warning"
    return reports


def page(reports: Path, claim: str) -> str:
    return shown((reports / "claims" / f"{claim}.md").read_text(encoding="utf-8"))


def test_every_criterion_shows_its_quotation_reading_and_prediction(reports: Path) -> None:
    vanishes = page(reports, VANISHES)
    assert f"> {VANISHING_QUOTE}" in vanishes, "the document's words, as a quotation"
    assert f"Reading: *interpreted*: {VANISHING_HOW}" in vanishes
    variance = page(reports, VARIANCE)
    assert "| theory |" in variance, "a theory column where a criterion has a prediction"
    assert "predicted 0.0833 (tolerance: a^2/3 with a = 0.5, exact; 3 draws of 65,536)" in variance
    assert "Reading: *printed*" in variance
    html = (reports / "index.html").read_text(encoding="utf-8")
    assert f"<blockquote>{VANISHING_QUOTE}</blockquote>" in html


def test_results_of_both_tiers_are_side_by_side_and_no_change_of_verdict(reports: Path) -> None:
    variance = page(reports, VARIANCE)
    assert "## Results by tier" in variance
    document = "- document: **holds at 1000 of 1000 steps** (the verdict of record)"
    quick = "- quick: **inconclusive at 150 of 1000 steps**"
    assert document in variance and quick in variance
    assert variance.index(document) < variance.index(quick), "the verdict of record first"
    assert "Changed since the previous report" not in variance
    index = (reports / "index.md").read_text(encoding="utf-8")
    assert f"[`{VARIANCE}`]" not in "".join(
        line for line in index.splitlines() if "inconclusive" in line and line.startswith("- ")
    ), "a quick-tier result is not listed as a change"
    row = next(line for line in index.splitlines() if line.startswith(f"| `{VARIANCE}`"))
    assert (
        "| document, 1000 of 1000 steps; beside it quick: inconclusive at 150 of 1000 steps |"
    ) in shown(row), "the index row gives the other tier's result beside the verdict's"
    html = (reports / "index.html").read_text(encoding="utf-8")
    assert "quick: <b>inconclusive at 150 of 1000 steps</b>" in html


def test_assumptions_and_sensitivity_are_tables_and_a_figure(reports: Path) -> None:
    naive = page(reports, NAIVE)
    assert "## Assumptions" in naive
    assert "| learning rate | 0.01 | the post names *no* rate | none | 0.001, 0.1 |" in naive
    assert "## Sensitivity" in naive
    assert "| learning rate | 0.001 | **fails** | first loss: 3.4 vs < 3.31 |" in naive
    assert "| learning rate | 0.01 (used) | **holds** |" in naive, "the assumption's value"
    raw = (reports / "claims" / f"{NAIVE}.md").read_text(encoding="utf-8")
    assert "| ``spec/sample/test_naive.py::test_naive[`32`\\|b]`` |" in raw, "code, pipe escaped"
    (figure,) = (reports / "claims" / NAIVE).glob("sensitivity-*.png")
    assert f"]({NAIVE}/{figure.name})" in raw
    assert figure.read_bytes().startswith(b"\x89PNG")
    html = (reports / "index.html").read_text(encoding="utf-8")
    assert f'src="claims/{NAIVE}/{figure.name}"' in html
    assert '<td class="s-fails" data-label="verdict there">fails</td>' in html


def test_the_finding_says_at_which_values_it_holds(reports: Path) -> None:
    assert sensitivity_summary(SENSITIVITY) == (
        "re-judged by learning rate: holds at 0.01; fails at 0.001; undecided at 0.1; "
        "re-judged by batch size: holds at 32"
    )
    naive = page(reports, NAIVE)
    finding_line = next(line for line in naive.splitlines() if line.startswith("**Finding:**"))
    assert "Undecided: first loss: mean 3.3" in finding_line
    assert "Re-judged by learning rate: holds at 0.01; fails at 0.001" in finding_line


def test_every_criterion_not_met_is_in_the_finding_with_its_margin() -> None:
    criteria = [
        dataclasses.asdict(judge(name, values, bound=1.0, comparison="<", rule=every()))
        for name, values in (("a", [2.0, 3.0]), ("b", [0.1, 0.2]), ("c", [1.5, 1.6]))
    ]
    entry = ClaimEntry("x.y", "S", None, "s", False, verdict="refuted", criteria=criteria)
    text = finding(entry, limit=None)
    assert text.startswith("Not met: a: 2 to 3 against the bound < 1; held in 0 of 2 seeds")
    assert "; c: 1.5 to 1.6 against the bound < 1; held in 0 of 2 seeds (margin -8.49)" in text
    assert text.endswith("1 more criterion met"), "every criterion judged, the rest counted"
    assert " b:" not in text


def test_the_machine_is_named_in_both_headers(reports: Path) -> None:
    index = (reports / "index.md").read_text(encoding="utf-8")
    line = next(line for line in index.splitlines() if line.startswith("Measured on:"))
    assert shown(line) == (
        "Measured on: Sample CPU <b>9000</b> (kernels AVX2; torch 2.13.0, numpy 2.3.0, BLAS mkl)."
    )
    assert "<b>" not in line, "escaped"
    html = (reports / "index.html").read_text(encoding="utf-8")
    assert "Measured on: Sample CPU &lt;b&gt;9000&lt;/b&gt; (kernels AVX2" in html


def test_a_report_without_a_machine_says_so(tmp_path: Path) -> None:
    reports = write_sample(tmp_path / "reports")
    index = (reports / "index.md").read_text(encoding="utf-8")
    assert "Measured on: not recorded (a report written before the machine was)." in index


def test_a_changed_verdict_says_which_criteria_changed_outcome(reports: Path) -> None:
    index = shown((reports / "index.md").read_text(encoding="utf-8"))
    line = next(line for line in index.splitlines() if line.startswith(f"- [`{KAIMING}`]"))
    assert line.endswith(
        "holds → refuted: last-100-step mean loss: met → not met; no longer judged: gone"
    )
    html = (reports / "index.html").read_text(encoding="utf-8")
    assert "holds → refuted: last-100-step mean loss: met → not met" in html
    assert (
        "Changed since the previous report: holds → refuted (last-100-step mean loss: met → "
        "not met; no longer judged: gone)."
    ) in page(reports, KAIMING)


def test_a_test_the_latest_run_did_not_run_is_marked_and_no_card_says_earlier_run(
    tmp_path: Path,
) -> None:
    def ran(test: str) -> Outcome:
        return Outcome(nodeid=f"spec/s/test_{test}.py::test_{test}", claims=[ORDERING],
                       verdict="holds")  # fmt: skip

    write_report(tmp_path, [ran("a"), ran("b")], FIRST, commit="c" * 40)
    write_report(tmp_path, [ran("a")], SECOND, commit="c" * 40)
    text = page(tmp_path, ORDERING)
    assert "- `spec/s/test_a.py::test_a`: holds\n" in text
    assert f"- `spec/s/test_b.py::test_b`: holds (kept from an earlier run, {FIRST})" in text
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "earlier run)" not in html.replace(f"kept from an earlier run, {FIRST})", "")


def test_an_inconclusive_card_states_its_finding_once(reports: Path) -> None:
    naive = page(reports, NAIVE)
    assert "Undecided: first loss: mean 3.3" in naive
    assert "inconclusive: first loss: undecided" not in naive, "the plugin's note restates it"
    html = (reports / "index.html").read_text(encoding="utf-8")
    card = html[html.index(f'id="{NAIVE}"') :]
    card = card[: card.index("</article>")]
    assert card.count("first loss: mean 3.3") == 1 and "inconclusive: first loss" not in card


def test_steps_never_read_more_than_the_document_says() -> None:
    assert steps_text(150, 1000) == "150 of 1000 steps"
    assert steps_text(1000, 100) == "1000 steps (the document says 100)", "not '1000 of 100'"
    assert steps_text(40, None) == "40 steps" and steps_text(None, 100) == ""
