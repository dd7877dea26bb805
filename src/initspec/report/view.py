"""What the report shows of one claim, worked out once for the Markdown page and the HTML card.

A :class:`ClaimView` holds the claim's words (finding, why, criteria rows with their
readings, the results per tier, assumptions and sensitivity rows, evidence as key/value pairs)
and its links. Link targets are relative to the reports directory and are set only where the
file or directory exists inside it (``target`` None: named, not linked; a path that leads out
of the reports directory, by ``..``, an absolute path or a symbolic link, is never linked), so
every link the report writes opens something of the report's; each renderer adds the prefix
its own file needs (``../`` from a claim page).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from initspec.maps.contents import maps_of
from initspec.report.changes import change_reasons, change_text
from initspec.report.entry import ClaimEntry
from initspec.report.sensitivity import used_values
from initspec.report.tiers import TierResult, tier_results
from initspec.report.words import (
    DASH,
    VERDICT_MEANING,
    bound_text,
    evidence_items,
    finding,
    measured_text,
    measured_when,
    num,
    outcome_text,
    per_seed_text,
    predicted_text,
    staleness,
    training_text,
    why,
)

CLAIMS_DIR = "claims"  # the claim pages and their figures, under the reports directory
INDEX_MD, INDEX_HTML = "index.md", "index.html"
IMAGE_SUFFIXES = (".png", ".svg", ".jpg", ".jpeg", ".gif", ".webp")


def page_path(claim_id: str) -> str:
    """A claim's page, relative to the reports directory."""
    return f"{CLAIMS_DIR}/{claim_id}.md"


def figure_dir(claim_id: str) -> str:
    """The directory of a claim's figures, relative to the reports directory."""
    return f"{CLAIMS_DIR}/{claim_id}"


def href(target: str, prefix: str = "") -> str:
    """A URL for ``target`` (relative to the reports directory) seen from a file ``prefix`` away
    (``"../"`` from a claim page); absolute targets are ``file:`` URIs already."""
    if target.startswith("file:"):
        return target
    return prefix + quote(target)


@dataclass(frozen=True)
class Link:
    """Something the report points at: ``target`` relative to the reports directory, None where
    it is not linked (``reason`` says why: missing, or outside the reports directory)."""

    text: str
    target: str | None
    image: bool = False
    reason: str = "missing"


@dataclass(frozen=True)
class CriterionRow:
    """One criterion as the report's tables show it, every cell already text (``measured``: the
    values in a few characters; ``per_seed``: every value, and the mean's t interval).

    ``outcome``: met, not met or undecided (``outcome_class`` the JSON's held, not-met,
    undecided); ``quote``: the document's words the bound reads (its ``quote``, else its
    ``document``); ``reading``: printed, stated, interpreted or assumed, ``how`` how and why;
    ``predicted``: the theory's value and tolerance, or empty."""

    name: str
    bound: str
    rule: str
    measured: str
    per_seed: str
    held: str
    outcome: str
    outcome_class: str
    margin: str
    quote: str
    reading: str
    how: str
    predicted: str


@dataclass(frozen=True)
class ReadingGroup:
    """The criteria that read the same words of the document the same way: their names, the
    quotation, the reading kind and how (shown once for all of them)."""

    names: list[str]
    quote: str
    reading: str
    how: str


@dataclass(frozen=True)
class AssumptionRow:
    """A setup choice the claim's documents leave open, and the value the suite uses."""

    parameter: str
    value: str
    why: str
    plausible: str


@dataclass(frozen=True)
class SensitivityRow:
    """The claim re-judged at one value of a setup choice (``verdict``: holds, fails,
    undecided)."""

    parameter: str
    value: str
    verdict: str
    criteria: str
    test: str
    used: bool = False  # the value the claim's verdict was measured at (its assumption's)


