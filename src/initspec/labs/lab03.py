"""Lab 03: residual depth, ``10-residual-depth/``.

The experiment is :mod:`initspec.experiments.residual_depth`: the 50-block chain with and
without the residual, same data seed, same batches, same weight seed; twice as many plain
blocks for question 4, and the zero-initialised model for question 5. The directory holds the
lab's seven files: ``train.py``, ``losses.json``, ``grad_norms.json``, ``loss_curves.png``,
``grad_norm.png``, ``manifest.json`` and a README answering Block F.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from initspec.artifacts import round_floats
from initspec.data import toy_data
from initspec.experiments.residual_depth import (
    HEALTHY,
    SLOPE_WINDOW,
    VANISHED,
    DeepRun,
    ResidualDepthConfig,
    ZeroInit,
    train_variant,
    zero_init_output,
)
from initspec.formatting import fmt, markdown_table, power_of_ten
from initspec.labs.lab import Figure, Json, Lab, LabReport
from initspec.options import check_memory
from initspec.parallel import side_by_side
from initspec.plots import plot_gradient_norms, plot_loss_curves

DIRECTORY = "10-residual-depth"
TITLE = "Lab 03: residual depth"
PLAIN, RESIDUAL = "no residual", "residual"
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
    common: dict[str, Any] = {"depth": config.depth, "width": config.width, "in_dim": config.width}
    train = functools.partial(
        train_variant, seed + 1, config.steps, data=data, data_seed=seed, lr=config.lr
    )
    labels = [RESIDUAL if residual else PLAIN for residual in config.variants]
    jobs = [
        functools.partial(train, residual=residual, label=label if progress else None, **common)
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
    return Results(runs, deeper, zero_init_output(seed + 1, config.depth, config.width))


def report(config: ResidualDepthConfig, seed: int, results: Results) -> LabReport:
    runs = results.runs
    summary: dict[str, Any] = {label: r.summary() for label, r in runs.items()}
    if results.deeper is not None:
        summary["no residual, double depth"] = results.deeper.summary()
    summary["zero_init"] = results.zero.summary()
    losses = {label: round_floats(r.losses) for label, r in runs.items()}
    title = f"{TITLE}: {config.depth} blocks, hidden {config.width}, SGD lr {config.lr:g}"
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
                    title=title,
                    nan_steps={label: r.first_nan_step for label, r in runs.items()},
                    chance_level=math.log(2),
                )
            ),
            "grad_norm.png": Figure(functools.partial(grad_figure, runs=runs)),
        },
        readme=readme(config, seed, results),
        seeds={"data": seed, "weights": seed + 1},
        summary=round_floats(summary),
    )


def grad_figure(path: Path, runs: dict[str, DeepRun]) -> Path:
    """Layer-1 gradient norm per step, log y, the 1e-7 level drawn; the plain run's crossing
    of it annotated, or where it never crosses, its minimum and when."""
    return plot_gradient_norms(
        path,
        {label: r.grad_norms for label, r in runs.items()},
        title=f"{TITLE}: layer-1 gradient norm",
        ylabel="|grad W| of layer 1",
        level=VANISHED,
        band=HEALTHY,
        colors={PLAIN: "tab:red", RESIDUAL: "tab:blue"},
        annotate=PLAIN,
    )


def readme(config: ResidualDepthConfig, seed: int, results: Results) -> list[str]:
    runs, deeper, zero = results.runs, results.deeper, results.zero
    vanished, band = (
        power_of_ten(VANISHED),
        f"[{power_of_ten(HEALTHY[0])}, {power_of_ten(HEALTHY[1])}]",
    )
    rows = []
    for label, run in runs.items():
        s = run.summary()
        rows.append(
            [
                label,
                fmt(s["initial_loss"], ".4g"),
                fmt(s["final_loss"], ".4g"),
                fmt(s["slope_last_200"], ".3g"),
                fmt(s["val_loss"], ".4g"),
                fmt(s["val_accuracy"], ".3g"),
                fmt(s["grad_norm_first"], ".3g"),
                f"{fmt(s['grad_norm_min'], '.3g')} ({s['grad_norm_min_step']})",
                fmt(s["grad_norm_max"], ".3g"),
                fmt(s["first_step_below_1e-7"], "d"),
            ]
        )
    header = [
        "variant",
        "initial loss",
        "final loss",
        f"slope, last {SLOPE_WINDOW} steps",
        "val loss",
        "val acc",
        "grad W1 first",
        "min (step)",
        "max",
        f"first step < {vanished}",
    ]
    lines = [
        f"A {config.depth}-block MLP (hidden {config.width}; a block is RMSNorm -> "
        f"Linear({config.width}, {4 * config.width}) -> GeLU -> Linear({4 * config.width}, "
        f"{config.width}); Kaiming init with the document's GeLU gain 1.7; a linear head) trained "
        f"for {config.steps} steps of SGD (lr {config.lr:g}, momentum 0.9, batch 64) on the toy "
        f"task, with and without residual connections. Same data and batches (data seed {seed}) "
        f"and the same weight seed ({seed + 1}) for both runs. Layer 1 is the first Linear of the "
        "first block; its weight-gradient norm is logged every step. Steps count from 0.",
        "",
        *markdown_table(header, rows),
        "",
        "`loss_curves.png`: both losses; `grad_norm.png`: layer-1 gradient norms.",
        "",
        "## Block F",
        "",
    ]
    plain, residual = runs.get(PLAIN), runs.get(RESIDUAL)
    if plain is not None:
        s = plain.summary()
        lines.append(
            f"1. Without residual the loss went from {fmt(s['initial_loss'], '.4g')} to "
            f"{fmt(s['final_loss'], '.4g')} (chance ln 2 = {math.log(2):.4f}); the slope of its "
            f"last {SLOPE_WINDOW} steps is {fmt(s['slope_last_200'], '.3g')} per step, "
            f"validation accuracy {fmt(s['val_accuracy'], '.3g')}."
        )
        if plain.first_nan_step is not None:
            lines[-1] = lines[-1][:-1] + f"; the loss became NaN at step {plain.first_nan_step}."
        crossing = s["first_step_below_1e-7"]
        if crossing is not None:
            lines.append(
                f"2. Its layer-1 gradient norm first fell below {vanished} at step {crossing}."
            )
        else:
            lines.append(
                f"2. Its layer-1 gradient norm never fell below {vanished}: it fell from "
                f"{fmt(s['grad_norm_first'], '.3g')} at step 0 to a minimum of "
                f"{fmt(s['grad_norm_min'], '.3g')} at step {s['grad_norm_min_step']} "
                f"({fmt(s['grad_norm_last'], '.3g')} at the last step)."
            )
    else:
        lines += ["1. The plain variant was not run.", "2. The plain variant was not run."]
    if residual is not None:
        s = residual.summary()
        inside = s["fraction_of_steps_in_1e-3_1e-1"]
        lines.append(
            f"3. With residual the layer-1 gradient norm ranged from "
            f"{fmt(s['grad_norm_min'], '.3g')} to {fmt(s['grad_norm_max'], '.3g')}; "
            f"{fmt(None if inside is None else 100 * inside, '.0f')}% of steps lay in the "
            f"document's {band}. Theory 03's highway argument predicts a gradient that neither "
            "vanishes nor explodes with depth: the identity path carries it back unchanged."
        )
    else:
        lines.append("3. The residual variant was not run.")
    if deeper is not None:
        s = deeper.summary()
        lines.append(
            f"4. Prediction: without residuals, {2 * config.depth} blocks are worse still (the "
            "layer-1 gradient is a product of twice as many block Jacobians). Measured over "
            f"{deeper.steps} steps at {2 * config.depth} blocks: layer-1 gradient "
            f"{fmt(s['grad_norm_first'], '.3g')} "
            f"at step 0, minimum {fmt(s['grad_norm_min'], '.3g')} at step "
            f"{s['grad_norm_min_step']}, first NaN step {fmt(s['first_nan_step'], 'd')}, final "
            f"loss {fmt(s['final_loss'], '.4g')}."
        )
    else:
        lines.append("4. The 100-block run was not made (plain variant not run).")
    lines.append(
        "5. With the last Linear of every block at zero, every block outputs 0, so each "
        "residual block is the identity and the model's initial output is the head applied to "
        f"the input. Measured: output == head(x) exactly: {zero.output_equals_head_of_input} "
        f"(max difference {zero.max_abs_difference:.3g}; initial loss "
        f"{zero.initial_loss:.4g}). Useful in very deep nets because the network starts as a "
        "shallow one whatever its depth: no signal growth through the chain, and gradients "
        "reach every layer through the identity paths while the blocks learn to contribute."
    )
    return lines


LAB: Lab[ResidualDepthConfig, Results] = Lab(
    key="03",
    directory=DIRECTORY,
    title=TITLE,
    config=ResidualDepthConfig,
    run=run,
    report=report,
    files=("losses.json", "grad_norms.json", "loss_curves.png", "grad_norm.png"),
    check=check,
)
