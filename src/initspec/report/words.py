"""The report's words: numbers, bounds, a criterion in one sentence, a verdict and why.

Every page of the report (index.md, the claim pages, index.html) says these things the same
way, so each is written once, here. A criterion is the dict that claims.json stores
(:class:`initspec.judging.outcome.Criterion` as JSON: ``measured`` holds numbers, booleans or null).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from initspec.report.entry import ClaimEntry
from initspec.report.sensitivity import sensitivity_summary

# What each verdict means, as the README's table says it.
VERDICT_MEANING = {
    "holds": "every criterion of the document's statement was met",
    "refuted": "a criterion was measured and not met",
    "conditional": "not met as stated, but it holds under a condition the document does not state",
    "inconclusive": "the seeds could not decide a criterion, even after adding seeds up to the cap",
    "error": "a test could not measure the claim (an exception, a failed sanity check of the "
    "test's own, or a test that judged nothing)",
    "not-run": "no test of it ran in this or any earlier run",
}

MISSING = "n/a"
DASH = "–"
LIST_SHOWN = 6  # values of a list shown before "…"


def num(value: Any) -> str:
    """A value as the report prints it: 3 significant digits, 1.1e-4 rather than 1.1e-04 (and
    rather than 0.00011: powers of ten below 1e-3 or from 1e5 up are written as such)."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return MISSING
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        if value == 0:
            return "0"
        exponent = math.floor(math.log10(abs(value)))
        if -3 <= exponent < 5:
            return f"{value:.3g}"
        mantissa, power = f"{value:.2e}".split("e")
        return f"{float(mantissa):.3g}e{int(power)}"
    return str(value)


def value_text(value: Any) -> str:
    """A recorded figure in a few characters: lists shortened, mappings as ``key: value``."""
    if isinstance(value, Mapping):
        shown = [f"{k}: {value_text(v)}" for k, v in list(value.items())[:LIST_SHOWN]]
        more = ", …" if len(value) > LIST_SHOWN else ""
        return "{" + ", ".join(shown) + more + "}"
    if isinstance(value, (list, tuple)):
        shown = [value_text(v) for v in list(value)[:LIST_SHOWN]]
        more = f", … ({len(value)} values)" if len(value) > LIST_SHOWN else ""
        return "[" + ", ".join(shown) + more + "]"
    return num(value)