@dataclass(frozen=True)
class TestLine:
    """One test of the claim and its verdict; ``kept`` says when an earlier run measured it,
    where the latest run measured the claim's other tests (a partial run)."""

    __test__ = False  # a record, not a pytest test class

    test: str
    verdict: str
    kept: str = ""


@dataclass(frozen=True)
class EvidenceBlock:
    """One test's recorded figures as ``(key, value)`` pairs."""

    test: str
    items: list[tuple[str, str]]


@dataclass(frozen=True)
class ClaimView:
    """Everything a page or card says about one claim."""

    entry: ClaimEntry
    meaning: str
    finding: str  # rendered from the criteria and sensitivity rows, whole
    finding_short: str  # the same, shortened for a table row
    why: str  # beside the finding, not repeating it
    criteria: list[CriterionRow]
    figure: str | None  # the criteria figure, relative to the reports directory
    artifacts: list[Link]
    lab: Link | None
    evidence: list[EvidenceBlock]
    training: str
    measured: str
    staleness: str
    change: str | None
    change_reasons: str | None
    page: str
    results: list[TierResult] = field(default_factory=list)
    assumptions: list[AssumptionRow] = field(default_factory=list)
    sensitivity: list[SensitivityRow] = field(default_factory=list)
    sensitivity_figure: str | None = None
    tests: list[TestLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # the notes the finding does not restate
    readings: list[ReadingGroup] = field(default_factory=list)
    maps: list[Link] = field(default_factory=list)  # the maps that contain the claim

    @property
    def id(self) -> str:
        return self.entry.id


def exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name too long for the file system, for one
        return False


def link(target: str, text: str, reports_dir: Path) -> Link:
    """A link to ``target`` (relative to ``reports_dir``) if it exists inside ``reports_dir``."""
    image = PurePosixPath(target.rstrip("/")).suffix.lower() in IMAGE_SUFFIXES
    try:
        root = reports_dir.resolve()
        resolved = (reports_dir / target).resolve()
    except (OSError, RuntimeError):  # a loop of symbolic links, a name too long
        return Link(text, None, image)
    if not resolved.is_relative_to(root):
        return Link(text, None, image, "outside the reports directory")
    if not exists(resolved):
        return Link(text, None, image)
    relative = resolved.relative_to(root).as_posix()
    if relative == ".":
        return Link(text, None, image, "outside the reports directory")
    return Link(text, relative + ("/" if target.endswith("/") else ""), image)


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def criterion_row(criterion: Mapping[str, Any]) -> CriterionRow:
    margin = criterion.get("margin")
    per_seed = per_seed_text(criterion)
    if criterion.get("interval"):
        per_seed += f" ({measured_text(criterion)})"
    return CriterionRow(
        name=_text(criterion.get("name", "")),
        bound=bound_text(criterion),
        rule=_text(criterion.get("rule", "")),
        measured=measured_text(criterion),
        per_seed=per_seed,
        held=f"{criterion.get('held')} of {criterion.get('run')}",
        outcome=outcome_text(criterion),
        outcome_class=_text(criterion.get("outcome", "")),
        margin=num(float(margin))
        if isinstance(margin, (int, float)) and not isinstance(margin, bool)
        else DASH,
        quote=_text(criterion.get("quote") or criterion.get("document") or ""),
        reading=_text(criterion.get("reading") or ""),
        how=_text(criterion.get("how") or ""),
        predicted=predicted_text(criterion),
    )


def assumption_row(assumption: Mapping[str, Any]) -> AssumptionRow:
    plausible = assumption.get("plausible") or []
    shown = ", ".join(_text(v) for v in plausible) if isinstance(plausible, list) else ""
    return AssumptionRow(
        parameter=_text(assumption.get("parameter", "")),
        value=_text(assumption.get("value", "")),
        why=_text(assumption.get("why", "")),
        plausible=shown or DASH,
    )


def sensitivity_row(row: Mapping[str, Any], used: Mapping[str, str]) -> SensitivityRow:
    """One row; ``used`` maps each assumption's parameter to the value the suite uses."""
    criteria = row.get("criteria") or []
    parameter, value = _text(row.get("parameter", "")), _text(row.get("value", ""))
    return SensitivityRow(
        parameter=parameter,
        value=value,
        verdict=_text(row.get("verdict", "")),
        criteria="; ".join(_text(c) for c in criteria) if isinstance(criteria, list) else "",
        test=_text(row.get("test") or ""),
        used=parameter in used and used[parameter] == value,
    )


def test_lines(entry: ClaimEntry) -> list[TestLine]:
    """The entry's tests; where the latest run measured some of them (``fresh`` in the verdict
    of record's per-test results) each of the others is marked with when it was measured."""
    records = []
    result = entry.results.get(entry.tier or "") if entry.tier else None
    if isinstance(result, Mapping) and isinstance(result.get("tests"), list):
        records = [r for r in result["tests"] if isinstance(r, Mapping)]
    mixed = any(r.get("fresh") for r in records) and not all(r.get("fresh") for r in records)
    kept = {
        str(r.get("test")): f"kept from an earlier run, {r.get('measured_at') or 'time unknown'}"
        for r in records
        if mixed and not r.get("fresh")
    }
    return [TestLine(t.test, t.verdict, kept.get(t.test, "")) for t in entry.tests]


def reading_groups(rows: list[CriterionRow]) -> list[ReadingGroup]:
    """The criteria grouped by what they read in the document and how, in the order each
    reading first appears; criteria that record neither are left out."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for row in rows:
        if row.quote or row.reading:
            groups.setdefault((row.quote, row.reading, row.how), []).append(row.name)
    return [ReadingGroup(names, *key) for key, names in groups.items()]


def notes_shown(entry: ClaimEntry) -> list[str]:
    """The entry's notes, less an undecided claim's "inconclusive: ..." note: the plugin writes
    it from the undecided criterion, which the finding already states with its numbers."""
    undecided = any(c.get("outcome") == "undecided" for c in entry.criteria)
    return [n for n in entry.notes if not (undecided and n.startswith("inconclusive: "))]


def claim_view(
    entry: ClaimEntry,
    reports_dir: Path,
    figure: str | None,
    current_commit: str | None,
    sensitivity_figure: str | None = None,
) -> ClaimView:
    """The view of ``entry``; ``figure`` is its criteria figure's path, if one was drawn,
    ``sensitivity_figure`` its sensitivity figure's."""
    lab = None
    if entry.lab_directory:
        lab = link(entry.lab_directory + "/", entry.lab_directory + "/", reports_dir)
    change = change_text(entry)
    rows = [criterion_row(c) for c in entry.criteria]
    used = used_values(entry.assumptions)
    return ClaimView(
        entry=entry,
        meaning=VERDICT_MEANING.get(entry.verdict, ""),
        finding=finding(entry, limit=None),
        finding_short=finding(entry),
        why=why(entry),
        criteria=rows,
        figure=figure,
        artifacts=[link(a, PurePosixPath(a).name, reports_dir) for a in entry.artifacts],
        lab=lab,
        maps=[link(f"maps/{name}.md", f"map {name}", reports_dir) for name in maps_of(entry.id)],
        evidence=[
            EvidenceBlock(test, evidence_items(figures))
            for test, figures in entry.evidence.items()
            if figures
        ],
        training=training_text(entry),
        measured=measured_when(entry),
        staleness=staleness(entry, current_commit),
        change=change,
        change_reasons=change_reasons(entry) if change else None,
        page=page_path(entry.id),
        results=tier_results(entry),
        assumptions=[assumption_row(a) for a in entry.assumptions if isinstance(a, Mapping)],
        sensitivity=[sensitivity_row(r, used) for r in entry.sensitivity if isinstance(r, Mapping)],
        sensitivity_figure=sensitivity_figure,
        tests=test_lines(entry),
        notes=notes_shown(entry),
        readings=reading_groups(rows),
    )
