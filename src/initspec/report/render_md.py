"""``reports/claims/<id>.md``: one claim's page.

The statement and its document, the verdict and why, the conditions and findings, the criteria
as a table (bound, rule, every seed's value, held k of n, margin, the document's words the bound
interprets), the criteria figure and the tests' own figures, the figures each test recorded,
the tests that judged it, the lab directory that shows it, and when and at which commit it was
measured. The page lives one directory below the reports directory, so links get ``../``.
"""

from __future__ import annotations

import re

from initspec.report.render import cell
from initspec.report.view import CLAIMS_DIR, INDEX_HTML, INDEX_MD, ClaimView, Link, href
from initspec.report.words import DASH

UP = "../"  # from reports/claims/ to reports/


def md_link(item: Link, prefix: str = UP) -> str:
    """A Markdown link (an image for an image), or the name marked missing."""
    if item.target is None:
        return f"`{item.text}` (missing)"
    label = item.text.replace("[", "\\[").replace("]", "\\]")
    bang = "!" if item.image else ""
    return f"{bang}[{label}]({href(item.target, prefix)})"


def code(text: str) -> str:
    """``text`` as inline code, whatever backticks it holds: neither Markdown nor HTML applies."""
    text = " ".join(text.split())
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    return f"{fence}{padded}{fence}"


def _criteria_table(view: ClaimView) -> list[str]:
    lines = [
        "| criterion | bound | rule | measured per seed | held | outcome | margin "
        "| the document's words |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in view.criteria:
        lines.append(
            f"| {cell(row.name)} | {cell(row.bound)} | {cell(row.rule)} | {cell(row.per_seed)} | "
            f"{row.held} | {row.outcome} | {row.margin} | {cell(row.document)} |"
        )
    return lines


def render_claim_page(view: ClaimView) -> str:
    """The Markdown page of one claim."""
    entry = view.entry
    star = " ★" if entry.headline else ""
    document = f"`{entry.document}`" if entry.document else "not among the documents"
    lines = [
        f"# `{entry.id}`{star}",
        "",
        f"[All claims]({UP}{INDEX_MD}) · [This claim on the one-page report]"
        f"({UP}{INDEX_HTML}#{entry.id})",
        "",
        f"> {' '.join(entry.statement.split())}",
        "",
        f"The claim as the registry states it, from *{entry.source}* ({document})"
        + (", a headline claim." if entry.headline else "."),
        "",
        f"## Verdict: {entry.verdict}",
        "",
        f"*{entry.verdict}*: {view.meaning}. {view.why}".rstrip(),
    ]
    if view.change:
        lines += ["", f"Changed since the previous report: {view.change}."]
    for condition in entry.conditions:
        lines += ["", f"**Holds when:** {' '.join(condition.split())}"]
    for note in entry.notes:
        lines += ["", f"**Finding:** {' '.join(note.split())}"]

    lines += ["", "## Criteria", ""]
    if view.criteria:
        lines += _criteria_table(view)
        lines += [
            "",
            "*margin*: the deciding value's distance from the bound in units of the seeds' "
            "standard deviation (relative to the bound where there is no spread), positive on "
            "the claim's side.",
        ]
    else:
        lines.append("No criteria were recorded for this claim; its tests' figures are below.")
    if view.figure:
        beside = view.figure.removeprefix(f"{CLAIMS_DIR}/")  # the page is in claims/ too
        lines += ["", f"![Each seed's value against the bound]({href(beside)})"]

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
            lines += ["", f"`{block.test}`", ""]
            lines += [f"- {code(key)} = {code(value)}" for key, value in block.items]

    lines += ["", "## Tests", ""]
    if entry.tests:
        lines += [f"- `{t.test}`: {t.verdict}" for t in entry.tests]
    else:
        lines.append("No test of this claim has run.")

    lines += ["", "## Lab", ""]
    lines.append(
        f"Shown in the lab directory {md_link(view.lab)}." if view.lab else "No lab shows it."
    )

    seeds = entry.seeds
    lines += [
        "",
        "## Measured",
        "",
        f"- when: {view.measured}",
        f"- tier, steps: {view.training}",
        f"- seeds: held in {seeds.held} of {seeds.run}" if seeds else f"- seeds: {DASH}",
    ]
    return "\n".join(lines) + "\n"
