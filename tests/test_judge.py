"""The judging rules: every, at_least, mean_ci (Student t), the margin, and sequential seeds."""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import pytest

from initspec.judging.judge import describe, judge
from initspec.judging.student_t import two_sided_probability, two_sided_quantile
from initspec.plugin.evidence import (
    ClaimNotMet,
    ClaimUndecided,
    Evidence,
    Reading,
    assumed,
    at_least,
    every,
    interpreted,
    mean_ci,
    printed,
)

# Two-sided Student t quantiles t(0.975, df) and t(0.995, df), from any statistics table.
T_TABLE_95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 9: 2.262, 10: 2.228, 30: 2.042}
T_TABLE_99 = {1: 63.657, 2: 9.925, 4: 4.604, 9: 3.250, 30: 2.750}


@pytest.mark.parametrize(("df", "expected"), sorted(T_TABLE_95.items()))
def test_t_quantile_matches_the_table_at_95(df: int, expected: float) -> None:
    assert two_sided_quantile(0.95, df) == pytest.approx(expected, abs=6e-4)


@pytest.mark.parametrize(("df", "expected"), sorted(T_TABLE_99.items()))
def test_t_quantile_matches_the_table_at_99(df: int, expected: float) -> None:
    assert two_sided_quantile(0.99, df) == pytest.approx(expected, abs=6e-4)


@pytest.mark.parametrize("level", [0.5, 0.8, 0.95, 0.999])
def test_t_quantile_has_the_closed_forms_of_one_and_two_degrees_of_freedom(level: float) -> None:
    # df = 1 is the Cauchy distribution: P(|T| <= t) = 2 arctan(t) / pi.
    assert two_sided_quantile(level, 1) == pytest.approx(math.tan(math.pi * level / 2), rel=1e-9)
    # df = 2: P(|T| <= t) = t / sqrt(2 + t^2), so t = level * sqrt(2 / (1 - level^2)).
    closed = level * math.sqrt(2 / (1 - level**2))
    assert two_sided_quantile(level, 2) == pytest.approx(closed, rel=1e-9)


def test_t_quantile_tends_to_the_normal_quantile() -> None:
    # For large df, t = z + (z^3 + z) / (4 df) + O(1/df^2) (Cornish-Fisher; A&S 26.7.5).
    z = statistics.NormalDist().inv_cdf(0.975)
    df = 2000
    assert two_sided_quantile(0.95, df) == pytest.approx(z + (z**3 + z) / (4 * df), abs=2e-6)


@pytest.mark.parametrize("df", [1, 2, 3, 6, 7, 25])
def test_t_probability_inverts_the_quantile(df: int) -> None:
    for level in (0.1, 0.5, 0.9, 0.99):
        assert two_sided_probability(two_sided_quantile(level, df), df) == pytest.approx(level)


def test_t_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="degrees of freedom"):
        two_sided_quantile(0.95, 0)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        two_sided_quantile(1.0, 3)


def test_every_needs_every_seed() -> None:
    held = judge("loss", [0.01, 0.02, 0.03], bound=0.05, comparison="<", rule=every())
    assert (held.outcome, held.held, held.run) == ("held", 3, 3)
    one_off = judge("loss", [0.01, 0.02, 0.3], bound=0.05, comparison="<", rule=every())
    assert (one_off.outcome, one_off.held) == ("not-met", 2)


def test_at_least_counts_seeds() -> None:
    values = [0.01, 0.02, 0.3, 0.04, 0.5]
    assert judge("loss", values, bound=0.05, comparison="<", rule=at_least(3)).outcome == "held"
    assert judge("loss", values, bound=0.05, comparison="<", rule=at_least(4)).outcome == "not-met"
    assert judge("loss", values, bound=0.05, comparison="<", rule=at_least(4)).rule == (
        "at least 4 of 5 seeds"
    )


def test_mean_ci_holds_fails_or_straddles() -> None:
    rule = mean_ci()
    tight = judge("loss", [0.01, 0.012, 0.011], bound=0.05, comparison="<", rule=rule)
    assert tight.outcome == "held" and tight.interval is not None and tight.interval[1] < 0.05
    above = judge("loss", [0.5, 0.52, 0.51], bound=0.05, comparison="<", rule=rule)
    assert above.outcome == "not-met" and above.interval is not None and above.interval[0] > 0.05
    wide = judge("loss", [0.0, 0.2, 0.1], bound=0.1, comparison="<", rule=rule)
    assert wide.outcome == "undecided"
    assert "t interval" in wide.rule and "t interval" in describe(wide)


