"""A small synthetic report for the report's tests: a few claims with judged criteria and figures.

Two runs are written, so the second report has verdicts that changed. The criteria are judged by
:func:`initspec.judging.judge.judge` itself, so they are what ``evidence.check`` records, readings
and a theory prediction included. :func:`with_context` adds what the merge puts beside them (results
per tier, sensitivity rows, assumptions, the previous report's criterion outcomes, the machine) to
the report read back, for the pages to render.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

from initspec.claims.lab_directories import lab_directory_name
from initspec.judging.judge import at_least, every, interpreted, judge, mean_ci, printed, stated
from initspec.judging.outcome import Criterion
from initspec.judging.outcome import TestOutcome as Outcome
from initspec.plotting.save import new_figure, save_figure
from initspec.report import Report, write_report

VANISHES = "lab03.plain-grad-vanishes"  # conditional, a log-scale criterion, a test's figure
VARIANCE = "lab01.uniform-variance"  # holds: a range and a mean with its t interval
KAIMING = "lab01.kaiming-trains"  # refuted: a seed without a number; held in the first run
LR = "lab01.lr-too-high"  # conditional on a boolean criterion only: no figure
ORDERING = "lab01.ordering"  # holds without criteria: its figures as key/value pairs
XAVIER = "lab01.xavier-slow"  # error, after a criterion that held (one value: no figure)
NAIVE = "blog.naive-init-loss"  # inconclusive: the t interval straddles the bound
WITH_FIGURE = (VANISHES, VARIANCE, KAIMING, NAIVE)
HOSTILE_KEY = "<script>alert('x')</script>"  # must be shown, never run
ARTIFACT = "artifacts/test_grad/layer-1 gradient (seed 1).png"
MISSING_ARTIFACT = "artifacts/test_grad/gone.png"
FIRST, SECOND = "2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00+00:00"
COMMIT = "c" * 40
VANISHING_QUOTE = "drops below 1e-7"
VANISHING_HOW = "the least gradient norm over the first 100 steps, every seed"
SENSITIVITY: list[dict[str, Any]] = [
    {"parameter": "learning rate", "value": "0.001", "verdict": "fails",
     "criteria": ["first loss: 3.4 vs < 3.31"], "test": "spec/sample/test_naive.py::test_naive"},
    {"parameter": "learning rate", "value": "0.01", "verdict": "holds",
     "criteria": ["first loss: 3.2 vs < 3.31"], "test": "spec/sample/test_naive.py::test_naive"},
    {"parameter": "learning rate", "value": "0.1", "verdict": "undecided",
     "criteria": ["first loss: 3.3 vs < 3.31"], "test": "spec/sample/test_naive.py::test_naive"},
    {"parameter": "batch size", "value": "32", "verdict": "holds", "criteria": [],
     "test": "spec/sample/test_naive.py::test_naive[`32`|b]"},
]  # fmt: skip
ASSUMPTIONS: list[dict[str, Any]] = [
    {"parameter": "learning rate", "value": "0.01", "why": "the post names *no* rate | none",
     "plausible": ["0.001", "0.1"]},
]  # fmt: skip
MACHINE = {"cpu": "Sample CPU <b>9000</b>", "torch_cpu_capability": "AVX2", "torch": "2.13.0",
           "numpy": "2.3.0", "blas": "mkl"}  # fmt: skip


def shown(markdown: str) -> str:
    """Markdown as a reader sees its text: every backslash escape of a punctuation character
    resolved (``\\<b\\>`` is ``<b>``)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def outcome(claim: str, verdict: str, test: str, **fields: Any) -> Outcome:
    return Outcome(
        nodeid=f"spec/sample/test_{test}.py::test_{test}", claims=[claim], verdict=verdict, **fields
    )


def criteria_of_vanishing() -> list[Criterion]:
    return [
        judge(
            "layer-1 gradient minimum",
            [1.4e-4, 1.1e-3, 3.6e-5],
            bound=1e-7,
            comparison="<",
            rule=every(),
            document=VANISHING_QUOTE,
            reading=interpreted(VANISHING_HOW),
        )
    ]


