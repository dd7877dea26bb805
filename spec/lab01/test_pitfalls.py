"""Lab 01 away from its setup: twice the depth (Block D, question 4), shallow nets, bad lrs.

Each setup is the lab's with one thing changed, trained for the document's 1000 steps over the
tier's pitfall seeds (spec/lab01/conftest.py); the 12-layer runs they compare with come from
the shared fixture, paired by data seed. Rules: each pitfall says what the runs do ("all three
diverge", "all three train fine"), so every criterion is judged on every seed.
"""

from __future__ import annotations

import math

import pytest

from initspec.experiments.init_ablation import Ablation
from initspec.judging.judge import HELD, Reading, every, judge
from initspec.judging.phrases import exploded, trains, trains_level
from initspec.plugin.evidence import Evidence, interpreted

from .criteria import (
    DEEP_DEPTH,
    LR_DROPPED,
    LR_FAR_TOO_HIGH,
    SHALLOW_DEPTH,
    drop,
    finals,
    trained_for,
)


def paired(lab: list[Ablation], other: list[Ablation]) -> list[tuple[Ablation, Ablation]]:
    """(the lab's ablation, the other setup's) for every data seed the other setup trained."""
    by_seed = {ablation.seed: ablation for ablation in lab}
    return [(by_seed[ablation.seed], ablation) for ablation in other]


