"""The claims report: ``reports/claims.json`` (strict JSON), rendered as ``reports/index.md`` (a
table), a page per claim with its figure (``reports/claims/<id>.md``, ``reports/claims/<id>/``)
and ``reports/index.html`` (the whole report on one page).

A run of a subset of the spec must neither erase verdicts it did not measure nor pass them off
as fresh: every entry carries ``measured_at``, ``commit`` and ``fresh`` (measured in the latest
run). The modules, in the order a report is made:

- ``entry``: :class:`ClaimEntry`, one claim's entry, the only shape an entry has;
- ``schema``: an earlier claims.json checked against ``claims.schema.json``;
- ``merge``: this run's :class:`~initspec.judging.outcome.TestOutcome` objects merged into it;
- ``words``: what every page says of a claim (a criterion in one sentence, a verdict and why);
- ``view``: one claim as a page or card shows it (its words and its links);
- ``figures``: a claim's figure, each seed's value against the bound, from its criteria;
- ``render``, ``render_md``, ``render_html``: index.md, the claim pages, index.html;
- ``publish``: the pages and figures, then the indexes, written so that every link holds;
- ``store``: the locked read-merge-write of claims.json, then the rendering.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from initspec.judging.outcome import TestOutcome
from initspec.report import schema
from initspec.report.entry import ClaimEntry, Report, Seeds, TestVerdict
from initspec.report.merge import merge
from initspec.report.publish import render_report
from initspec.report.render import render_index
from initspec.report.render_html import render_html
from initspec.report.store import write_report

__all__ = [
    "ClaimEntry",
    "Report",
    "Seeds",
    "TestOutcome",
    "TestVerdict",
    "build_report",
    "merge",
    "render_html",
    "render_index",
    "render_report",
    "write_report",
]


def build_report(
    outcomes: Sequence[TestOutcome],
    previous: Mapping[str, Any] | None,
    now: str,
    *,
    commit: str | None = None,
) -> dict[str, Any]:
    """The report after merging ``outcomes`` into an earlier claims.json's JSON value.

    Entries of ``previous`` that do not match the schema are dropped; nothing is read or written.
    """
    if previous is None:
        return merge(outcomes, [], now, commit).to_json()
    earlier = schema.check(previous)
    return merge(
        outcomes, earlier.entries, now, commit, previous_generated_at=earlier.generated_at
    ).to_json()
