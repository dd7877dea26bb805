"""Lab 02 (a stand-in): the norm ablation, ``10-norm-ablation/``.

The document set has no lab 02; labs 01 and 03 name it as the lab for normalisation. Here it
is lab 01's 12-layer ReLU MLP (hidden 256, SGD momentum 0.9, lr 1e-3, batch 64, 1000 steps)
with BatchNorm, LayerNorm or RMSNorm between every hidden Linear and its ReLU, trained once
per init (uniform U[-0.5, 0.5], Xavier, Kaiming), with lab 01's seeds: the experiment is
:mod:`initspec.experiments.init_ablation` with its ``norm`` parameter.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from initspec.claims.lab_directories import LAB_DIRECTORIES

# Lab 01's slope window: lab 02 reruns lab 01's ablation with a norm layer and reads it alike.
from initspec.claims.numbers import LAB01_SLOPE_WINDOW as SLOPE_WINDOW
from initspec.experiments.init_ablation import (
    NORMS,
    Ablation,
    AblationConfig,
    Setup,
    run_ablations,
    weight_seed,
)
from initspec.experiments.options import check_memory
from initspec.labs.lab import Facts, Figure, Json, Lab, LabReport, last_steps
from initspec.metrics import final_loss, loss_slope
from initspec.plotting.curves import Panel, plot_loss_panels
from initspec.plotting.formatting import markdown_table
from initspec.runtime.artifacts import round_floats
from initspec.runtime.progress import Planned
from initspec.training.loop import TrainResult

DIRECTORY = LAB_DIRECTORIES["02"]
TITLE = "Lab 02 (stand-in): norm ablation"
FINAL_WINDOW = 20  # the mean of the last 20 steps, beside the last step's loss
BYTES_PER_PARAMETER = 4 * 3  # float32 weight, gradient and momentum buffer
NORM_NAMES = {  # as the figure's panels and the README's findings name them
    "none": "no norm (lab 01)",
    "batchnorm": "BatchNorm",
    "layernorm": "LayerNorm",
    "rmsnorm": "RMSNorm",
}

Results = dict[str, dict[str, TrainResult]]  # "none" or a norm -> init -> run


def check(config: AblationConfig, seed: int) -> None:
    """Every model (one per norm, and none, per init) must fit in memory."""
    models = (len(NORMS) + 1) * len(config.inits) * config.parameters()
    check_memory(BYTES_PER_PARAMETER * models, f"--depth {config.depth} and --width {config.width}")


def run(config: AblationConfig, seed: int, progress: bool) -> Results:
    """No norm (lab 01 itself) and each norm, every init; all runs side by side."""
    norms = (None, *NORMS)
    ablations: list[Ablation] = run_ablations(
        [Setup(config, seed, norm) for norm in norms], progress=progress
    )
    return {
        norm or "none": {init: run.result for init, run in ablation.runs.items()}
        for norm, ablation in zip(norms, ablations, strict=True)
    }


def summary(result: TrainResult) -> dict[str, Any]:
    """The manifest's numbers of one run. ``slope_last_200`` of a run that diverged is the fit
    through its few exploding losses, not a trend: the README does not state it."""
    finite = result.finite_losses
    return {
        "first_nan_step": result.first_nan_step,
        "initial_loss": finite[0] if finite else None,
        "final_loss": final_loss(result.losses),
        "final_loss_last_20": final_loss(result.losses, FINAL_WINDOW),
        "slope_last_200": loss_slope(result.losses, SLOPE_WINDOW),
        "val_loss": result.val_loss,
        "val_accuracy": result.val_accuracy,
    }


def plan(config: AblationConfig) -> list[Planned]:
    """One setup per norm (and none), one run per init, for the progress header."""
    return [
        Planned(f"{NORM_NAMES[norm or 'none']}: one run per init", len(config.inits), config.steps)
        for norm in (None, *NORMS)
    ]


def loss_figure(path: Path, config: AblationConfig, seed: int, results: Results) -> Path:
    """Small multiples: a panel per norm (and none), a colour per init, the same axes."""
    panels = [
        Panel(
            NORM_NAMES.get(norm, norm),
            {init: round_floats(r.losses) for init, r in runs.items()},
            nan_steps={init: r.first_nan_step for init, r in runs.items()},
            setup=NORM_NAMES.get(norm, norm),
        )
        for norm, runs in results.items()
    ]
    return plot_loss_panels(
        path,
        panels,
        title=(
            f"Lab 02, norm ablation: {config.depth}-layer {config.activation} MLP, width "
            f"{config.width}, a norm after every hidden Linear; SGD lr {config.lr:g} (momentum "
            f"{config.momentum:g}, batch {config.batch_size}), data seed {seed}"
        ),
        chance_level=math.log(2),
    )


def curves(results: Results) -> dict[str, Any]:
    return {
        f"{norm} / {init}": round_floats(r.losses)
        for norm, runs in results.items()
        for init, r in runs.items()
    }


def report(config: AblationConfig, seed: int, results: Results) -> LabReport:
    summaries = {
        norm: {init: summary(r) for init, r in runs.items()} for norm, runs in results.items()
    }
    return LabReport(
        files={
            "losses.json": Json(
                {"steps": config.steps, "data_seed": seed, "losses": curves(results)}
            ),
            "loss_curves.png": Figure(lambda path: loss_figure(path, config, seed, results)),
        },
        readme=lambda facts: readme(config, facts, list(results)),
        config={"norms": list(NORMS)},
        seeds={
            "data": seed,
            "weights": {init: weight_seed(seed, k) for k, init in enumerate(config.inits)},
        },
        summary=round_floats(summaries),
    )


MANIFEST = "manifest.json"
CHANCE = f"ln 2 = {math.log(2):.4f}"


def readme(config: AblationConfig, facts: Facts, norms: list[str]) -> list[str]:
    """The table of every norm and init, and what it shows, every number from the JSON."""

    def number(norm: str, init: str, key: str, spec: str = ".4g") -> str:
        return facts(MANIFEST, "results_summary", norm, init, key, spec=spec)

    def diverged(norm: str, init: str) -> bool:
        return facts.value(MANIFEST, "results_summary", norm, init, "first_nan_step") is not None

    rows = [
        [
            norm,
            init,
            number(norm, init, "first_nan_step", "d"),
            number(norm, init, "final_loss"),
            number(norm, init, "final_loss_last_20"),
            "diverged" if diverged(norm, init) else number(norm, init, "slope_last_200", ".3g"),
            number(norm, init, "val_loss"),
            number(norm, init, "val_accuracy", ".3f"),
        ]
        for norm in norms
        for init in config.inits
    ]
    steps = config.steps
    header = [
        "norm",
        "init",
        "first NaN step",
        "final loss (last step)",
        f"mean loss over {last_steps(steps, FINAL_WINDOW)}",
        f"slope over {last_steps(steps, SLOPE_WINDOW)} (loss/step)",
        "val loss",
        "val accuracy",
    ]

    def option(key: str, spec: str = "g") -> str:
        return facts(MANIFEST, "config", key, spec=spec)

    return [
        f"Lab 01's {option('depth', 'd')}-layer {config.activation} MLP (hidden "
        f"{option('width', 'd')}) with a normalisation layer between every hidden Linear and its "
        f"activation, trained for {option('steps', 'd')} steps of SGD (lr {option('lr')}, "
        f"momentum {option('momentum')}, batch {option('batch_size', 'd')}) on the toy task, "
        f"once per norm and init ({', '.join(config.inits)}); data seed "
        f"{facts(MANIFEST, 'seeds', 'data', spec='d')}, weight seeds as lab 01 (one per init). "
        "The rows without a norm are lab 01's runs at these options (the same model, seeds and "
        "batches): `initspec lab 01` with the same options gives the same final losses. A "
        "diverged run has no final loss and no slope. Chance loss is "
        f"{CHANCE}.",
        "",
        *markdown_table(header, rows),
        "",
        "## What it shows",
        "",
        *[f"- {finding(facts, norm, config.inits)}" for norm in norms],
        "",
        "`loss_curves.png`: a panel per norm, a colour per init, the same axes in every panel; "
        "x marks the step where a loss became NaN, a triangle a loss off the scale.",
    ]


def finding(facts: Facts, norm: str, inits: tuple[str, ...]) -> str:
    """One norm's outcome: which runs diverged, and the range of the others' final losses."""

    def value(init: str, key: str) -> Any:
        return facts.value(MANIFEST, "results_summary", norm, init, key)

    def stated(init: str, key: str, spec: str = ".4g") -> str:
        return facts(MANIFEST, "results_summary", norm, init, key, spec=spec)

    name = NORM_NAMES.get(norm, norm)
    diverged = [init for init in inits if value(init, "first_nan_step") is not None]
    trained = sorted(
        (init for init in inits if init not in diverged), key=lambda i: value(i, "final_loss")
    )
    parts = [
        f"{init} diverged (NaN at step {stated(init, 'first_nan_step', 'd')})" for init in diverged
    ]
    above = [init for init in trained if value(init, "final_loss") >= math.log(2)]
    if len(trained) == 1:
        at_chance = ", at or above chance" if above else ""
        parts.append(f"{trained[0]} ended at {stated(trained[0], 'final_loss')}{at_chance}")
    elif trained:
        low, high = trained[0], trained[-1]
        parts.append(
            f"final losses from {stated(low, 'final_loss')} ({low}) to "
            f"{stated(high, 'final_loss')} ({high})"
        )
        if above:
            parts.append(f"at or above chance: {', '.join(above)}")
    if not diverged:
        parts.append("no run diverged")
    return f"{name}: {'; '.join(parts)}."


LAB: Lab[AblationConfig, Results] = Lab(
    key="02",
    directory=DIRECTORY,
    title=TITLE,
    config=AblationConfig,
    run=run,
    report=report,
    files=("losses.json", "loss_curves.png"),
    check=check,
    plan=plan,
)