def outcomes_second_run() -> list[Outcome]:
    variance = [
        judge(
            "variance of U[-0.5, 0.5]",
            [0.0829, 0.0833, 0.0838],
            bound=[0.08, 0.09],
            comparison="in",
            rule=every(),
            document="1/12 ≈ 0.083",
            reading=printed().predicting(1 / 12, "a^2/3 with a = 0.5, exact; 3 draws of 65,536"),
        ),
        judge(
            "mean variance",
            [0.0829, 0.0833, 0.0838, 0.0831],
            bound=0.07,
            comparison=">",
            rule=mean_ci(),
            document="≈ 0.083",
        ),
    ]
    kaiming = judge(
        "last-100-step mean loss",
        [0.6, None, 0.7, 0.01, 0.02],
        bound=0.05,
        comparison="<",
        rule=at_least(4),
        unit="nats",
        document="a low loss",
        reading=stated(),
    )
    naive = judge(
        "first loss",
        [3.2, 3.4, 3.3],
        bound=3.31,
        comparison="<",
        rule=mean_ci(),
        document="close to log V",
    )
    held_before_the_crash = judge("first loss", 0.7, bound=0.5, comparison=">", rule=every())
    lr = judge("lower lr stops NaN", [True, True, False], bound=True, comparison="==", rule=every())
    return [
        outcome(
            VANISHES,
            "conditional",
            "grad",
            criteria=criteria_of_vanishing(),
            condition="at 100 blocks, the document's own fallback",
            artifacts=[ARTIFACT, MISSING_ARTIFACT],
            note="measured: minima 1.4e-4/1.1e-3/3.6e-5, never below 1e-7",
            seeds_run=3,
            seeds_held=0,
            tier="quick",
            steps=150,
            document_steps=1000,
        ),
        outcome(VARIANCE, "holds", "variance", criteria=variance),
        outcome(
            KAIMING,
            "refuted",
            "kaiming",
            criteria=[kaiming],
            seeds_run=5,
            seeds_held=2,
            note="two of five seeds end above a tenth of chance",
        ),
        outcome(LR, "conditional", "lr", criteria=[lr], condition="for Xavier and Kaiming only"),
        outcome(
            ORDERING,
            "holds",
            "ordering",
            evidence={
                "last_100_mean": [
                    {"kaiming": 0.00087, "xavier": 0.63},
                    {"kaiming": 0.00088, "xavier": 0.36},
                ],
                "gaps": {"clear": 0.1, "nested": {"deeper": [1, 2, 3]}},
                HOSTILE_KEY: "<b>bold</b>",
            },
        ),
        outcome(
            XAVIER,
            "error",
            "xavier",
            criteria=[held_before_the_crash],
            note="TypeError: unsupported operand",
        ),
        outcome(
            NAIVE,
            "inconclusive",
            "naive",
            criteria=[naive],
            note="inconclusive: first loss: undecided: expected the mean < 3.31",
        ),
    ]


def draw_artifact(path: Path) -> None:
    figure, axes = new_figure((3, 2))
    axes.plot([1, 2, 3], [3, 1, 2])
    save_figure(figure, path)


def with_context(reports: Path) -> Report:
    """The sample report read back, with what the merge keeps beside the verdicts: the naive
    loss claim's sensitivity rows and assumption, the variance claim's results in both tiers
    (the document tier's its verdict of record), the Kaiming claim's criterion outcome in the
    previous report, and the machine."""
    report = Report.from_json(json.loads((reports / "claims.json").read_text(encoding="utf-8")))
    entries = []
    for entry in report.claims:
        if entry.id == NAIVE:
            entry = dataclasses.replace(entry, sensitivity=SENSITIVITY, assumptions=ASSUMPTIONS)
        elif entry.id == VARIANCE:
            quick = {"verdict": "inconclusive", "steps": 150, "document_steps": 1000,
                     "measured_at": FIRST, "commit": COMMIT, "tests": []}  # fmt: skip
            document = {"verdict": "holds", "steps": 1000, "document_steps": 1000,
                        "measured_at": SECOND, "commit": COMMIT, "tests": []}  # fmt: skip
            entry = dataclasses.replace(
                entry,
                tier="document",
                steps=1000,
                document_steps=1000,
                results={"quick": quick, "document": document},
                previous_verdict="holds",  # the document tier's, as the merge compares
            )
        elif entry.id == KAIMING:
            entry = dataclasses.replace(
                entry, previous_outcomes={"last-100-step mean loss": "held", "gone": "held"}
            )
        entries.append(entry)
    return dataclasses.replace(report, claims=entries, machine=MACHINE)


def write_sample(reports: Path) -> Path:
    """Two runs into ``reports``: the first where lab01.kaiming-trains held, then the second."""
    (reports / lab_directory_name("01")).mkdir(parents=True)
    draw_artifact(reports / ARTIFACT)
    write_report(reports, [outcome(KAIMING, "holds", "kaiming")], FIRST, commit="b" * 40)
    write_report(reports, outcomes_second_run(), SECOND, commit=COMMIT)
    return reports