def test_mean_ci_interval_is_the_student_t_interval() -> None:
    values = [1.0, 2.0, 4.0, 3.5]
    criterion = judge("x", values, bound=0.0, comparison=">", rule=mean_ci(0.9))
    mean, sd = statistics.fmean(values), statistics.stdev(values)
    half = two_sided_quantile(0.9, 3) * sd / 2
    assert criterion.interval == pytest.approx([mean - half, mean + half])


def test_mean_ci_with_a_range_and_a_missing_seed() -> None:
    inside = judge("x", [1.0, 1.01, 0.99], bound=[0.9, 1.1], comparison="in", rule=mean_ci())
    assert inside.outcome == "held"
    below = judge("x", [0.1, 0.11, 0.09], bound=[0.9, 1.1], comparison="in", rule=mean_ci())
    assert below.outcome == "not-met"
    nan = judge("x", [0.1, float("nan"), 0.1], bound=1.0, comparison="<", rule=mean_ci())
    assert nan.outcome == "not-met" and nan.measured[1] is None and nan.margin is None


def test_margin_is_in_seed_standard_deviations_from_the_deciding_value() -> None:
    values = [0.01, 0.02, 0.03]  # sample standard deviation 0.01
    worst = judge("loss", values, bound=0.05, comparison="<", rule=every())
    assert worst.margin == pytest.approx((0.05 - 0.03) / 0.01)  # the worst seed decides
    best_two = judge("loss", values, bound=0.05, comparison="<", rule=at_least(2))
    assert best_two.margin == pytest.approx((0.05 - 0.02) / 0.01)
    mean = judge("loss", values, bound=0.05, comparison="<", rule=mean_ci())
    assert mean.margin == pytest.approx((0.05 - 0.02) / 0.01)
    failed = judge("loss", values, bound=0.025, comparison="<", rule=every())
    assert failed.margin is not None and failed.margin < 0, "negative on the wrong side"
    above = judge("gain", [2.0, 3.0], bound=1.0, comparison=">", rule=every())
    assert above.margin == pytest.approx((2.0 - 1.0) / statistics.stdev([2.0, 3.0]))


def test_margin_is_relative_to_the_bound_without_spread() -> None:
    single = judge("gain", 1.534, bound=1.7, comparison=">=", rule=every())
    assert single.margin == pytest.approx((1.534 - 1.7) / 1.7)
    ranged = judge("x", [1.0, 1.0], bound=[0.5, 1.5], comparison="in", rule=every())
    assert ranged.margin == pytest.approx(0.5 / 0.5)
    exact = judge("grad", 0.0, bound=0.0, comparison="==", rule=every())
    assert exact.outcome == "held" and exact.margin == 0.0
    flags = judge("flag", [True, False], bound=True, comparison="==", rule=at_least(1))
    assert flags.outcome == "held" and flags.margin is None and flags.bound is True


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"comparison": "~", "bound": 1.0}, "comparison must be one of"),
        ({"comparison": "in", "bound": 1.0}, "'in' needs a bound"),
        ({"comparison": "<", "bound": [0.0, 1.0]}, "takes 'in'"),
        ({"comparison": "in", "bound": [1.0, 0.0]}, "low <= high"),
        ({"comparison": "<", "bound": 1.0, "rule": at_least(4)}, "of only 3 values"),
        ({"comparison": "==", "bound": 1.0, "rule": mean_ci()}, "cannot show '=='"),
        ({"comparison": "<", "bound": True}, "boolean bound"),
        ({"comparison": "<", "bound": float("nan")}, "NaN"),
    ],
)
def test_bad_arguments_are_value_errors(kwargs: dict[str, object], message: str) -> None:
    kwargs = {"rule": every(), **kwargs}
    with pytest.raises(ValueError, match=message):
        judge("x", [0.1, 0.2, 0.3], **kwargs)  # type: ignore[arg-type]


def test_rules_reject_nonsense() -> None:
    with pytest.raises(ValueError):
        at_least(0)
    with pytest.raises(ValueError):
        mean_ci(1.5)
    with pytest.raises(ValueError, match="at least 2 seeds"):
        judge("x", [0.1], bound=1.0, comparison="<", rule=mean_ci())


