"""``reports/claims/<id>.md``: one claim's page.

The statement and its document, the verdict and the finding (rendered from the criteria and
the sensitivity rows), the results of each tier side by side, the conditions and recorded
notes; every criterion with its outcome (met, not met, undecided) as a table (bound, rule,
every seed's value, held k of n, margin, the theory's prediction), then what each bound reads
in the document (the quotation and how it is read); the setup choices the documents leave open
(assumptions) and the claim re-judged at other values of them (sensitivity, a table and a
figure); the criteria figure and the tests' own figures, the figures each test recorded, the
tests that judged it, the lab directory that shows it, and when and at which commit it was
measured. Every text from claims.json is escaped (:mod:`initspec.report.markdown`). The page
lives one directory below the reports directory, so links get ``../``.
"""

from __future__ import annotations

from initspec.report.markdown import cell, code, code_cell, escape, quotation
from initspec.report.view import CLAIMS_DIR, INDEX_HTML, INDEX_MD, ClaimView, Link, href
from initspec.report.words import DASH

__all__ = ["code", "md_link", "render_claim_page"]

UP = "../"  # from reports/claims/ to reports/


def md_link(item: Link, prefix: str = UP) -> str:
    """A Markdown link (an image for an image), or the name marked missing (or outside)."""
    if item.target is None:
        return f"{code(item.text)} ({item.reason})"
    bang = "!" if item.image else ""
    return f"{bang}[{escape(item.text)}]({href(item.target, prefix)})"


def _criteria_table(view: ClaimView) -> list[str]:
    predicted = any(row.predicted for row in view.criteria)
    lines = [
        "| criterion | outcome | measured per seed | bound | rule | held | margin "
        + ("| theory |" if predicted else "|"),
        "| --- | --- | --- | --- | --- | --- | --- |" + (" --- |" if predicted else ""),
    ]
    for row in view.criteria:
        lines.append(
            f"| {cell(row.name)} | **{row.outcome}** | {cell(row.per_seed)} | {cell(row.bound)} "
            f"| {cell(row.rule)} | {row.held} | {row.margin} |"
            + (f" {cell(row.predicted) or DASH} |" if predicted else "")
        )
    return lines


def _readings(view: ClaimView) -> list[str]:
    """What each bound reads in the document: the criteria that read it, the quotation, then
    how it is read (once for the criteria that read the same words the same way)."""
    lines: list[str] = []
    for group in view.readings:
        lines += ["", "- " + "; ".join(f"*{escape(name)}*" for name in group.names)]
        if group.quote:
            lines += ["", f"  {quotation(group.quote)}"]
        if group.reading:
            how = f": {escape(group.how)}" if group.how else ""
            lines += ["", f"  Reading: *{escape(group.reading)}*{how}"]
    return ["", "### What each bound reads in the document", *lines] if lines else []


def _assumptions(view: ClaimView) -> list[str]:
    if not view.assumptions:
        return []
    lines = [
        "",
        "## Assumptions",
        "",
        "The setup choices the documents leave open, and the value used.",
        "",
        "| setup choice | value used | why | plausible values |",
        "| --- | --- | --- | --- |",
    ]
    for a in view.assumptions:
        cells = (a.parameter, a.value, a.why, a.plausible)
        lines.append("| " + " | ".join(cell(c) for c in cells) + " |")
    return lines


def _sensitivity(view: ClaimView) -> list[str]:
    if not view.sensitivity:
        return []
    lines = [
        "",
        "## Sensitivity",
        "",
        "The claim's criteria judged again at other values of a setup choice the documents "
        "leave open; *(used)* marks the value its verdict was measured at.",
        "",
        "| setup choice | value | verdict there | criteria | test |",
        "| --- | --- | --- | --- | --- |",
    ]
    for s in view.sensitivity:
        test = code_cell(s.test) if s.test else DASH
        lines.append(
            f"| {cell(s.parameter)} | {cell(s.value)}{' (used)' if s.used else ''} "
            f"| **{cell(s.verdict)}** "
            f"| {cell(s.criteria) or DASH} | {test} |"
        )
    if view.sensitivity_figure:
        beside = view.sensitivity_figure.removeprefix(f"{CLAIMS_DIR}/")
        lines += ["", f"![The verdict at each value of the setup choice]({href(beside)})"]
    return lines


