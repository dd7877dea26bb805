"""What the report shows of one claim, worked out once for the Markdown page and the HTML card.

A :class:`ClaimView` holds the claim's words (finding, why, criteria rows, evidence as
key/value pairs) and its links. Link targets are relative to the reports directory and are
set only where the file or directory exists there (``target`` None: named, not linked), so
every link the report writes opens something; each renderer adds the prefix its own file
needs (``../`` from a claim page).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from initspec.report.entry import ClaimEntry, TestVerdict
from initspec.report.words import (
    DASH,
    VERDICT_MEANING,
    bound_text,
    change_text,
    evidence_items,
    finding,
    measured_text,
    measured_when,
    num,
    per_seed_text,
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
    """Something the report points at: ``target`` relative to the reports directory (or a
    ``file:`` URI), None where it does not exist."""

    text: str
    target: str | None
    image: bool = False


@dataclass(frozen=True)
class CriterionRow:
    """One criterion as the report's tables show it, every cell already text (``measured``: the
    values in a few characters; ``per_seed``: every value, and the mean's t interval)."""

    name: str
    bound: str
    rule: str
    measured: str
    per_seed: str
    held: str
    outcome: str
    margin: str
    document: str


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
    finding: str
    finding_beside_notes: str  # ``finding`` without the notes, for a card that shows them
    why: str
    why_beside_finding: str  # ``why`` without the finding's sentence, for a card that shows both
    criteria: list[CriterionRow]
    figure: str | None  # the criteria figure, relative to the reports directory
    artifacts: list[Link]
    lab: Link | None
    evidence: list[EvidenceBlock]
    training: str
    measured: str
    staleness: str
    change: str | None
    page: str

    @property
    def id(self) -> str:
        return self.entry.id

    @property
    def tests(self) -> list[TestVerdict]:
        return self.entry.tests


def exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name too long for the file system, for one
        return False


def link(target: str, text: str, reports_dir: Path) -> Link:
    """A link to ``target`` (relative to ``reports_dir``, or absolute) if it exists."""
    image = PurePosixPath(target.rstrip("/")).suffix.lower() in IMAGE_SUFFIXES
    path = Path(target)
    if path.is_absolute():
        return Link(text, path.as_uri() if exists(path) else None, image)
    return Link(text, target if exists(reports_dir / path) else None, image)


def criterion_row(criterion: Mapping[str, Any]) -> CriterionRow:
    margin = criterion.get("margin")
    per_seed = per_seed_text(criterion)
    if criterion.get("interval"):
        per_seed += f" ({measured_text(criterion)})"
    return CriterionRow(
        name=str(criterion.get("name", "")),
        bound=bound_text(criterion),
        rule=str(criterion.get("rule", "")),
        measured=measured_text(criterion),
        per_seed=per_seed,
        held=f"{criterion.get('held')} of {criterion.get('run')}",
        outcome=str(criterion.get("outcome", "")),
        margin=num(float(margin)) if isinstance(margin, (int, float)) else DASH,
        document=str(criterion.get("document") or DASH),
    )


def claim_view(
    entry: ClaimEntry, reports_dir: Path, figure: str | None, current_commit: str | None
) -> ClaimView:
    """The view of ``entry``; ``figure`` is its criteria figure's path, if one was drawn."""
    lab = None
    if entry.lab_directory:
        lab = link(entry.lab_directory + "/", entry.lab_directory + "/", reports_dir)
    return ClaimView(
        entry=entry,
        meaning=VERDICT_MEANING.get(entry.verdict, ""),
        finding=finding(entry),
        finding_beside_notes=finding(entry, notes=False),
        why=why(entry),
        why_beside_finding=why(entry, restate=False),
        criteria=[criterion_row(c) for c in entry.criteria],
        figure=figure,
        artifacts=[link(a, PurePosixPath(a).name, reports_dir) for a in entry.artifacts],
        lab=lab,
        evidence=[
            EvidenceBlock(test, evidence_items(figures))
            for test, figures in entry.evidence.items()
            if figures
        ],
        training=training_text(entry),
        measured=measured_when(entry),
        staleness=staleness(entry, current_commit),
        change=change_text(entry),
        page=page_path(entry.id),
    )
