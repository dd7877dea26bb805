"""The ``evidence`` fixture: how a claim test judges its claim and records what it measured.

A claim test measures, then judges each criterion of the claim with one call::

    from initspec.plugin.evidence import Evidence, every, at_least, mean_ci

    @pytest.mark.claim("lab01.kaiming-trains")
    def test_kaiming_trains(runs, evidence: Evidence) -> None:
        evidence.horizon(steps=1000, document_steps=1000)
        evidence.check(
            "last-100-step mean loss",
            [run.tail_loss for run in runs],          # one value per seed
            comparison="<", bound=0.05, rule=every(),
            document="trains as expected ... smooth descent",
        )

:meth:`Evidence.check` judges a :class:`initspec.judging.outcome.Criterion`, records it and returns
it, met or not: every criterion of a claim is judged. When the test returns, the plugin calls
:meth:`Evidence.conclude`, which raises :class:`ClaimNotMet` if a criterion is not met (the claim is
refuted, or conditional where the registry lists it so), else :class:`ClaimUndecided` if the seeds
cannot decide one (the claim is inconclusive). Checking a name again (as each example of a
hypothesis property does) replaces its earlier record unless the earlier one was worse, so the
report shows the failing example where one fails.

Each criterion says where its bound comes from: ``document=`` quotes the document's words
verbatim, and ``reading=`` says how: :func:`printed`, :func:`stated`, :func:`interpreted` or
:func:`assumed` (see :class:`initspec.judging.judge.Reading`).

Rules (see :mod:`initspec.judging.judge` for the margin): :func:`every` (every seed),
:func:`at_least` ``(k)`` (k of the n seeds), :func:`mean_ci` ``(level=0.95)`` (the mean's two-sided
Student t interval lies wholly on the claim's side of the bound; undecided while it straddles it;
:meth:`Evidence.check_seeds` adds seeds until it decides or reaches a cap).

Tiers and seeds: ``pytest --tier quick|document`` (or ``INITSPEC_TIER``) says whether tests run
the short horizon or the document's own; ``--seed-base N`` shifts every data and weight seed by
N. Fixtures read them with the session fixtures ``tier`` and ``seed_base``, or with
:func:`current_tier` and :func:`current_seed_base` where they hold a ``pytest.Config``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from initspec.judging.judge import (
    HELD,
    NOT_MET,
    UNDECIDED,
    Bound,
    ClaimNotMet,
    ClaimUndecided,
    Reading,
    Rule,
    Value,
    assumed,
    at_least,
    describe,
    every,
    interpreted,
    judge,
    mean_ci,
    printed,
    stated,
)
from initspec.judging.outcome import TIERS, Criterion, SensitivityRow
from initspec.judging.quotes import check_quote
from initspec.runtime.artifacts import strict

__all__ = [
    "ClaimNotMet",
    "ClaimUndecided",
    "Evidence",
    "Reading",
    "Rule",
    "assumed",
    "at_least",
    "current_seed_base",
    "current_tier",
    "every",
    "interpreted",
    "mean_ci",
    "printed",
    "stated",
]

TIER_ENV = "INITSPEC_TIER"

# Which of two judgements of one criterion name stays on record: the more severe.
_SEVERITY = {HELD: 0, UNDECIDED: 1, NOT_MET: 2}


def current_tier(config: pytest.Config) -> str:
    """The run's tier: ``--tier``, else ``$INITSPEC_TIER``, else ``quick``.

    ``quick`` runs every claim at a horizon short enough for every change; ``document`` at the
    document's own horizon (steps, seeds) where that is longer.
    """
    option = config.getoption("initspec_tier", None)
    if option is not None:
        return str(option)
    from_env = os.environ.get(TIER_ENV, "").strip()
    if not from_env:
        return TIERS[0]
    if from_env not in TIERS:
        raise pytest.UsageError(f"{TIER_ENV}={from_env!r}: expected one of {', '.join(TIERS)}")
    return from_env


def current_seed_base(config: pytest.Config) -> int:
    """``--seed-base N`` (default 0): added to every data and weight seed the suite uses."""
    return int(config.getoption("initspec_seed_base", 0) or 0)


class Evidence:
    """What a claim test measured and how it judged its claim; the ``evidence`` fixture."""

    def __init__(
        self,
        artifact_dir: Path,
        reports_dir: Path,
        *,
        tier: str = "quick",
        seed_base: int = 0,
        documents: Sequence[str] = (),
        require_readings: bool = False,
    ) -> None:
        self.figures: dict[str, Any] = {}
        self.criteria: list[Criterion] = []
        self.seeds_run = 0
        self.seeds_held = 0
        self.condition_text: str | None = None
        self.artifacts: list[str] = []
        self.tier = tier
        self.seed_base = seed_base
        self.steps: int | None = None
        self.document_steps: int | None = None
        self.sensitivity_rows: list[SensitivityRow] = []
        # The claim's source documents (file names): every quote must be their words.
        self.documents = list(documents)
        self.require_readings = require_readings
        self._seeds_given = False
        self._artifact_dir = artifact_dir
        self._reports_dir = reports_dir

    # -- judging --------------------------------------------------------------------------

    def check(
        self,
        name: str,
        measured: Value | Sequence[Value],
        *,
        bound: Bound,
        comparison: str,
        rule: Rule | None = None,
        document: str | None = None,
        unit: str | None = None,
        reading: Reading | None = None,
    ) -> Criterion:
        """Judge one criterion of the claim, record it and return it, met or not.

        ``measured``: one value per seed (a list), or one value for an exact claim; ``None`` or
        NaN for a seed that produced no number (it does not satisfy any comparison).
        ``comparison``: ``"<"``, ``"<="``, ``">"``, ``">="``, ``"=="`` or ``"in"``; ``bound``: a
        number, ``[low, high]`` for ``"in"`` (both ends included), or ``True`` / ``False`` for a
        property per seed with ``"=="``. ``rule``: :func:`every` (the default), :func:`at_least`
        ``(k)`` or :func:`mean_ci` ``(level)``. ``document``: the document's words that the bound
        interprets. ``unit``: the values' unit, for the report.

        Records the criterion (name, rule, bound, comparison, measured, held k of n, outcome,
        margin, t interval). Raises :class:`ClaimNotMet` when it is not met and
        :class:`ClaimUndecided` when the rule cannot decide (a ``mean_ci`` interval that
        straddles the bound), both with the message "expected ...; measured ...; held k of n".
        Bad arguments (an unknown comparison, ``at_least(k)`` with fewer than k values, ...)
        raise ``ValueError``: the claim gets ``error``.
        """
        __tracebackhide__ = True  # a failure points at the test's line, not here
        criterion = judge(
            name,
            measured,
            bound=bound,
            comparison=comparison,
            rule=rule or every(),
            document=document,
            unit=unit,
            reading=reading,
        )
        return self._judged(criterion)

    def check_all(
        self,
        name: str,
        flags: Sequence[bool],
        *,
        rule: Rule | None = None,
        document: str | None = None,
        reading: Reading | None = None,
    ) -> Criterion:
        """A property per seed: ``check(name, flags, comparison="==", bound=True, rule=rule)``.

        The default rule, :func:`every`, needs every flag true; ``at_least(k)`` needs k of them.
        """
        __tracebackhide__ = True  # a failure points at the test's line, not here
        values = [bool(flag) for flag in flags]
        return self.check(
            name,
            values,
            bound=True,
            comparison="==",
            rule=rule or every(),
            document=document,
            reading=reading,
        )

    def check_seeds(
        self,
        name: str,
        measure: Callable[[int], Value],
        *,
        seeds: Sequence[int],
        cap: int,
        bound: Bound,
        comparison: str,
        rule: Rule | None = None,
        document: str | None = None,
        unit: str | None = None,
        reading: Reading | None = None,
    ) -> Criterion:
        """Measure seeds one after another until the criterion is decided or ``cap`` seeds ran.

        ``seeds`` are the suite's own seed numbers (e.g. ``range(3)``); ``measure`` is called
        with each shifted by ``--seed-base`` and returns that seed's value. While the rule
        cannot decide (only :func:`mean_ci`, the default here, can be undecided), the next seed
        (one above the largest so far) is measured, up to ``cap`` seeds in all. Then it judges
        as :meth:`check` does: undecided at the cap raises :class:`ClaimUndecided`. The seeds
        actually measured are recorded as the figure ``seeds_measured[name]``.
        """
        __tracebackhide__ = True  # a failure points at the test's line, not here
        chosen = list(seeds)
        if not chosen or len(set(chosen)) != len(chosen):
            raise ValueError(f"criterion {name!r}: seeds must be distinct and not empty")
        if cap < len(chosen):
            raise ValueError(f"criterion {name!r}: cap {cap} is below the {len(chosen)} seeds")
        rule = rule or mean_ci()
        values: list[Value] = [measure(self.seed_base + seed) for seed in chosen]
        while True:
            criterion = judge(
                name,
                values,
                bound=bound,
                comparison=comparison,
                rule=rule,
                document=document,
                unit=unit,
                reading=reading,
            )
            if criterion.outcome != "undecided" or len(chosen) >= cap:
                break
            chosen.append(max(chosen) + 1)
            values.append(measure(self.seed_base + chosen[-1]))
        measured = dict(self.figures.get("seeds_measured", {}))
        measured[name] = [self.seed_base + seed for seed in chosen]
        self.figures["seeds_measured"] = measured
        return self._judged(criterion)

    def _judged(self, criterion: Criterion) -> Criterion:
        if self.require_readings and criterion.reading is None:
            raise ValueError(
                f"criterion {criterion.name!r} says no reading: pass reading=printed(), "
                "stated(), interpreted(how) or assumed(why) (require_readings is on)"
            )
        if criterion.quote and criterion.reading not in (None, "assumed"):
            check_quote(criterion.quote, self.documents)
        earlier = next((c for c in self.criteria if c.name == criterion.name), None)
        if earlier is not None and _SEVERITY[earlier.outcome] > _SEVERITY[criterion.outcome]:
            return criterion  # a failing example of a property stays on record
        self.criteria = [c for c in self.criteria if c.name != criterion.name] + [criterion]
        return criterion

    def conclude(self) -> None:
        """Raise for the claim once every criterion is judged: :class:`ClaimNotMet` naming the
        first criterion not met, else :class:`ClaimUndecided` naming the first undecided one.

        The plugin calls it after the test returns, so that every criterion is judged and
        recorded, met or not, and the verdict comes from all of them."""
        __tracebackhide__ = True
        for outcome, error in ((NOT_MET, ClaimNotMet), (UNDECIDED, ClaimUndecided)):
            failing = [c for c in self.criteria if c.outcome == outcome]
            if failing:
                others = "" if len(failing) == 1 else f" (and {len(failing) - 1} more)"
                raise error(describe(failing[0]) + others, failing[0])

    def sensitivity(
        self, parameter: str, value: float | str, criteria: Sequence[Criterion]
    ) -> SensitivityRow:
        """Record the claim re-judged with the open setup choice ``parameter`` set to ``value``.

        ``criteria`` are the claim's criteria judged at that value with :func:`judge` (not
        recorded as the claim's own). The row's verdict: ``fails`` if one is not met, else
        ``undecided`` if one is undecided, else ``holds``. Record the document's own (or the
        suite's assumed) value as a row too, so that the table shows the whole range."""
        if not criteria:
            raise ValueError(f"sensitivity {parameter}={value}: no criteria judged")
        outcomes = {c.outcome for c in criteria}
        verdict = (
            "fails" if NOT_MET in outcomes else "undecided" if UNDECIDED in outcomes else "holds"
        )
        row = SensitivityRow(
            parameter=parameter,
            value=value if isinstance(value, str) else f"{value:g}",
            verdict=verdict,
            criteria=[describe(c) for c in criteria],
        )
        self.sensitivity_rows = [
            r for r in self.sensitivity_rows if (r.parameter, r.value) != (row.parameter, row.value)
        ] + [row]
        return row

    # -- what else the test measured ------------------------------------------------------

    def record(self, **figures: Any) -> None:
        """Record measured figures beside the criteria (JSON-able values; NaN becomes null)."""
        self.figures.update(strict(figures))

    def horizon(self, *, steps: int | None, document_steps: int | None = None) -> None:
        """How long this test trained (``steps``) and the document's own horizon for the claim."""
        self.steps, self.document_steps = steps, document_steps

    def seeds(self, run: int, held: int) -> None:
        """Record that the claim was judged over ``run`` seeds and held in ``held``.

        Tests that judge with :meth:`check` need not call it: with one criterion over several
        seeds the count is read from it.
        """
        if not 0 <= held <= run:
            raise ValueError(f"held ({held}) must lie in [0, run={run}]")
        self.seeds_run, self.seeds_held, self._seeds_given = run, held, True

    def counted_seeds(self) -> tuple[int, int]:
        """(run, held): as given to :meth:`seeds`, else from the only criterion if it judged
        several seeds, else (0, 0) (the report reads each criterion's own count)."""
        if self._seeds_given:
            return self.seeds_run, self.seeds_held
        if len(self.criteria) == 1 and self.criteria[0].run > 1:
            return self.criteria[0].run, self.criteria[0].held
        return 0, 0

    def condition(self, text: str) -> None:
        """Name the unstated condition under which the claim does hold (verdict conditional)."""
        self.condition_text = text

    @property
    def artifact_dir(self) -> Path:
        """A directory of this test's own (no two tests share one), created on first use."""
        self._artifact_dir.mkdir(parents=True, exist_ok=True)
        return self._artifact_dir

    def artifact(self, path: Path) -> Path:
        """Register a file the test wrote, so the report links to it."""
        path = Path(path).resolve()
        try:
            self.artifacts.append(path.relative_to(self._reports_dir.resolve()).as_posix())
        except ValueError:
            self.artifacts.append(str(path))
        return path