def make_evidence(tmp_path: Path, seed_base: int = 0) -> Evidence:
    return Evidence(tmp_path / "artifacts", tmp_path, seed_base=seed_base)


def test_check_records_every_criterion_and_conclude_raises_with_one_message(
    tmp_path: Path,
) -> None:
    ev = make_evidence(tmp_path)
    held = ev.check("loss", [0.01, 0.02], comparison="<", bound=0.05, document="a low loss")
    assert held.outcome == "held" and ev.criteria == [held]
    missed = ev.check("final loss", [0.6, 0.02], comparison="<", bound=0.1, unit="nats")
    after = ev.check("later", [1.0], comparison=">", bound=0.0)
    assert (missed.outcome, after.outcome) == ("not-met", "held"), "a miss stops nothing"
    assert [c.name for c in ev.criteria] == ["loss", "final loss", "later"]
    with pytest.raises(ClaimNotMet) as raised:
        ev.conclude()
    assert str(raised.value) == (
        "final loss: not met: expected every seed < 0.1 nats; measured [0.6, 0.02] nats; "
        "held 1 of 2"
    )
    assert raised.value.criterion is missed
    assert not isinstance(raised.value, AssertionError)


def test_conclude_names_an_undecided_criterion_only_when_none_is_unmet(tmp_path: Path) -> None:
    ev = make_evidence(tmp_path)
    ev.check("x", [0.0, 0.2, 0.1], comparison="<", bound=0.1, rule=mean_ci())
    with pytest.raises(ClaimUndecided, match=r"undecided: .*t interval"):
        ev.conclude()
    ev.check("y", [2.0], comparison="<", bound=1.0)
    with pytest.raises(ClaimNotMet, match=r"^y: not met"):
        ev.conclude()
    ev.check("z", [0.0, 2.0], comparison="<", bound=1.0)
    with pytest.raises(ClaimNotMet, match=r"\(and 1 more\)$"):
        ev.conclude()


def test_conclude_passes_when_every_criterion_held(tmp_path: Path) -> None:
    ev = make_evidence(tmp_path)
    ev.check("x", [0.0, 0.01], comparison="<", bound=0.1)
    ev.conclude()


def test_checking_a_name_again_replaces_it_unless_the_earlier_was_worse(tmp_path: Path) -> None:
    ev = make_evidence(tmp_path)
    ev.check("z", 1.0, comparison="<", bound=5.0)
    ev.check("z", 2.0, comparison="<", bound=5.0)
    assert [c.measured for c in ev.criteria] == [[2.0]]
    ev.check("z", 9.0, comparison="<", bound=5.0)  # a failing example of a property
    ev.check("z", 3.0, comparison="<", bound=5.0)
    assert [c.measured for c in ev.criteria] == [[9.0]], "the failing example stays on record"


def test_readings_are_recorded_and_checked(tmp_path: Path) -> None:
    ev = make_evidence(tmp_path)
    criterion = ev.check(
        "loss",
        [0.5],
        comparison="<",
        bound=1.0,
        document="a low loss",
        reading=interpreted("below 1 nat").predicting(0.4, "within 10 % at width 256"),
    )
    assert (criterion.quote, criterion.reading, criterion.how) == (
        "a low loss",
        "interpreted",
        "below 1 nat",
    )
    assert (criterion.predicted, criterion.tolerance) == (0.4, "within 10 % at width 256")
    assert ev.check("p", [1.0], comparison="==", bound=1.0, reading=printed()).reading == "printed"
    with pytest.raises(ValueError, match="needs `how`"):
        assumed("")
    with pytest.raises(ValueError, match="expected one of"):
        Reading("guessed")


def test_sensitivity_rows_judge_the_claim_at_each_value(tmp_path: Path) -> None:
    ev = make_evidence(tmp_path)
    rows = [
        ev.sensitivity(
            "learning rate",
            lr,
            [judge("final loss", [loss], comparison="<", bound=0.1, rule=every())],
        )
        for lr, loss in ((1e-3, 0.05), (3e-3, 0.5), (3e-4, 0.08))
    ]
    assert [(r.value, r.verdict) for r in rows] == [
        ("0.001", "holds"),
        ("0.003", "fails"),
        ("0.0003", "holds"),
    ]
    assert rows[1].criteria == [
        "final loss: not met: expected the value < 0.1; measured 0.5; held 0 of 1"
    ]
    assert [r.value for r in ev.sensitivity_rows] == ["0.001", "0.003", "0.0003"]
    with pytest.raises(ValueError, match="no criteria"):
        ev.sensitivity("lr", 1.0, [])


