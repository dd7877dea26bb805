"""Lab 03: residual depth, ``10-residual-depth/``.

The experiment is :mod:`initspec.experiments.residual_depth`: the 50-block chain with and
without the residual, same data seed, same batches, same weight seed; twice as many plain
blocks for question 4, and the zero-initialised model for question 5. The directory holds the
lab's seven files: ``train.py``, ``losses.json``, ``grad_norms.json``, ``loss_curves.png``,
``grad_norm.png``, ``manifest.json`` and a README answering the document's questions (its
Block F) with numbers read from the run's JSON (:class:`initspec.labs.lab.Facts`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from initspec.claims import numbers
from initspec.claims.lab_directories import LAB_DIRECTORIES
from initspec.data.toy import toy_data
from initspec.experiments.options import check_memory
from initspec.experiments.residual_depth import (
    DeepRun,
    Readings,
    ResidualDepthConfig,
    ZeroInit,
    train_variant,
    zero_init_output,
)
from initspec.labs.lab import Facts, Figure, Json, Lab, LabReport, last_steps
from initspec.plotting.curves import plot_gradient_norms, plot_loss_curves
from initspec.plotting.formatting import markdown_table, power_of_ten
from initspec.runtime.artifacts import round_floats
from initspec.runtime.progress import Planned
from initspec.training.parallel import side_by_side

DIRECTORY = LAB_DIRECTORIES["03"]
TITLE = "Lab 03: residual depth"
PLAIN, RESIDUAL = "no residual", "residual"
# The document's numbers the runs are read against, and the gain they train with.
READINGS = Readings(numbers.LAB03_VANISHED, numbers.LAB03_HEALTHY, numbers.LAB03_SLOPE_WINDOW)
GAIN = numbers.LAB03_GELU_GAIN
BYTES_PER_PARAMETER = 4 * 3  # float32 weight, momentum buffer, and room for the step's work


@dataclass(frozen=True)
class Results:
    runs: dict[str, DeepRun]  # PLAIN and/or RESIDUAL
    deeper: DeepRun | None  # twice as many plain blocks (when the plain variant runs)
    zero: ZeroInit


def check(config: ResidualDepthConfig, seed: int) -> None:
    """Every model (the variants and the double-depth plain chain) must fit in memory."""
    blocks = config.depth * len(config.variants) + (
        2 * config.depth if False in config.variants else 0
    )
    needed = BYTES_PER_PARAMETER * config.parameters(blocks)
    check_memory(needed, f"--depth {config.depth} and --width {config.width}")


def run(config: ResidualDepthConfig, seed: int, progress: bool) -> Results:
    """The variants (weight seed ``seed + 1``, data seed ``seed``) side by side; the double-depth
    plain run first, since it is the longest."""
    data = toy_data(seed, dim=config.width)
    common: dict[str, Any] = {
        "depth": config.depth,
        "width": config.width,
        "in_dim": config.width,
        "gain": GAIN,
    }
    train = functools.partial(
        train_variant, seed + 1, config.steps, data=data, data_seed=seed, lr=config.lr
    )
    labels = [RESIDUAL if residual else PLAIN for residual in config.variants]
    jobs = [
        functools.partial(
            train,
            residual=residual,
            label=f"{label}, {config.depth} blocks" if progress else None,
            **common,
        )
        for residual, label in zip(config.variants, labels, strict=True)
    ]
    plain_runs = False in config.variants
    if plain_runs:  # question 4: twice as many plain blocks
        deeper_label = f"{PLAIN}, {2 * config.depth} blocks"
        options = {**common, "depth": 2 * config.depth}
        jobs.insert(
            0,
            functools.partial(
                train, residual=False, label=deeper_label if progress else None, **options
            ),
        )
    trained = side_by_side(jobs)
    deeper = trained.pop(0) if plain_runs else None
    runs = dict(zip(labels, trained, strict=True))
    return Results(runs, deeper, zero_init_output(seed + 1, config.depth, config.width, GAIN))


def plan(config: ResidualDepthConfig) -> list[Planned]:
    """The variants, and the double-depth plain run with the plain variant."""
    planned = [
        Planned(f"{config.depth} blocks, {RESIDUAL if residual else PLAIN}", 1, config.steps)
        for residual in config.variants
    ]
    if False in config.variants:
        planned.insert(
            0, Planned(f"{2 * config.depth} blocks, {PLAIN} (question 4)", 1, config.steps)
        )
    return planned


def setup_title(config: ResidualDepthConfig, seed: int, what: str, deeper: bool) -> str:
    blocks = f"{config.depth} pre-norm GeLU blocks"
    if deeper:
        blocks += f" ({DOUBLE}: {2 * config.depth})"
    return (
        f"Lab 03, {what}: {blocks}, hidden {config.width}, "
        f"SGD lr {config.lr:g} (momentum 0.9, batch 64), data seed {seed}"
    )


def report(config: ResidualDepthConfig, seed: int, results: Results) -> LabReport:
    runs = dict(results.runs)
    if results.deeper is not None:  # question 4's run, in the files and figures beside the rest
        runs[DOUBLE] = results.deeper
    summary: dict[str, Any] = {label: r.summary(READINGS) for label, r in runs.items()}
    summary["zero_init"] = results.zero.summary()
    losses = {label: round_floats(r.losses) for label, r in runs.items()}
    deeper = results.deeper is not None
    return LabReport(
        files={
            "losses.json": Json(
                {
                    "steps": config.steps,
                    "data_seed": seed,
                    "weight_seed": seed + 1,
                    "losses": losses,
                }
            ),
            "grad_norms.json": Json(
                {
                    "layer": "blocks[0] first Linear (layer 1), weight-gradient Frobenius norm, "
                    "every step",
                    "grad_norms": {
                        label: round_floats(r.grad_norms, 8) for label, r in runs.items()
                    },
                }
            ),
            "loss_curves.png": Figure(
                functools.partial(
                    plot_loss_curves,
                    curves=losses,
                    title=setup_title(config, seed, "training loss", deeper),
                    nan_steps={label: r.first_nan_step for label, r in runs.items()},
                    chance_level=math.log(2),
                )
            ),
            "grad_norm.png": Figure(
                functools.partial(
                    grad_figure,
                    runs=runs,
                    title=setup_title(config, seed, "layer-1 gradient norm", deeper),
                )
            ),
        },
        readme=lambda facts: readme(config, facts),
        seeds={"data": seed, "weights": seed + 1},
        summary=round_floats(summary),
    )


def grad_figure(path: Path, runs: dict[str, DeepRun], title: str) -> Path:
    """Layer-1 gradient norm per step, log y, the 1e-7 level drawn; each run's crossing of it
    circled, or where it never crosses, its lowest value."""
    return plot_gradient_norms(
        path,
        {label: r.grad_norms for label, r in runs.items()},
        title=title,
        ylabel="layer-1 weight gradient, Frobenius norm",
        level=READINGS.vanished,
        band=READINGS.healthy,
    )


MANIFEST = "manifest.json"
VARIANT_WORDS = {
    "both": "with and without residual connections",
    "yes": "with residual connections only (`--use-residual yes`)",
    "no": "without residual connections only (`--use-residual no`)",
}
DOUBLE = "no residual, double depth"  # the summary's key of the double-depth plain run
CHANCE = f"ln 2 = {math.log(2):.4f}"


def readme(config: ResidualDepthConfig, facts: Facts) -> list[str]:
    """The table of the variants and the answers to Block F, every number from the JSON."""

    def number(label: str, key: str, spec: str = ".4g") -> str:
        return facts(MANIFEST, "results_summary", label, key, spec=spec)

    def diverged(label: str) -> bool:
        return facts.value(MANIFEST, "results_summary", label, "first_nan_step") is not None

    labels = [RESIDUAL if residual else PLAIN for residual in config.variants]
    rows = [
        [
            label,
            number(label, "initial_loss"),
            number(label, "final_loss"),
            "diverged" if diverged(label) else number(label, "slope_last_200", ".3g"),
            number(label, "val_loss"),
            number(label, "val_accuracy", ".3g"),
            number(label, "grad_norm_first", ".3g"),
            f"{number(label, 'grad_norm_min', '.3g')} ({number(label, 'grad_norm_min_step', 'd')})",
            number(label, "grad_norm_max", ".3g"),
            number(label, "first_step_below_1e-7", "d"),
        ]
        for label in labels
    ]
    header = [
        "variant",
        "initial loss",
        "final loss",
        f"slope over {last_steps(config.steps, READINGS.slope_window)} (loss/step)",
        "val loss",
        "val acc",
        "grad W1 at step 0",
        "min (step)",
        "max",
        f"first step < {power_of_ten(READINGS.vanished)}",
    ]
    width = facts(MANIFEST, "config", "width", spec="d")
    return [
        f"An MLP of {facts(MANIFEST, 'config', 'depth', spec='d')} blocks (hidden {width}; a block "
        f"is RMSNorm -> Linear(width, 4 x width) -> GeLU -> Linear(4 x width, width); Kaiming "
        "init with the document's GeLU gain 1.7; a linear head) trained for "
        f"{facts(MANIFEST, 'config', 'steps', spec='d')} steps of SGD (lr "
        f"{facts(MANIFEST, 'config', 'lr', spec='g')}, momentum 0.9, batch 64) on the toy task, "
        f"{VARIANT_WORDS[config.use_residual]}. Every run sees the same data and batches "
        f"(data seed {facts(MANIFEST, 'seeds', 'data', spec='d')}) and has the same weight seed "
        f"({facts(MANIFEST, 'seeds', 'weights', spec='d')}). Layer 1 is the first Linear of the "
        "first block; its weight-gradient norm is logged every step. Steps count from 0. A loss "
        f"slope is a least-squares fit over {last_steps(config.steps, READINGS.slope_window)}.",
        "",
        *markdown_table(header, rows),
        "",
        "`loss_curves.png`: the losses; `grad_norm.png`: the layer-1 gradient norms, with the "
        f"document's vanishing level ({power_of_ten(READINGS.vanished)}) and healthy range, each "
        "run's first step below the level or its lowest value circled."
        + (
            f" Both show the {DOUBLE} run of question 4 ({2 * config.depth} blocks) too."
            if False in config.variants
            else ""
        ),
        "",
        "## Block F: the lab's questions",
        "",
        "Lab 03's document ends with five questions about the runs (its \"Block F: "
        "interpret\"); each answer below is read from this run's numbers.",
        "",
        *plain_answers(config, facts),
        residual_answer(config, facts),
        deeper_answer(config, facts),
        zero_init_answer(facts),
    ]


def plain_answers(config: ResidualDepthConfig, facts: Facts) -> list[str]:
    """Questions 1 and 2: did the plain run train, and when did its gradient vanish?"""
    if False not in config.variants:
        return [
            "1. The plain variant was not run (`--use-residual no` or `both` runs it).",
            "2. The plain variant was not run.",
        ]

    def number(key: str, spec: str = ".4g") -> str:
        return facts(MANIFEST, "results_summary", PLAIN, key, spec=spec)

    def value(key: str) -> Any:
        return facts.value(MANIFEST, "results_summary", PLAIN, key)

    chance = math.log(2)
    if value("first_nan_step") is not None:
        first = f"1. No: its loss became NaN at step {number('first_nan_step', 'd')}."
    else:
        final = value("final_loss")
        verdict = (
            "Yes"
            if final < chance / 2
            else "Barely: it ended below chance, not below half of it"
            if final < chance
            else "No: it ended at or above chance"
        )
        first = (
            f"1. {verdict}. Without residual the loss went from {number('initial_loss')} at step "
            f"0 to {number('final_loss')} at the last step (chance {CHANCE}); the slope over "
            f"{last_steps(config.steps, READINGS.slope_window)} is "
            f"{number('slope_last_200', '.3g')} per step; validation accuracy "
            f"{number('val_accuracy', '.3g')}."
        )
    vanished = power_of_ten(READINGS.vanished)
    if value("first_step_below_1e-7") is not None:
        second = (
            f"2. Its layer-1 gradient norm first fell below {vanished} at step "
            f"{number('first_step_below_1e-7', 'd')}."
        )
    else:
        second = (
            f"2. Its layer-1 gradient norm never fell below {vanished}: it went from "
            f"{number('grad_norm_first', '.3g')} at step 0 to a minimum of "
            f"{number('grad_norm_min', '.3g')} at step {number('grad_norm_min_step', 'd')} "
            f"({number('grad_norm_last', '.3g')} at the last step)."
        )
    return [first, second]


def residual_answer(config: ResidualDepthConfig, facts: Facts) -> str:
    """Question 3: the residual run's gradient range, against theory 03's prediction."""
    if True not in config.variants:
        return "3. The residual variant was not run (`--use-residual yes` or `both` runs it)."

    def number(key: str, spec: str = ".3g") -> str:
        return facts(MANIFEST, "results_summary", RESIDUAL, key, spec=spec)

    low, high = (
        facts.value(MANIFEST, "results_summary", RESIDUAL, key)
        for key in ("grad_norm_min", "grad_norm_max")
    )
    band = f"[{power_of_ten(READINGS.healthy[0])}, {power_of_ten(READINGS.healthy[1])}]"
    inside = (
        "the whole range lies inside it"
        if READINGS.healthy[0] <= low and high <= READINGS.healthy[1]
        else f"{number('fraction_of_steps_in_1e-3_1e-1', '.0%')} of the steps lie inside it"
    )
    return (
        f"3. With residual the layer-1 gradient norm ranged from {number('grad_norm_min')} to "
        f"{number('grad_norm_max')}, against the document's {band}: {inside}. Theory 03's "
        "highway argument predicts a gradient that neither vanishes nor explodes with depth: "
        "the identity path carries it back unchanged."
    )


def deeper_answer(config: ResidualDepthConfig, facts: Facts) -> str:
    """Question 4: the prediction for twice the blocks without residual, and the run."""
    prediction = (
        "4. Prediction: without residuals, twice as many blocks are worse still (the layer-1 "
        "gradient is a product of twice as many block Jacobians)."
    )
    if False not in config.variants:
        return f"{prediction} The double-depth run was not made: it comes with the plain variant."

    def number(label: str, key: str, spec: str = ".3g") -> str:
        return facts(MANIFEST, "results_summary", label, key, spec=spec)

    def value(label: str, key: str) -> Any:
        return facts.value(MANIFEST, "results_summary", label, key)

    if value(DOUBLE, "first_nan_step") is not None:
        measured = f"its loss became NaN at step {number(DOUBLE, 'first_nan_step', 'd')}"
        held = True
    else:
        measured = (
            f"its layer-1 gradient went from {number(DOUBLE, 'grad_norm_first')} at step 0 to a "
            f"minimum of {number(DOUBLE, 'grad_norm_min')} at step "
            f"{number(DOUBLE, 'grad_norm_min_step', 'd')} (the plain run's at the lab's depth: "
            f"{number(PLAIN, 'grad_norm_min')}); final loss {number(DOUBLE, 'final_loss', '.4g')}"
        )
        held = value(DOUBLE, "grad_norm_min") < value(PLAIN, "grad_norm_min")
    blocks = 2 * config.depth
    return (
        f"{prediction} Measured over {facts(MANIFEST, 'config', 'steps', spec='d')} steps at "
        f"{blocks} blocks: {measured}: {'as predicted' if held else 'not as predicted'}."
    )


def zero_init_answer(facts: Facts) -> str:
    """Question 5: the residual model with every block's last Linear at zero."""

    def number(key: str, spec: str = ".4g") -> str:
        return facts(MANIFEST, "results_summary", "zero_init", key, spec=spec)

    equal = facts.value(MANIFEST, "results_summary", "zero_init", "output_equals_head_of_input")
    return (
        "5. With the last Linear of every block at zero, every block outputs 0, so each "
        "residual block is the identity and the model's initial output is the head applied to "
        f"the input. Measured: the output {'equals' if equal else 'differs from'} head(x) "
        f"(largest difference {number('max_abs_difference', '.3g')}; initial loss "
        f"{number('initial_loss')}). Useful in very deep nets because the network starts as a "
        "shallow one whatever its depth: no signal growth through the chain, and gradients "
        "reach every layer through the identity paths while the blocks learn to contribute."
    )


LAB: Lab[ResidualDepthConfig, Results] = Lab(
    key="03",
    directory=DIRECTORY,
    title=TITLE,
    config=ResidualDepthConfig,
    run=run,
    report=report,
    files=("losses.json", "grad_norms.json", "loss_curves.png", "grad_norm.png"),
    check=check,
    plan=plan,
)