def difference(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


@pytest.mark.claim("lab01.depth-24")
def test_doubling_the_depth_as_predicted(
    lab_ablations: list[Ablation], deep_ablations: list[Ablation], evidence: Evidence
) -> None:
    """ "Uniform fails harder, Xavier flattens further, Kaiming still trains" at 24 layers."""
    pairs = paired(lab_ablations, deep_ablations)
    chance = deep_ablations[0].chance
    u12 = [base.runs["uniform"] for base, _ in pairs]
    u24 = [deep.runs["uniform"] for _, deep in pairs]
    nan_earlier = [
        difference(deep.first_nan_step, base.first_nan_step)
        for base, deep in zip(u12, u24, strict=True)
    ]
    # How many times larger the first loss is at 24 layers: the size of the forward blow-up.
    first_loss_growth = [
        None
        if base.result.losses[0] is None or deep.result.losses[0] is None
        else math.log10(deep.result.losses[0] / base.result.losses[0])
        for base, deep in zip(u12, u24, strict=True)
    ]
    flattens = [
        difference(drop(base.runs["xavier"].result.losses), drop(deep.runs["xavier"].result.losses))
        for base, deep in pairs
    ]
    kaiming_24 = finals(deep_ablations, "kaiming")
    trained_for(evidence, lab_ablations, deep_ablations)
    evidence.record(
        depth=DEEP_DEPTH,
        seeds=[deep.seed for _, deep in pairs],
        uniform_first_nan_step_12=[run.first_nan_step for run in u12],
        uniform_first_nan_step_24=[run.first_nan_step for run in u24],
        uniform_first_loss_12=[run.result.losses[0] for run in u12],
        uniform_first_loss_24=[run.result.losses[0] for run in u24],
        xavier_drop_12=[drop(base.runs["xavier"].result.losses) for base, _ in pairs],
        xavier_drop_24=[drop(deep.runs["xavier"].result.losses) for _, deep in pairs],
        xavier_final_loss_24=finals(deep_ablations, "xavier"),
        kaiming_final_loss_24=kaiming_24,
    )
    doc = (
        "if you increased the depth from 12 to 24 layers, how would each of the three curves "
        "change?"
    )

    def predicted(how: str) -> Reading:
        return interpreted(f"the lab asks for a prediction and gives none; the catalog's: {how}")

    evidence.check_all(
        "uniform hits NaN at 24 layers",
        [exploded(run.result.losses) for run in u24],
        document=doc,
        reading=predicted("uniform fails (hits NaN) at 24 layers too"),
    )
    evidence.check(
        "uniform's first NaN step at 24 layers minus at 12 (no later)",
        nan_earlier,
        comparison="<=",
        bound=0.0,
        unit="steps",
        document=doc,
        reading=predicted("fails harder: its first NaN comes no later"),
    )
    evidence.check(
        "log10 of uniform's first loss at 24 layers over at 12 (a larger blow-up)",
        first_loss_growth,
        comparison=">",
        bound=0.0,
        document=doc,
        reading=predicted("fails harder: a larger forward blow-up (first loss)"),
    )
    evidence.check(
        "Xavier's drop (first window minus final) at 12 layers minus at 24: flattens further",
        flattens,
        comparison=">",
        bound=0.0,
        unit="nats",
        document=doc,
        reading=predicted("Xavier flattens further: its loss comes down less"),
    )
    evidence.check(
        "Kaiming's final loss at 24 layers: trains",
        kaiming_24,
        comparison="<=",
        bound=trains_level(chance),
        unit="nats",
        document=doc,
        reading=predicted("Kaiming still trains (final loss at most 80 % of chance)"),
    )


def worst_final(ablation: Ablation) -> float | None:
    """The highest final loss of the ablation's runs; None if one hit NaN."""
    values = [finals([ablation], init)[0] for init in ablation.runs]
    finite = [value for value in values if value is not None]
    return max(finite) if len(finite) == len(values) else None


@pytest.mark.claim("lab01.shallow-all-train")
def test_at_shallow_depth_all_three_train(
    shallow_ablations: list[Ablation], lab_ablations: list[Ablation], evidence: Evidence
) -> None:
    chance = shallow_ablations[0].chance
    shallow_worst = [worst_final(ablation) for ablation in shallow_ablations]
    trained_for(evidence, shallow_ablations, lab_ablations)
    evidence.record(
        depth=SHALLOW_DEPTH,
        final_loss_shallow={
            init: finals(shallow_ablations, init) for init in ("uniform", "xavier", "kaiming")
        },
        final_loss_12_layers={
            init: finals(lab_ablations, init) for init in ("uniform", "xavier", "kaiming")
        },
    )
    evidence.check(
        f"the highest final loss of the three inits at {SHALLOW_DEPTH} layers: trains",
        shallow_worst,
        comparison="<=",
        bound=trains_level(chance),
        unit="nats",
        document="All three curves train fine. Your depth is too shallow.",
        reading=interpreted(
            "at a shallow depth (3 Linear layers; the lab names none) every init trains: final "
            "loss at most 80 % of chance"
        ),
    )
    evidence.check_all(
        "at the lab's 12 layers not all three train",
        [
            not all(trains(finals([ablation], init)[0], chance) for init in ablation.runs)
            for ablation in lab_ablations
        ],
        document="Your depth is too shallow. Crank to 24 layers.",
        reading=interpreted("depth separates them: at the lab's 12 layers not all three train"),
    )


PREMISE_WORDS = "All three curves diverge. Your LR is too high."
REMEDY_WORDS = "All three curves diverge. Your LR is too high. Drop to 1e-4 and re-try."


def all_diverge(ablations: list[Ablation]) -> list[bool]:
    """Per seed: whether every init's run hit NaN."""
    return [all(exploded(run.result.losses) for run in a.runs.values()) for a in ablations]


@pytest.mark.claim("lab01.lr-too-high")
def test_a_far_too_high_lr_makes_all_three_diverge(
    high_lr_sweep: dict[float, list[Ablation]], evidence: Evidence
) -> None:
    """The premise, at the assumed "far too high" lr and across its plausible range."""
    high_lr_ablations = high_lr_sweep[LR_FAR_TOO_HIGH]
    trained_for(evidence, high_lr_ablations)
    evidence.record(
        lr=LR_FAR_TOO_HIGH,
        first_nan_step={
            f"{lr:g}": [{init: run.first_nan_step for init, run in a.runs.items()} for a in runs]
            for lr, runs in high_lr_sweep.items()
        },
    )
    evidence.check_all(
        f"every init hits NaN at lr {LR_FAR_TOO_HIGH:g}",
        all_diverge(high_lr_ablations),
        document=PREMISE_WORDS,
        reading=interpreted(
            f"diverge: every init's run hits NaN; 'too high' assumed {LR_FAR_TOO_HIGH:g} (the "
            "lab gives no value)"
        ),
    )
    for lr, runs in high_lr_sweep.items():
        evidence.sensitivity(
            "'far too high' learning rate",
            lr,
            [
                judge(
                    f"every init hits NaN at lr {lr:g}",
                    all_diverge(runs),
                    bound=True,
                    comparison="==",
                    rule=every(),
                )
            ],
        )


@pytest.mark.claim("lab01.lr-too-high")
def test_dropping_the_lr_to_1e_4_stops_divergence(
    dropped_lr_ablations: list[Ablation], lab_ablations: list[Ablation], evidence: Evidence
) -> None:
    """Judged in the lab's setup at lr 1e-4, under two readings of what it stops: the
    divergence the lr caused (Xavier, Kaiming), or every init's, uniform U[-0.5, 0.5] included."""
    runs = [a.runs for a in dropped_lr_ablations]
    diverged = {init: [exploded(row[init].result.losses) for row in runs] for init in runs[0]}
    stopped = [not diverged["xavier"][i] and not diverged["kaiming"][i] for i in range(len(runs))]
    lab_nan = {a.seed: a.runs["uniform"].first_nan_step for a in lab_ablations}
    trained_for(evidence, dropped_lr_ablations)
    evidence.record(
        lr=LR_DROPPED,
        first_nan_step={init: [row[init].first_nan_step for row in runs] for init in runs[0]},
        uniform_first_nan_step_at_the_labs_lr=[lab_nan.get(a.seed) for a in dropped_lr_ablations],
        final_loss={init: finals(dropped_lr_ablations, init) for init in runs[0]},
    )
    lr_caused = evidence.check_all(
        f"Xavier and Kaiming: no NaN at lr {LR_DROPPED:g}",
        stopped,
        document=REMEDY_WORDS,
        reading=interpreted(
            "stops the divergence the lr caused: the inits that do not blow up at the lab's "
            "lr (Xavier, Kaiming) hit no NaN at 1e-4"
        ),
    )
    every_init = evidence.check_all(
        f"every init, uniform included: no NaN at lr {LR_DROPPED:g}",
        [not any(diverged[init][i] for init in diverged) for i in range(len(runs))],
        document=REMEDY_WORDS,
        reading=interpreted("'all three curves' stop diverging: no init hits NaN at 1e-4"),
    )
    evidence.sensitivity("reading of 'drop to 1e-4' stopping it", "every init", [every_init])
    evidence.sensitivity(
        "reading of 'drop to 1e-4' stopping it", "the inits the lr made diverge", [lr_caused]
    )
    if lr_caused.outcome == HELD and every_init.outcome != HELD:
        uniform_steps = sorted(
            {step for row in runs if (step := row["uniform"].first_nan_step) is not None}
        )
        lab_steps = sorted(
            {step for a in dropped_lr_ablations if (step := lab_nan.get(a.seed)) is not None}
        )
        evidence.condition(
            f"holds for the divergence the lr caused: Xavier and Kaiming hit no NaN at lr "
            f"{LR_DROPPED:g} on {lr_caused.held} of {lr_caused.run} seeds; not for uniform "
            f"U[-0.5, 0.5], which hits NaN on {sum(diverged['uniform'])} of {len(runs)} seeds "
            f"at lr {LR_DROPPED:g} (first NaN at step "
            f"{', '.join(map(str, uniform_steps))}), as it does at the lab's own lr (step "
            f"{', '.join(map(str, lab_steps))}): its forward pass blows up whatever the lr"
        )
