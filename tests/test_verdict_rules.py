"""The verdict rule (issue 23): every criterion judged; refuted only where no assumed value
makes the claim hold; conditional names both sides from the sensitivity rows."""

from __future__ import annotations

import pytest
from test_plugin import HEADER, STRICT, load_report, run_suite, verdicts

pytest_plugins = ["pytester"]

SUITE = (
    HEADER
    + """
from initspec.judging.judge import judge

def at(lr, loss):
    return [judge("final loss", [loss], comparison="<", bound=0.1, rule=every())]

@pytest.mark.claim("lab01.xavier-slow")
def test_every_criterion_is_judged(evidence):
    evidence.check("first", [0.6], comparison="<", bound=0.1)
    evidence.check("second", [0.05], comparison="<", bound=0.1)
    evidence.check("third", [0.9], comparison="<", bound=0.1)

@pytest.mark.claim("lab01.kaiming-trains")
def test_listed_refuted_but_holds_elsewhere(evidence):
    for lr, loss in ((3e-4, 0.5), (1e-3, 0.5), (3e-3, 0.05)):
        evidence.sensitivity("learning rate", lr, at(lr, loss))
    evidence.check("final loss", [0.5], comparison="<", bound=0.1)

@pytest.mark.claim("lab01.lr-too-high")
def test_listed_conditional_named_by_its_rows(evidence):
    for lr, loss in ((3e-4, 0.05), (1e-3, 0.5), (3e-3, 0.5)):
        evidence.sensitivity("learning rate", lr, at(lr, loss))
    evidence.check("final loss", [0.5], comparison="<", bound=0.1)

@pytest.mark.claim("lab01.uniform-fails")
def test_listed_refuted_fails_everywhere(evidence):
    for lr in (3e-4, 1e-3, 3e-3):
        evidence.sensitivity("learning rate", lr, at(lr, 0.5))
    evidence.check("final loss", [0.5], comparison="<", bound=0.1)
"""
)

KNOWN = """
["lab01.kaiming-trains"]
verdict = "refuted"
reason = "listed refuted"

["lab01.lr-too-high"]
verdict = "conditional"
reason = "listed conditional"

["lab01.uniform-fails"]
verdict = "refuted"
reason = "fails at every learning rate"
"""


def test_the_verdict_rule(pytester: pytest.Pytester) -> None:
    run_suite(pytester, *STRICT, suite=SUITE, known=KNOWN)
    measured = {k: v for k, v in verdicts(pytester).items() if v != "not-run"}
    assert measured == {
        "lab01.xavier-slow": "refuted",
        "lab01.kaiming-trains": "error",  # holds at lr 3e-3: refuted is wrong
        "lab01.lr-too-high": "conditional",
        "lab01.uniform-fails": "refuted",
    }
    report = load_report(pytester)
    names = [c["name"] for c in report["lab01.xavier-slow"]["criteria"]]
    outcomes = [c["outcome"] for c in report["lab01.xavier-slow"]["criteria"]]
    assert (names, outcomes) == (
        ["first", "second", "third"],
        ["not-met", "held", "not-met"],
    ), "every criterion is judged and recorded, met or not"
    (note,) = report["lab01.kaiming-trains"]["notes"]
    assert "holds with learning rate = 0.003" in str(note), note
    conditions = report["lab01.lr-too-high"]["conditions"]
    assert any(
        "learning rate: holds at 0.0003; fails at 0.001, 0.003" in str(c) for c in conditions
    ), conditions