def test_check_all_is_check_of_flags(tmp_path: Path) -> None:
    ev = make_evidence(tmp_path)
    criterion = ev.check_all("same batches", [True, True])
    assert (criterion.comparison, criterion.bound, criterion.held) == ("==", True, 2)
    assert ev.check_all("some", [True, False, True], rule=at_least(2)).outcome == "held"
    diverged = ev.check_all("diverged", [True, False])
    assert (diverged.outcome, diverged.held, diverged.run) == ("not-met", 1, 2)


def test_check_seeds_adds_seeds_until_decided(tmp_path: Path) -> None:
    ev = make_evidence(tmp_path, seed_base=10)
    values = {10: 0.0, 11: 0.2, 12: 0.1, 13: 0.01, 14: 0.01, 15: 0.0, 16: 0.02}
    asked: list[int] = []

    def measure(seed: int) -> float:
        asked.append(seed)
        return values[seed]

    first_three = [values[seed] for seed in (10, 11, 12)]
    three = judge("loss", first_three, comparison="<", bound=0.15, rule=mean_ci())
    assert three.outcome == "undecided", "three seeds alone do not decide it"
    criterion = ev.check_seeds("loss", measure, seeds=range(3), cap=7, comparison="<", bound=0.15)
    assert criterion.outcome == "held"
    assert asked[:3] == [10, 11, 12] and len(asked) < 7, "it stops once decided"
    assert ev.figures["seeds_measured"]["loss"] == asked
    assert criterion.run == len(asked)


def test_check_seeds_stops_at_the_cap_undecided(tmp_path: Path) -> None:
    ev = make_evidence(tmp_path)
    alternating = [0.0, 0.2] * 10
    capped = ev.check_seeds(
        "loss", alternating.__getitem__, seeds=[0, 1], cap=6, comparison="<", bound=0.1
    )
    assert (capped.outcome, capped.held, capped.run) == ("undecided", 3, 6)
    assert ev.figures["seeds_measured"]["loss"] == [0, 1, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="cap 1 is below"):
        ev.check_seeds("x", float, seeds=[0, 1], cap=1, comparison="<", bound=1.0)


def test_check_seeds_under_every_decides_at_once(tmp_path: Path) -> None:
    ev = make_evidence(tmp_path)
    asked: list[int] = []

    def measure(seed: int) -> float:
        asked.append(seed)
        return 1.0

    decided = ev.check_seeds(
        "x", measure, seeds=[0, 1], cap=9, comparison="<", bound=0.5, rule=every()
    )
    assert decided.outcome == "not-met"
    assert asked == [0, 1]


def test_counted_seeds(tmp_path: Path) -> None:
    ev = make_evidence(tmp_path)
    assert ev.counted_seeds() == (0, 0)
    ev.check("x", [1.0, 2.0, 3.0], comparison=">", bound=0.0)
    assert ev.counted_seeds() == (3, 3)
    ev.seeds(run=5, held=4)
    assert ev.counted_seeds() == (5, 4)


@pytest.mark.parametrize(
    ("measured", "bound", "message"),
    [
        ("0.5", 1.0, "is text, not a number"),
        (["0.5", 0.2], 1.0, "'0.5' is text, not a number"),
        ([True, 0.2], 1.0, "True is a boolean"),
        ([True], 1, "True is a boolean"),
        ([0.1, 1.0], True, "a boolean bound needs booleans"),
        ([0.1], "1.0", "is not a number or a pair"),
    ],
    ids=str,
)
def test_text_and_booleans_are_not_numbers(measured: object, bound: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        judge("x", measured, bound=bound, comparison="==", rule=every())  # type: ignore[arg-type]


def test_numpy_booleans_judge_a_boolean_criterion() -> None:
    import numpy

    values = [numpy.True_, True]  # numpy's bool on purpose: judge takes it as a bool
    flags = judge("flag", values, bound=True, comparison="==", rule=every())  # type: ignore[arg-type]
    assert flags.measured == [True, True] and flags.outcome == "held", flags
