"""One claim's entry in the report: a single typed record, read from and written to claims.json.

Every entry has the same fields whether it was measured in this run, kept from an earlier run
or never measured. ``to_json`` gives the entry's object in ``claims.json`` (described by
``claims.schema.json``); ``from_json`` reads one back once the schema has accepted it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from initspec.judging.outcome import VERDICTS


@dataclass(frozen=True)
class TestVerdict:
    """The verdict one test gave a claim (``test`` is the pytest node ID)."""

    __test__ = False  # a record, not a pytest test class

    test: str
    verdict: str


@dataclass(frozen=True)
class Seeds:
    """Over how many independent weight seeds a claim was judged, and in how many it held."""

    run: int
    held: int


@dataclass
class ClaimEntry:
    """Everything the report says about one claim.

    The registry decides ``id``, ``source`` (the document's title), ``document``, ``statement``,
    ``headline`` and ``lab_directory``; the tests decide the rest. ``evidence`` holds each
    test's recorded figures by node ID; ``criteria`` the judged criteria
    (:class:`initspec.judging.outcome.Criterion` as dicts). ``tier`` and ``steps`` say how long the
    claim was trained (the fewest steps of any of its tests), ``document_steps`` the document's
    own horizon. ``commit`` and ``measured_at`` say where and when the verdict was measured;
    ``fresh`` whether that was the latest run. ``previous_verdict`` is the claim's verdict in
    the report this one replaced (None where that report had no entry for it), so a report
    can say which verdicts changed even when it is rendered again later from claims.json;
    ``previous_outcomes`` its criteria's outcomes there (name: held, not-met or undecided), so
    it can say which criteria changed outcome.

    ``results`` holds the latest result of each tier (``{"quick": {...}, "document": {...}}``:
    verdict, steps, document_steps, measured_at, commit...), beside the verdict of record;
    ``sensitivity`` the claim re-judged at other values of a setup choice its documents leave
    open (``{parameter, value, verdict: holds|fails|undecided, criteria: [str], test}``);
    ``assumptions`` those setup choices (``{parameter, value, why, plausible}``). All four are
    absent from reports written before them, and left out of the JSON while empty.
    """

    id: str
    source: str
    document: str | None
    statement: str
    headline: bool
    verdict: str = "not-run"
    tests: list[TestVerdict] = field(default_factory=list)
    criteria: list[dict[str, Any]] = field(default_factory=list)
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)
    seeds: Seeds | None = None
    conditions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    artifacts: list[str] = field(default_factory=list)
    tier: str | None = None
    steps: int | None = None
    document_steps: int | None = None
    commit: str | None = None
    measured_at: str | None = None
    fresh: bool = False
    lab_directory: str | None = None
    previous_verdict: str | None = None
    previous_outcomes: dict[str, str] = field(default_factory=dict)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    sensitivity: list[dict[str, Any]] = field(default_factory=list)
    assumptions: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        optional = {
            "previous_outcomes": self.previous_outcomes,
            "results": self.results,
            "sensitivity": self.sensitivity,
            "assumptions": self.assumptions,
        }
        return {
            "id": self.id,
            "source": self.source,
            "document": self.document,
            "statement": self.statement,
            "headline": self.headline,
            "verdict": self.verdict,
            "tests": [{"test": t.test, "verdict": t.verdict} for t in self.tests],
            "criteria": self.criteria,
            "evidence": self.evidence,
            "seeds": {"run": self.seeds.run, "held": self.seeds.held} if self.seeds else None,
            "conditions": self.conditions,
            "notes": self.notes,
            "artifacts": self.artifacts,
            "tier": self.tier,
            "steps": self.steps,
            "document_steps": self.document_steps,
            "commit": self.commit,
            "measured_at": self.measured_at,
            "fresh": self.fresh,
            "lab_directory": self.lab_directory,
            "previous_verdict": self.previous_verdict,
            **{name: value for name, value in optional.items() if value},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ClaimEntry:
        """The entry an object of claims.json describes; the schema has checked every type.

        Fields that reports written before them lack take their defaults.
        """
        seeds = data.get("seeds")
        return cls(
            id=data["id"],
            source=data.get("source", ""),
            document=data.get("document"),
            statement=data.get("statement", ""),
            headline=data.get("headline", False),
            verdict=data["verdict"],
            tests=[TestVerdict(t["test"], t["verdict"]) for t in data.get("tests", [])],
            criteria=list(data.get("criteria", [])),
            evidence=dict(data.get("evidence", {})),
            seeds=Seeds(seeds["run"], seeds["held"]) if seeds else None,
            conditions=list(data.get("conditions", [])),
            notes=list(data.get("notes", [])),
            artifacts=list(data.get("artifacts", [])),
            tier=data.get("tier"),
            steps=data.get("steps"),
            document_steps=data.get("document_steps"),
            commit=data.get("commit"),
            measured_at=data.get("measured_at"),
            fresh=data.get("fresh", False),
            lab_directory=data.get("lab_directory"),
            previous_verdict=data.get("previous_verdict"),
            previous_outcomes=dict(data.get("previous_outcomes") or {}),
            results=dict(data.get("results") or {}),
            sensitivity=list(data.get("sensitivity") or []),
            assumptions=list(data.get("assumptions") or []),
        )


@dataclass
class Report:
    """The whole report: one entry per registry claim, in registry order.

    ``previous_generated_at`` is when the report this one replaced was generated (None if there
    was none): the entries' ``previous_verdict`` are that report's. ``code_commit`` (not stored
    in claims.json) is the commit of the code that renders the report again, where it differs
    from the run's: every verdict measured at another commit is then marked as older.
    """

    generated_at: str
    commit: str | None
    claims: list[ClaimEntry]
    previous_generated_at: str | None = None
    code_commit: str | None = None
    machine: dict[str, str] | None = None  # initspec.runtime.machine.machine() of the run

    @property
    def current_commit(self) -> str | None:
        """The commit a verdict must have been measured at to count as current."""
        return self.code_commit or self.commit

    def counts(self) -> dict[str, int]:
        """How many claims have each verdict (every verdict listed, zeros included)."""
        return {v: sum(1 for c in self.claims if c.verdict == v) for v in VERDICTS}

    def to_json(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at,
            "commit": self.commit,
            "counts": self.counts(),
            "claims": [entry.to_json() for entry in self.claims],
            "previous_generated_at": self.previous_generated_at,
            **({"machine": self.machine} if self.machine else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        """The report a claims.json value describes; the schema has checked it."""
        return cls(
            generated_at=data["generated_at"],
            commit=data.get("commit"),
            claims=[ClaimEntry.from_json(entry) for entry in data["claims"]],
            previous_generated_at=data.get("previous_generated_at"),
            machine=dict(data["machine"]) if data.get("machine") else None,
        )

    def changes(self) -> list[ClaimEntry]:
        """The entries whose verdict differs from the previous report's, in registry order."""
        return [
            entry
            for entry in self.claims
            if entry.previous_verdict is not None and entry.previous_verdict != entry.verdict
        ]
