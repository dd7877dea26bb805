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

from initspec.artifacts import round_floats
from initspec.experiments.init_ablation import (
    NORMS,
    SLOPE_WINDOW,
    Ablation,
    AblationConfig,
    Setup,
    run_ablations,
    weight_seed,
)
from initspec.formatting import fmt, markdown_table
from initspec.labs.lab import Figure, Json, Lab, LabReport
from initspec.metrics import final_loss, loss_slope
from initspec.options import check_memory
from initspec.plots import plot_loss_curves
from initspec.train import TrainResult

DIRECTORY = "10-norm-ablation"
TITLE = "Lab 02 (stand-in): norm ablation"
FINAL_WINDOW = 20  # the README's final loss: mean of the last 20 steps
BYTES_PER_PARAMETER = 4 * 3  # float32 weight, gradient and momentum buffer

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


def loss_figure(path: Path, config: AblationConfig, results: Results) -> Path:
    """Every norm and init on one log-scale axes."""
    return plot_loss_curves(
        path,
        curves(results),
        title=f"{TITLE}: {config.depth}-layer {config.activation} MLP, one norm per hidden layer",
        nan_steps={
            f"{norm} / {init}": r.first_nan_step
            for norm, runs in results.items()
            for init, r in runs.items()
        },
        chance_level=math.log(2),
        y_max=1e8,
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
            "loss_curves.png": Figure(lambda path: loss_figure(path, config, results)),
        },
        readme=readme(config, seed, results),
        config={"norms": list(NORMS)},
        seeds={
            "data": seed,
            "weights": {init: weight_seed(seed, k) for k, init in enumerate(config.inits)},
        },
        summary=round_floats(summaries),
    )


def readme(config: AblationConfig, seed: int, results: Results) -> list[str]:
    rows = []
    for norm, runs in results.items():
        for init, result in runs.items():
            s = summary(result)
            rows.append(
                [
                    norm,
                    init,
                    fmt(s["first_nan_step"], "d"),
                    fmt(s["final_loss_last_20"]),
                    fmt(s["slope_last_200"], ".3g"),
                    fmt(s["val_loss"]),
                    fmt(s["val_accuracy"], ".3f"),
                ]
            )
    header = [
        "norm",
        "init",
        "first NaN step",
        f"final loss (last {FINAL_WINDOW} steps)",
        f"slope, last {SLOPE_WINDOW} steps",
        "val loss",
        "val accuracy",
    ]
    lines = [
        f"Lab 01's {config.depth}-layer {config.activation} MLP (hidden {config.width}) with a "
        "normalisation layer between every hidden Linear and its activation, trained for "
        f"{config.steps} steps of SGD (lr {config.lr:g}, momentum {config.momentum:g}, batch "
        f"{config.batch_size}) on the toy task, once per norm and init; data seed {seed}, "
        "weight seeds as lab 01 (one per init). The no-norm row is lab 01 itself. "
        f"Chance loss is ln 2 = {math.log(2):.4f}.",
        "",
        *markdown_table(header, rows),
        "",
        "## What it shows",
        "",
    ]
    for norm, runs in results.items():
        finals = {init: final_loss(r.losses, FINAL_WINDOW) for init, r in runs.items()}
        known = [v for v in finals.values() if v is not None]
        spread = max(known) - min(known) if len(known) == len(finals) else None
        lines.append(
            f"- {norm}: final losses "
            + ", ".join(f"{init} {fmt(v)}" for init, v in finals.items())
            + f"; spread between inits {fmt(spread)}"
            + (" (a run hit NaN)" if spread is None else "")
            + "."
        )
    lines += ["", "`loss_curves.png`: every norm and init on one log-scale axes."]
    return lines


LAB: Lab[AblationConfig, Results] = Lab(
    key="02",
    directory=DIRECTORY,
    title=TITLE,
    config=AblationConfig,
    run=run,
    report=report,
    files=("losses.json", "loss_curves.png"),
    check=check,
)
