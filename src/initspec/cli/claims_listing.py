"""``initspec claims``: every claim of the registry with its latest verdict, as lines.

A header names the columns; each claim gets its ID, its verdict in the report (``-`` where the
report has none) and its statement; the last line counts the claims by verdict and says where
the verdicts come from. Torch-free: it reads the registry and the verdicts it is given.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from initspec.claims.registry import Claim
from initspec.judging.outcome import VERDICTS

ID_WIDTH = 40
VERDICT_WIDTH = 12
NO_VERDICT = "-"


def claims_listing(claims: Sequence[Claim], verdicts: Mapping[str, str], source: str) -> list[str]:
    """The header, a line per claim, and the counts: ``verdicts`` maps a claim ID to its
    verdict in the report at ``source`` (empty where there is no report)."""
    lines = [f"{'claim':{ID_WIDTH}s} {'verdict':{VERDICT_WIDTH}s} statement"]
    for claim in claims:
        verdict = verdicts.get(claim.id, NO_VERDICT)
        lines.append(f"{claim.id:{ID_WIDTH}s} {verdict:{VERDICT_WIDTH}s} {claim.statement}")
    if not verdicts:
        lines.append(
            f"{len(claims)} claims, no verdicts: {source} is missing; `pytest spec/` writes it"
        )
        return lines
    counts = Counter(verdicts.get(claim.id, "not-run") for claim in claims)
    by_verdict = ", ".join(
        f"{counts[verdict]} {verdict}" for verdict in VERDICTS if counts[verdict]
    )
    lines.append(f"{len(claims)} claims: {by_verdict} (from {source})")
    return lines
