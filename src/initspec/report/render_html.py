"""``reports/index.html``: the whole report on one page, rendered with Jinja2.

The header names the machine the verdicts were measured on and lists the verdicts that changed
since the previous report, with the criteria that changed outcome. A card per claim (anchored
by its ID) with its verdict, finding, results per tier, criteria with their readings,
assumptions and sensitivity, figures, recorded figures, tests and lab; filters by verdict and
by document in plain JavaScript, kept in the page's URL (``?verdict=refuted&document=...``, so
a filtered view can be linked), and never hiding the card the URL's ``#anchor`` names. The
page needs no server and no network: every image and link is a path relative to the reports
directory.
The template (``templates/index.html.j2``) is autoescaped, so nothing a test recorded can
become markup.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import jinja2

from initspec.judging.outcome import VERDICTS
from initspec.report.changes import change_reasons, change_text
from initspec.report.entry import Report
from initspec.report.render import by_source, machine_text, summary_line
from initspec.report.view import INDEX_MD, ClaimView, href

TEMPLATE = "index.html.j2"


@functools.cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the report's templates (shipped in the package)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("initspec.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["href"] = href
    return env


def render_html(report: Report, views: Sequence[ClaimView]) -> str:
    """index.html for ``report``; ``views`` are its claims' views, in the report's order."""
    counts = report.counts()
    documents = [
        (title, entries[0].document, len(entries)) for title, entries in by_source(report.claims)
    ]
    changes = [(e.id, change_text(e), change_reasons(e)) for e in report.changes()]
    return (
        environment()
        .get_template(TEMPLATE)
        .render(
            report=report,
            summary=summary_line(report),
            machine=machine_text(report),
            counts=[(verdict, counts[verdict]) for verdict in VERDICTS],
            documents=documents,
            changes=changes,
            had_previous=any(entry.previous_verdict is not None for entry in report.claims),
            views=views,
            index_md=INDEX_MD,
        )
    )