def evidence_items(figures: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A test's recorded figures as ``(key, value)`` pairs, nested records flattened.

    A mapping gives ``key.sub`` pairs; a list of records (one per seed) gives one list per
    field, ``key.field = [seed 1, seed 2, ...]``, so no dict is ever printed whole.
    """
    items: list[tuple[str, str]] = []
    for key, value in figures.items():
        _flatten(str(key), value, items)
    return items


def _flatten(key: str, value: Any, out: list[tuple[str, str]]) -> None:
    if isinstance(value, Mapping) and value:
        for sub, inner in value.items():
            _flatten(f"{key}.{sub}", inner, out)
    elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        fields = list(dict.fromkeys(k for record in value for k in record))
        for sub in fields:
            _flatten(f"{key}.{sub}", [record.get(sub) for record in value], out)
    elif isinstance(value, Mapping):
        out.append((key, DASH))
    else:
        out.append((key, value_text(value)))


def unit_suffix(criterion: Mapping[str, Any]) -> str:
    unit = criterion.get("unit")
    return f" {unit}" if unit else ""


def bound_text(criterion: Mapping[str, Any]) -> str:
    """``< 1e-7``, ``in [0.08, 0.09]``, ``== true``, with the unit."""
    bound = criterion.get("bound")
    if isinstance(bound, list) and len(bound) == 2:
        shown = f"[{num(bound[0])}, {num(bound[1])}]"
    else:
        shown = num(bound)
    return f"{criterion['comparison']} {shown}{unit_suffix(criterion)}"


def is_boolean(criterion: Mapping[str, Any]) -> bool:
    """A property per seed (``check_all``): true or false, no number to plot."""
    measured = criterion.get("measured", [])
    return isinstance(criterion.get("bound"), bool) or any(isinstance(v, bool) for v in measured)


def numbers(values: Sequence[Any]) -> list[float]:
    """The finite numbers among ``values`` (no booleans, None, NaN or infinities)."""
    return [
        float(v)
        for v in values
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    ]


def measured_text(criterion: Mapping[str, Any]) -> str:
    """The values in a few characters: one value, or the range of the seeds' values."""
    measured = list(criterion.get("measured", []))
    unit = unit_suffix(criterion)
    if len(measured) == 1:
        return num(measured[0]) + unit
    found = numbers(measured)
    missing = len(measured) - len(found) - sum(isinstance(v, bool) for v in measured)
    if is_boolean(criterion):
        text = f"true in {sum(v is True for v in measured)} of {len(measured)}"
    elif not found:
        text = MISSING
    elif min(found) == max(found):
        text = num(found[0]) + unit
    else:
        text = f"{num(min(found))} to {num(max(found))}{unit}"
    if missing and found:
        text += f" ({MISSING} in {missing})"
    interval = criterion.get("interval")
    if isinstance(interval, list) and len(interval) == 2:
        low, high = interval
        text = f"mean {num((low + high) / 2)}{unit}, t interval [{num(low)}, {num(high)}]"
    return text


def per_seed_text(criterion: Mapping[str, Any]) -> str:
    """Every value, in seed order."""
    return ", ".join(num(v) for v in criterion.get("measured", [])) or DASH


# A criterion's outcome in the report's words: every criterion is judged, met or not.
OUTCOME_WORDS = {"held": "met", "not-met": "not met", "undecided": "undecided"}


def outcome_text(criterion: Mapping[str, Any]) -> str:
    """``met``, ``not met`` or ``undecided``."""
    outcome = str(criterion.get("outcome", ""))
    return OUTCOME_WORDS.get(outcome, outcome or MISSING)


def reading_text(criterion: Mapping[str, Any]) -> str:
    """How the bound comes from the document: ``interpreted: <how>``, ``printed``; empty where
    the criterion does not say (reports written before readings were recorded)."""
    reading = criterion.get("reading")
    if not reading:
        return ""
    how = criterion.get("how")
    return f"{reading}: {' '.join(str(how).split())}" if how else str(reading)


def predicted_text(criterion: Mapping[str, Any]) -> str:
    """``predicted 0.5 (tolerance: ...)``: the theory's value beside the measured one; empty
    where the theory predicts none."""
    predicted = criterion.get("predicted")
    if predicted is None:
        return ""
    text = f"predicted {num(predicted)}{unit_suffix(criterion)}"
    tolerance = criterion.get("tolerance")
    return text + (f" (tolerance: {' '.join(str(tolerance).split())})" if tolerance else "")


def held_text(criterion: Mapping[str, Any]) -> str:
    run, held = criterion["run"], criterion["held"]
    if run == 1:
        return "held" if held == 1 else "not met"
    return f"held in {held} of {run} seeds"


def criterion_sentence(criterion: Mapping[str, Any], *, margin: bool = False) -> str:
    """The criterion in one sentence: what was measured, against which bound, how many held.

    "layer-1 gradient minimum: 1.4e-5 to 1.1e-3 against the bound < 1e-7; held in 0 of 3 seeds"
    (the name ends with a colon, so a name that ends in a number never runs into the value).
    ``margin=True`` adds the margin: how far the deciding value is from the bound.
    """
    rule = str(criterion.get("rule", ""))
    needs = f" ({rule} needed)" if rule and not rule.startswith(("every", "the value")) else ""
    if criterion.get("outcome") == "undecided":
        needs += ": the seeds do not decide it"
    value = criterion.get("margin")
    if margin and isinstance(value, (int, float)) and not isinstance(value, bool):
        needs += f" (margin {num(float(value))})"
    predicted = criterion.get("predicted")  # the tolerance is the table's to give
    return (
        f"{criterion['name']}: {measured_text(criterion)}"
        + (f" (predicted {num(predicted)})" if predicted is not None else "")
        + f" against the bound {bound_text(criterion)}; {held_text(criterion)}{needs}"
    )


def deciding_criterion(criteria: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The criterion that decided the verdict: the first not met, else the first undecided,
    else the first (a claim test checks its defining criterion first)."""
    for outcome in ("not-met", "undecided"):
        for criterion in criteria:
            if criterion.get("outcome") == outcome:
                return criterion
    return criteria[0] if criteria else None


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _others_text(others: Sequence[Mapping[str, Any]]) -> str:
    """``3 more criteria met``, ``2 more: 1 met, 1 undecided``."""
    if not others:
        return ""
    word = "criteria" if len(others) > 1 else "criterion"
    outcomes = [outcome_text(c) for c in others]
    if len(set(outcomes)) == 1:
        return f"{len(others)} more {word} {outcomes[0]}"
    counted = ", ".join(f"{outcomes.count(o)} {o}" for o in dict.fromkeys(outcomes))
    return f"{len(others)} more {word}: {counted}"


def criteria_finding(criteria: Sequence[Mapping[str, Any]]) -> str:
    """What the criteria found: every criterion not met (with its margin), else every undecided
    one, else the first; then how the others came out."""
    failing = [c for c in criteria if c.get("outcome") == "not-met"]
    undecided = [c for c in criteria if c.get("outcome") == "undecided"]
    if failing:
        shown = failing
        text = "Not met: " + "; ".join(criterion_sentence(c, margin=True) for c in failing)
    elif undecided:
        shown = undecided
        text = "Undecided: " + "; ".join(criterion_sentence(c, margin=True) for c in undecided)
    elif criteria:
        shown = [criteria[0]]
        text = criterion_sentence(criteria[0])
    else:
        return ""
    others = _others_text([c for c in criteria if not any(c is s for s in shown)])
    return f"{text}. {others[0].upper()}{others[1:]}" if others else text


def finding(entry: ClaimEntry, limit: int | None = 320) -> str:
    """The claim's finding, rendered from what was measured (no words typed by hand): which
    criteria were not met and by how much (:func:`criteria_finding`), then at which values of
    an open setup choice the claim holds or fails (:func:`sensitivity_summary`). An error's
    reason comes first (its criteria may have held before the test broke).

    Without criteria: the first figures the tests recorded, as ``key = value`` pairs.
    ``limit``: at most this many characters (None: all of it).
    """
    parts = []
    if entry.verdict == "error" and entry.notes:
        parts.append(entry.notes[0])
    if entry.criteria:
        parts.append(criteria_finding(entry.criteria))
    summary = sensitivity_summary(entry.sensitivity)
    if summary:
        parts.append(summary[0].upper() + summary[1:])
    if not parts:
        items = [pair for figures in entry.evidence.values() for pair in evidence_items(figures)]
        parts = ["; ".join(f"{k} = {v}" for k, v in items)] if items else []
    if not parts:
        return DASH
    text = ". ".join(part.rstrip(". ") for part in parts)
    return text if limit is None else shorten(text, limit)


def why(entry: ClaimEntry) -> str:
    """Why the claim has its verdict, in a sentence, beside the finding (which it does not
    repeat): how many criteria held, or which test could not measure it."""
    verdict = entry.verdict
    if verdict == "holds":
        count = len(entry.criteria)
        return f"Every criterion held ({count} checked)." if count else "Every test of it passed."
    if verdict == "error":
        broken = [t.test for t in entry.tests if t.verdict == "error"]
        which = f" ({', '.join(broken)})" if broken else ""
        return f"A test could not measure it{which}: see that test's output."
    return ""


def steps_text(steps: int | None, document_steps: int | None) -> str:
    """``150 of 1000 steps`` (the fewest steps trained, of the document's horizon); ``1000
    steps (the document says 100)`` where a test trained past the document's horizon; empty
    without steps."""
    if steps is None:
        return ""
    if document_steps is None:
        return f"{steps} steps"
    if steps <= document_steps:
        return f"{steps} of {document_steps} steps"
    return f"{steps} steps (the document says {document_steps})"


def training_text(entry: ClaimEntry) -> str:
    """``quick, 150 of 1000 steps``: the tier and the fewest steps behind the verdict."""
    parts = [entry.tier] if entry.tier else []
    steps = steps_text(entry.steps, entry.document_steps)
    return ", ".join([*parts, steps] if steps else parts) or DASH


def short_commit(commit: str) -> str:
    """``abc1234`` for a full hash, keeping a ``-dirty`` suffix."""
    head, dirty, _ = commit.partition("-dirty")
    return head[:7] + dirty


def staleness(entry: ClaimEntry, current_commit: str | None) -> str:
    """``at commit abc1234``: the verdict was measured at another commit than the report's
    (empty otherwise). That a verdict comes from an earlier run at the same commit is said on
    its page, not marked: a report assembled from several runs would mark nearly every card."""
    if not entry.measured_at:
        return ""
    if entry.commit and current_commit and entry.commit != current_commit:
        return f"at commit {short_commit(entry.commit)}"
    return ""


def measured_when(entry: ClaimEntry) -> str:
    """``2026-01-01T00:00:00+00:00 at commit abc1234``, or that it was never measured."""
    if not entry.measured_at:
        return "never measured"
    at = f" at commit {short_commit(entry.commit)}" if entry.commit else ""
    return entry.measured_at + at
