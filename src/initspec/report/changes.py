"""Why a verdict changed against the previous report: which criteria changed outcome.

An entry carries its verdict in the previous report (``previous_verdict``) and its criteria's
outcomes there (``previous_outcomes``, name: held, not-met or undecided). A verdict that
changed is explained by the criteria whose outcome differs, those judged now and not then, and
those judged then and not now. The verdict of record compares like with like (a quick-tier
result kept beside a document-tier verdict is no change); that is the merge's to decide.
"""

from __future__ import annotations

from initspec.report.entry import ClaimEntry
from initspec.report.words import OUTCOME_WORDS


def _word(outcome: str) -> str:
    return OUTCOME_WORDS.get(outcome, outcome)


def change_text(entry: ClaimEntry) -> str | None:
    """``refuted → holds`` if the verdict changed since the previous report, else None."""
    before = entry.previous_verdict
    if before is None or before == entry.verdict:
        return None
    return f"{before} → {entry.verdict}"


def change_reasons(entry: ClaimEntry) -> str:
    """Which criteria changed outcome: ``first loss: met → not met; newly judged: x``."""
    if entry.previous_verdict == "not-run":
        return "measured for the first time"
    if not entry.previous_outcomes:
        return "the previous report did not record its criteria' outcomes"
    now: dict[str, str] = {}
    for criterion in entry.criteria:
        now.setdefault(str(criterion.get("name", "")), str(criterion.get("outcome", "")))
    before = entry.previous_outcomes
    parts = [
        f"{name}: {_word(before[name])} → {_word(outcome)}"
        for name, outcome in now.items()
        if name in before and before[name] != outcome
    ]
    new = [name for name in now if name not in before]
    gone = [name for name in before if name not in now]
    if new:
        parts.append("newly judged: " + ", ".join(new))
    if gone:
        parts.append("no longer judged: " + ", ".join(gone))
    if not parts:
        return "no criterion changed outcome (a test's verdict did: see its tests)"
    return "; ".join(parts)
