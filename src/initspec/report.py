"""The claims report: ``reports/claims.json`` (strict JSON) and ``reports/index.md`` (a table).

A run of a subset of the spec must neither erase verdicts it did not measure nor pass them off
as fresh: every entry carries ``measured_at`` and ``fresh`` (measured in the latest run).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from initspec.artifacts import dumps
from initspec.claims import CLAIMS

VERDICTS = ("holds", "refuted", "conditional", "error", "not-run")
# When a claim has several tests, the most serious outcome decides its verdict.
_SEVERITY = {"error": 4, "refuted": 3, "conditional": 2, "holds": 1, "not-run": 0}

# The lab directory each group of claims writes its artifacts to (relative to reports/).
LAB_DIRECTORIES = {
    "lab01": "10-init-matters",
    "lab02": "10-norm-ablation",
    "lab03": "10-residual-depth",
    "blog": "makemore",
    "lecture": "makemore",
}


@dataclass
class TestOutcome:
    """What one test measured for the claims it names."""

    nodeid: str
    claims: list[str]
    verdict: str
    evidence: dict[str, Any] = field(default_factory=dict)
    seeds_run: int = 0
    seeds_held: int = 0
    condition: str | None = None
    artifacts: list[str] = field(default_factory=list)
    note: str | None = None


def combine(outcomes: Iterable[TestOutcome], claim_id: str, measured_at: str) -> dict[str, Any]:
    """One claim's report entry from all the tests that named it."""
    mine = [o for o in outcomes if claim_id in o.claims]
    verdict = max((o.verdict for o in mine), key=_SEVERITY.__getitem__, default="not-run")
    seeded = [o for o in mine if o.seeds_run]
    entry: dict[str, Any] = {
        "verdict": verdict,
        "evidence": {o.nodeid: o.evidence for o in mine},
        "seeds": {
            "run": sum(o.seeds_run for o in seeded),
            "held": sum(o.seeds_held for o in seeded),
        }
        if seeded
        else None,
        "tests": [{"test": o.nodeid, "verdict": o.verdict} for o in mine],
        "conditions": [o.condition for o in mine if o.condition],
        "artifacts": sorted({a for o in mine for a in o.artifacts}),
        "notes": [o.note for o in mine if o.note],
        "measured_at": measured_at,
    }
    return entry


def build_report(
    outcomes: list[TestOutcome], previous: Mapping[str, Any] | None, now: str
) -> dict[str, Any]:
    """Merge this run's outcomes into the previous report's entries."""
    earlier = {c["id"]: c for c in (previous or {}).get("claims", []) if isinstance(c, dict)}
    measured = {claim for o in outcomes if o.verdict != "not-run" for claim in o.claims}
    claims = []
    for claim in CLAIMS.values():
        base = {
            "id": claim.id,
            "source": claim.source.title,
            "document": claim.source.document,
            "statement": claim.statement,
            "headline": claim.headline,
        }
        if claim.id in measured:
            entry = {**base, **combine(outcomes, claim.id, now), "fresh": True}
        elif claim.id in earlier and earlier[claim.id].get("verdict", "not-run") != "not-run":
            entry = {**earlier[claim.id], **base, "fresh": False}
        else:
            entry = {**base, "verdict": "not-run", "evidence": {}, "seeds": None}
            entry.update(tests=[], conditions=[], artifacts=[], notes=[], measured_at=None)
            entry["fresh"] = False
        claims.append(entry)
    counts = {v: sum(1 for c in claims if c["verdict"] == v) for v in VERDICTS}
    return {"generated_at": now, "counts": counts, "claims": claims}


def load_previous(path: Path) -> dict[str, Any] | None:
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return "null" if not math.isfinite(value) else f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        shown = ", ".join(_fmt(v) for v in list(value)[:6])
        return f"[{shown}{', …' if len(value) > 6 else ''}]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_fmt(v)}" for k, v in list(value.items())[:6]) + "}"
    return str(value)


def evidence_summary(entry: Mapping[str, Any], limit: int = 600) -> str:
    # The condition and the known failure's reason say most; the raw figures follow.
    parts = [f"condition: {c}" for c in entry.get("conditions", [])]
    parts.extend(entry.get("notes", []))
    for figures in entry.get("evidence", {}).values():
        if isinstance(figures, dict):
            parts.extend(f"{k} = {_fmt(v)}" for k, v in figures.items())
    text = "; ".join(parts)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_index(report: Mapping[str, Any]) -> str:
    counts = report["counts"]
    lines = [
        "# initspec: claims report",
        "",
        f"Generated {report['generated_at']}. "
        + ", ".join(f"{counts[v]} {v}" for v in VERDICTS)
        + f" of {len(report['claims'])} claims.",
        "",
        "A verdict marked *(earlier run)* was not measured in the latest run of the spec; its "
        "date says when it was. Full figures are in `claims.json`.",
        "",
        "| claim | source | verdict | evidence | seeds held/run | measured | artifacts |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for entry in report["claims"]:
        star = " ★" if entry.get("headline") else ""
        seeds = entry.get("seeds")
        seeds_text = f"{seeds['held']}/{seeds['run']}" if seeds else "–"
        measured = entry.get("measured_at") or "–"
        if entry.get("measured_at") and not entry.get("fresh"):
            measured += " *(earlier run)*"
        links = [f"[{Path(a).name}]({a})" for a in entry.get("artifacts", [])][:4]
        lab_dir = LAB_DIRECTORIES.get(entry["id"].split(".")[0])
        if lab_dir:
            links.append(f"[{lab_dir}/]({lab_dir}/)")
        lines.append(
            f"| `{entry['id']}`{star} | {entry['source']} | **{entry['verdict']}** | "
            f"{evidence_summary(entry)} | {seeds_text} | {measured} | {' '.join(links)} |"
        )
    return "\n".join(lines) + "\n"


def write_report(reports_dir: Path, outcomes: list[TestOutcome], now: str) -> dict[str, Any]:
    reports_dir.mkdir(parents=True, exist_ok=True)
    json_path = reports_dir / "claims.json"
    report = build_report(outcomes, load_previous(json_path), now)
    for path, text in (
        (json_path, dumps(report)),
        (reports_dir / "index.md", render_index(report)),
    ):
        staging = path.with_name(f".{path.name}.tmp")
        staging.write_text(text, encoding="utf-8")
        staging.replace(path)
    return report