def _results(view: ClaimView) -> list[str]:
    if not view.results:
        return []
    lines = [
        "",
        "## Results by tier",
        "",
        "The latest result of each tier; the verdict is the document tier's where there is one.",
        "",
    ]
    for r in view.results:
        record = " (the verdict of record)" if r.of_record else ""
        when = f", {escape(r.measured)}" if r.measured else ""
        lines.append(f"- {r.tier}: **{escape(r.text)}**{record}{when}")
    return lines


def render_claim_page(view: ClaimView) -> str:
    """The Markdown page of one claim."""
    entry = view.entry
    star = " ★" if entry.headline else ""
    document = code(entry.document) if entry.document else "not among the documents"
    lines = [
        f"# {code(entry.id)}{star}",
        "",
        f"[All claims]({UP}{INDEX_MD}) · [This claim on the one-page report]"
        f"({UP}{INDEX_HTML}#{href(entry.id)})",
        "",
        quotation(entry.statement),
        "",
        f"The claim as the registry states it, from *{escape(entry.source)}* ({document})"
        + (", a headline claim." if entry.headline else "."),
        "",
        f"## Verdict: {entry.verdict}",
        "",
        f"*{entry.verdict}*: {view.meaning}. {escape(view.why)}".rstrip(),
    ]
    if view.finding != DASH and entry.verdict != "not-run":
        lines += ["", f"**Finding:** {escape(view.finding.rstrip('.'))}."]
    if view.change:
        lines += [
            "",
            f"Changed since the previous report: {view.change} "
            f"({escape(view.change_reasons or '')}).",
        ]
    lines += _results(view)
    for condition in entry.conditions:
        lines += ["", f"**Holds when:** {escape(condition)}"]
    for note in view.notes:
        lines += ["", f"**Note:** {escape(note)}"]

    lines += ["", "## Criteria", ""]
    if view.criteria:
        lines += _criteria_table(view)
        lines += [
            "",
            "*margin*: the deciding value's distance from the bound in units of the seeds' "
            "standard deviation (relative to the bound where there is no spread), positive on "
            "the claim's side.",
        ]
        lines += _readings(view)
    else:
        lines.append("No criteria were recorded for this claim; its tests' figures are below.")
    if view.figure:
        beside = view.figure.removeprefix(f"{CLAIMS_DIR}/")  # the page is in claims/ too
        lines += ["", f"![Each seed's value against the bound]({href(beside)})"]

    lines += _assumptions(view)
    lines += _sensitivity(view)

    images = [a for a in view.artifacts if a.image and a.target is not None]
    others = [a for a in view.artifacts if not (a.image and a.target is not None)]
    if view.artifacts:
        lines += ["", "## Figures from the tests", ""]
        lines += [md_link(a) for a in images]
        if others:
            lines += ["", *[f"- {md_link(a)}" for a in others]]

    if view.evidence:
        lines += ["", "## Recorded figures"]
        for block in view.evidence:
            lines += ["", code(block.test), ""]
            lines += [f"- {code(key)} = {code(value)}" for key, value in block.items]

    lines += ["", "## Tests", ""]
    if view.tests:
        lines += [
            f"- {code(t.test)}: {escape(t.verdict)}" + (f" ({escape(t.kept)})" if t.kept else "")
            for t in view.tests
        ]
    else:
        lines.append("No test of this claim has run.")

    lines += ["", "## Lab", ""]
    lines.append(
        f"Shown in the lab directory {md_link(view.lab)}." if view.lab else "No lab shows it."
    )
    if view.maps:
        lines += ["", "## Where it stops holding", ""]
        lines += [f"- {md_link(m)}" for m in view.maps]

    seeds = entry.seeds
    lines += [
        "",
        "## Measured",
        "",
        f"- when: {escape(view.measured)}",
        f"- tier, steps: {escape(view.training)}",
        f"- seeds: held in {seeds.held} of {seeds.run}" if seeds else f"- seeds: {DASH}",
    ]
    return "\n".join(lines) + "\n"
