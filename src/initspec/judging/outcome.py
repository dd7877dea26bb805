"""What a test reports to the claims report: the contract between the pytest plugin and the report.

The plugin (``initspec.plugin.hooks``) builds one :class:`TestOutcome` per claim test; the report
(``initspec.report``) merges them into one entry per claim. Both sides use only these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Every verdict a claim can get, from the most serious to the least: when several tests judge
# one claim, the most serious outcome decides.
VERDICTS = ("error", "refuted", "inconclusive", "conditional", "holds", "not-run")

# How a criterion's bound comes from its document (see Criterion).
READINGS = ("printed", "stated", "interpreted", "assumed")

# Quick tier: short enough for every change; document tier: each document's own horizon.
TIERS = ("quick", "document")


@dataclass(frozen=True)
class Criterion:
    """One judged criterion: what was measured per seed, against which bound, by which rule.

    ``rule`` says how seeds combine ("every seed", "at least 4 of 5", "mean, 95 % t interval");
    ``comparison`` is one of ``<``, ``<=``, ``>``, ``>=``, ``==``, ``in``; ``bound`` is a number
    (or ``[low, high]`` for ``in``); ``measured`` has one value per seed (a single value for an
    exact claim; None for a seed that produced no number). ``outcome`` is ``held``, ``not-met``
    or ``undecided``; ``margin`` is the distance from the bound in units of the seeds' spread (or
    relative to the bound where the spread is zero), positive on the side the claim needs.
    ``document`` quotes the words of the document that the bound interprets.

    Readings: ``quote`` is the document's own words the criterion reads, verbatim (``...``
    joins two passages), and ``reading`` says how the bound comes from them: ``printed`` (a
    number the document prints), ``stated`` (a bound the document states), ``interpreted``
    (words the suite turns into a number; ``how`` says how and why) or ``assumed`` (a setup
    choice the document does not make; ``how`` says why this value). ``predicted`` is what the
    mean-field theory predicts for the measured quantity, where it predicts one, and
    ``tolerance`` the finite-width tolerance the prediction is compared with, and why.
    """

    name: str
    rule: str
    comparison: str
    bound: float | list[float] | None
    measured: list[float | None]
    held: int
    run: int
    outcome: str
    margin: float | None = None
    document: str | None = None
    interval: list[float] | None = None  # the rule's confidence interval, where it has one
    unit: str | None = None
    quote: str | None = None
    reading: str | None = None  # one of READINGS
    how: str | None = None
    predicted: float | None = None
    tolerance: str | None = None


@dataclass(frozen=True)
class SensitivityRow:
    """The claim re-judged with one setup choice its document leaves open set to ``value``.

    ``verdict`` is ``holds``, ``fails`` or ``undecided``: the same criteria judged at that
    value; ``criteria`` names them, with what each measured (``"name: measured vs bound"``)."""

    parameter: str
    value: str
    verdict: str
    criteria: list[str] = field(default_factory=list)


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
    criteria: list[Criterion] = field(default_factory=list)
    tier: str = "quick"
    steps: int | None = None  # training steps this test ran (None: no training)
    document_steps: int | None = None  # the document's own horizon for the claim
    sensitivity: list[SensitivityRow] = field(default_factory=list)
