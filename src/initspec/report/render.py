"""``reports/index.md``: one row per claim, grouped by document, under a summary.

The summary counts the verdicts and lists those that changed since the previous report. Each
row gives the claim's ID (★ for a headline claim), the statement, the verdict, the finding in
one sentence (from the criteria, see :func:`words.finding`), the tier and steps behind it and
a link to the claim's page. Links are relative to the reports directory; every claim has a page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from initspec.outcome import VERDICTS
from initspec.report.entry import ClaimEntry, Report
from initspec.report.view import INDEX_HTML, href, page_path
from initspec.report.words import change_text, finding, short_commit, staleness, training_text

_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")  # a "<" that Markdown would take for HTML


def cell(text: str) -> str:
    """Text that stays inside one Markdown table cell and is shown as it is: no ``|`` ends the
    cell, and no ``<`` opens an HTML tag (a figure's name is the tests', not markup)."""
    return " ".join(_TAG_START.sub("&lt;", text).replace("|", "\\|").split())


def claim_link(entry: ClaimEntry, prefix: str = "") -> str:
    """``[`id`](claims/id.md)``: the claim's ID, linking to its page."""
    return f"[`{entry.id}`]({href(page_path(entry.id), prefix)})"


def summary_line(report: Report) -> str:
    """``Generated <time> at commit <c>. 49 holds, 7 refuted, ... of 65 claims.``"""
    counts = report.counts()
    at_commit = f" at commit {short_commit(report.commit)}" if report.commit else ""
    rendered = ""
    if report.code_commit and report.code_commit != report.commit:
        rendered = (
            f" Rendered again at commit {short_commit(report.code_commit)}, newer code than the "
            "run's: every verdict marked *(at commit …)* is older than this code."
        )
    return (
        f"Generated {report.generated_at}{at_commit}. "
        + ", ".join(f"{counts[v]} {v}" for v in VERDICTS)
        + f" of {len(report.claims)} claims."
        + rendered
    )


def changes_line(report: Report, prefix: str = "") -> str:
    """The verdicts that changed since the previous report, or that none did."""
    since = f" (generated {report.previous_generated_at})" if report.previous_generated_at else ""
    changed = report.changes()
    if not changed:
        if all(entry.previous_verdict is None for entry in report.claims):
            return "There is no previous report to compare with."
        return f"No verdict changed since the previous report{since}."
    listed = "; ".join(f"{claim_link(e, prefix)} {change_text(e)}" for e in changed)
    return f"**Changed since the previous report**{since}: {listed}."


def by_source(entries: Sequence[ClaimEntry]) -> list[tuple[str, list[ClaimEntry]]]:
    """The entries grouped by source title, in the order the sources first appear."""
    groups: dict[str, list[ClaimEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.source, []).append(entry)
    return list(groups.items())


def source_heading(entry: ClaimEntry) -> str:
    document = f"`{entry.document}`" if entry.document else "not among the documents"
    return f"{entry.source or 'unknown source'} ({document})"


def verdict_cell(entry: ClaimEntry, current_commit: str | None) -> str:
    mark = staleness(entry, current_commit)
    return f"**{entry.verdict}**" + (f" *({mark})*" if mark else "")


def render_index(report: Report) -> str:
    """index.md for ``report``."""
    lines = [
        "# initspec: claims report",
        "",
        summary_line(report),
        "",
        changes_line(report),
        "",
        f"The same report on one page, with every claim's figures: [{INDEX_HTML}]({INDEX_HTML}). "
        "Each claim's page gives the document's statement, the criteria with every seed's "
        "value, the figures, the tests that judged it and the lab that shows it. "
        "★ marks a headline claim. A verdict marked *(earlier run)* was not measured in the "
        "latest run of the spec; one marked *(at commit …)* was measured at another commit "
        "than this report's. *tier, steps*: the quick tier or the document's, and the fewest "
        "training steps behind the verdict against the document's own.",
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
                f"| `{entry.id}`{star} | {cell(entry.statement)} | "
                f"{verdict_cell(entry, report.current_commit)} | {cell(finding(entry))} | "
                f"{cell(training_text(entry))} | [page]({href(page_path(entry.id))}) |"
            )
    return "\n".join(lines) + "\n"
