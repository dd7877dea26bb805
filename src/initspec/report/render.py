"""``reports/index.md``: one row per claim, grouped by document, under a summary.

The summary names the machine the verdicts were measured on, counts the verdicts and lists
those that changed since the previous report, each with the criteria that changed outcome
(:func:`changes.change_reasons`). Every text from claims.json is escaped
(:mod:`initspec.report.markdown`): nothing a test recorded becomes markup. Each row gives
the claim's ID (★ for a headline claim), the statement, the verdict, the finding (from the
criteria and sensitivity rows, see :func:`words.finding`), the tier and steps behind it and
a link to the claim's page. Links are relative to the reports directory; every claim has a page.
"""

from __future__ import annotations

from collections.abc import Sequence

from initspec.judging.outcome import VERDICTS
from initspec.report.changes import change_reasons, change_text
from initspec.report.entry import ClaimEntry, Report
from initspec.report.markdown import cell, code, escape, escape_block
from initspec.report.tiers import tier_results
from initspec.report.view import INDEX_HTML, href, page_path
from initspec.report.words import finding, short_commit, staleness, training_text
from initspec.runtime.machine import describe

__all__ = ["cell", "changes_lines", "machine_line", "render_index", "summary_line"]


def claim_link(entry: ClaimEntry, prefix: str = "") -> str:
    """``[`id`](claims/id.md)``: the claim's ID, linking to its page."""
    return f"[{code(entry.id)}]({href(page_path(entry.id), prefix)})"


def machine_text(report: Report) -> str:
    """The machine the verdicts were measured on, in words (not escaped)."""
    if not report.machine:
        return "not recorded (a report written before the machine was)"
    return describe(report.machine)


def summary_line(report: Report) -> str:
    """``Generated <time> at commit <c>. 49 holds, 7 refuted, ... of 65 claims.`` (unescaped)"""
    counts = report.counts()
    at_commit = f" at commit {short_commit(report.commit)}" if report.commit else ""
    rendered = ""
    if report.code_commit and report.code_commit != report.commit:
        rendered = (
            f" Rendered again at commit {short_commit(report.code_commit)}, newer code than the "
            "run's: every verdict marked (at commit …) is older than this code."
        )
    return (
        f"Generated {report.generated_at}{at_commit}. "
        + ", ".join(f"{counts[v]} {v}" for v in VERDICTS)
        + f" of {len(report.claims)} claims."
        + rendered
    )


def machine_line(report: Report) -> str:
    """``Measured on: <cpu> (kernels ...; torch ..., numpy ..., BLAS ...).``, escaped."""
    return f"Measured on: {escape(machine_text(report))}."


def changes_lines(report: Report, prefix: str = "") -> list[str]:
    """The section of verdicts that changed since the previous report, a line per claim with
    the criteria that changed outcome; or a line saying that none did."""
    since = report.previous_generated_at
    since_text = f" (generated {escape(since)})" if since else ""
    changed = report.changes()
    if not changed:
        if all(entry.previous_verdict is None for entry in report.claims):
            return ["There is no previous report to compare with."]
        return [f"No verdict changed since the previous report{since_text}."]
    return [
        f"**Changed since the previous report**{since_text} (a result of another tier kept "
        "beside a verdict is not a change):",
        "",
        *[
            f"- {claim_link(e, prefix)} {change_text(e)}: {escape(change_reasons(e))}"
            for e in changed
        ],
    ]


def by_source(entries: Sequence[ClaimEntry]) -> list[tuple[str, list[ClaimEntry]]]:
    """The entries grouped by source title, in the order the sources first appear."""
    groups: dict[str, list[ClaimEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.source, []).append(entry)
    return list(groups.items())


def source_heading(entry: ClaimEntry) -> str:
    document = code(entry.document) if entry.document else "not among the documents"
    return f"{escape(entry.source or 'unknown source')} ({document})"


def training_cell(entry: ClaimEntry) -> str:
    """The tier and steps behind the verdict, then any other tier's latest result beside it:
    ``document, 1000 of 1000 steps; beside it quick: inconclusive at 150 of 1000 steps``."""
    others = [r for r in tier_results(entry) if not r.of_record]
    beside = "; ".join(f"{r.tier}: {r.text}" for r in others)
    return cell(training_text(entry) + (f"; beside it {beside}" if beside else ""))


def verdict_cell(entry: ClaimEntry, current_commit: str | None) -> str:
    mark = staleness(entry, current_commit)
    return f"**{entry.verdict}**" + (f" *({escape(mark)})*" if mark else "")


def render_index(report: Report) -> str:
    """index.md for ``report``."""
    lines = [
        "# initspec: claims report",
        "",
        escape_block(summary_line(report)),
        "",
        machine_line(report),
        "",
        *changes_lines(report),
        "",
        f"The same report on one page, with every claim's figures: [{INDEX_HTML}]({INDEX_HTML}). "
        "Each claim's page gives the document's statement, the criteria with every seed's "
        "value, the figures, the tests that judged it and the lab that shows it. "
        "★ marks a headline claim. A verdict marked *(at commit …)* was measured at another "
        "commit than this report's. *tier, steps*: the quick tier or the document's, and the "
        "fewest training steps behind the verdict against the document's own.",
    ]
    for _, entries in by_source(report.claims):
        lines += [
            "",
            f"## {source_heading(entries[0])}",
            "",
            "| claim | statement | verdict | finding | tier, steps | page |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for entry in entries:
            star = " ★" if entry.headline else ""
            lines.append(
                f"| {code(entry.id)}{star} | {cell(entry.statement)} | "
                f"{verdict_cell(entry, report.current_commit)} | {cell(finding(entry))} | "
                f"{training_cell(entry)} | [page]({href(page_path(entry.id))}) |"
            )
    return "\n".join(lines) + "\n"
