"""Lab 01: the init ablation, ``10-init-matters/``.

The experiment is :mod:`initspec.experiments.init_ablation` at the lab's setup (12 layers by
default), and the same ablation at twice the depth for the lab's question 4. The directory
holds ``losses.json`` (every step's loss), ``loss_curves.png`` (the three curves) and a README
that answers Block D from the numbers of the run.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from initspec.artifacts import round_floats
from initspec.experiments.init_ablation import (
    SLOPE_WINDOW,
    Ablation,
    AblationConfig,
    results_summary,
    run_ablations,
)
from initspec.formatting import fmt, markdown_table
from initspec.labs.lab import Figure, Json, Lab, LabReport
from initspec.options import check_memory, cli_options
from initspec.plots import plot_loss_curves

DIRECTORY = "10-init-matters"
TITLE = "Lab 01: init ablation"
Y_MAX = 1e3  # losses above this are drawn at the top of the figure, marked with their value
BYTES_PER_PARAMETER = 4 * 3  # float32 weight, gradient and momentum buffer


@dataclass(frozen=True)
class Results:
    """The ablation at the config's depth and at twice that depth (Block D, question 4)."""

    ablation: Ablation
    deeper: Ablation


def deeper_config(config: AblationConfig) -> AblationConfig:
    return dataclasses.replace(config, depth=2 * config.depth)


def check(config: AblationConfig, seed: int) -> None:
    """The doubled depth must be a valid depth, and every model must fit in memory."""
    try:
        deeper = deeper_config(config)
    except ValueError:
        high = next(item.spec.high for item in cli_options(AblationConfig) if item.name == "depth")
        raise ValueError(
            f"--depth must be at most {(high or 0) // 2:g} here (lab 01 also trains twice that "
            f"depth), got {config.depth}"
        ) from None
    models = len(config.inits) * (config.parameters() + deeper.parameters())
    check_memory(BYTES_PER_PARAMETER * models, f"--depth {config.depth} and --width {config.width}")


def run(config: AblationConfig, seed: int, progress: bool) -> Results:
    """Both ablations, every run side by side."""
    ablation, deeper = run_ablations(
        [(config, seed), (deeper_config(config), seed)], progress=progress
    )
    return Results(ablation, deeper)


def loss_figure(path: Path, ablation: Ablation) -> Path:
    """The headline figure: every init's loss curve on one log-scale axes."""
    config, runs = ablation.config, ablation.runs
    return plot_loss_curves(
        path,
        {init: round_floats(run.result.losses) for init, run in runs.items()},
        title=(
            f"{TITLE}: {config.depth}-layer {config.activation} MLP, width {config.width}, "
            f"SGD lr {config.lr:g}"
        ),
        nan_steps={init: run.first_nan_step for init, run in runs.items()},
        flatline_steps={init: run.flatline_step for init, run in runs.items()},
        chance_level=ablation.chance,
        y_max=Y_MAX,
        detail_ylim=(0.0, 1.2 * ablation.chance),
    )


def report(config: AblationConfig, seed: int, results: Results) -> LabReport:
    ablation, deeper = results.ablation, results.deeper
    runs = ablation.runs
    losses = {
        "steps": config.steps,
        "data_seed": seed,
        "weight_seeds": {init: run.weight_seed for init, run in runs.items()},
        "first_nan_step": {init: run.first_nan_step for init, run in runs.items()},
        "losses": {init: round_floats(run.result.losses) for init, run in runs.items()},
    }
    return LabReport(
        files={
            "losses.json": Json(losses),
            "loss_curves.png": Figure(lambda path: loss_figure(path, ablation)),
        },
        readme=readme(ablation, deeper),
        config={"deeper_depth": deeper.config.depth},
        seeds={
            "data": seed,
            "weights": {init: run.weight_seed for init, run in runs.items()},
            "rule": "data seed = seed; weight seed of the i-th init = 100 * seed + 1 + i",
        },
        summary=results_summary(ablation, deeper),
    )


def readme(ablation: Ablation, deeper: Ablation) -> list[str]:
    """What was trained, what happened, and the four Block D answers."""
    config, runs = ablation.config, ablation.runs
    rows = []
    for init, run in runs.items():
        s = run.summary()
        rows.append(
            [
                init,
                fmt(s["first_nan_step"], "d"),
                fmt(s["flatline_step"], "d"),
                fmt(s["final_loss"]),
                fmt(s["slope_last_200"], ".3g"),
                fmt(s["val_loss"]),
                fmt(s["val_accuracy"], ".3f"),
            ]
        )
    header = [
        "init",
        "first NaN step",
        "flat from step",
        "final train loss",
        f"slope, last {SLOPE_WINDOW} steps (loss/step)",
        "val loss",
        "val accuracy",
    ]
    return [
        f"A {config.depth}-layer MLP ({config.activation}, hidden {config.width}, no norm, no "
        f"residual) trained for {config.steps} steps of SGD (lr {config.lr:g}, momentum "
        f"{config.momentum:g}, batch {config.batch_size}) on the toy task: 1000 training "
        "examples of 256-dim Gaussian vectors, label 1 when the first 10 entries sum to >= 0. "
        f"One run per init ({', '.join(config.inits)}); all runs see the same data and the same "
        f"batches (data seed {ablation.seed}); each init draws its weights from its own seed "
        f"({', '.join(f'{i}: {r.weight_seed}' for i, r in runs.items())}). Steps count from 0; "
        f"chance loss is ln 2 = {ablation.chance:.4f}.",
        "",
        *markdown_table(header, rows),
        "",
        "`loss_curves.png` shows the curves (log scale; x marks a NaN).",
        "",
        "## Block D",
        "",
        *answers(ablation, deeper),
    ]


def answers(ablation: Ablation, deeper: Ablation) -> list[str]:
    runs = ablation.runs
    out: list[str] = []
    uniform = runs.get("uniform")
    if uniform is None:
        out.append("1. Uniform init was not run.")
    elif uniform.first_nan_step is not None:
        first = uniform.result.finite_losses
        out.append(
            f"1. Uniform init produced its first NaN loss at step {uniform.first_nan_step}: the "
            f"forward pass blows up (loss {fmt(first[0] if first else None, '.3g')} at step 0, "
            "before any update), the first updates are enormous, and the loss overflows."
        )
    elif uniform.flatline_step is not None:
        out.append(
            f"1. Uniform init never produced a NaN; its loss went flat at chance from step "
            f"{uniform.flatline_step} (saturation: no gradient reaches the weights)."
        )
    else:
        out.append("1. Uniform init produced neither a NaN nor a flatline in this run.")
    xavier, kaiming = runs.get("xavier"), runs.get("kaiming")
    out.append(
        f"2. Final training loss: Xavier {fmt(xavier.final_loss if xavier else None)}, Kaiming "
        f"{fmt(kaiming.final_loss if kaiming else None)} (chance {ablation.chance:.4f})."
    )
    if xavier is not None and xavier.slope is not None:
        drop = -xavier.slope * SLOPE_WINDOW
        final = xavier.final_loss
        verdict = "still learning" if xavier.slope < 0 else "not learning any more"
        if final is not None and final > ablation.chance / 2:
            verdict += (
                f", but slowly: after {ablation.config.steps} steps its loss ({final:.3g}) is "
                "still above half of chance"
            )
        out.append(
            f"3. Xavier's loss slope over the last {SLOPE_WINDOW} steps is {xavier.slope:.3g} per "
            f"step, a drop of {drop:.3g} over those steps: {verdict}."
        )
    else:
        out.append("3. Xavier was not run or produced no finite losses.")
    out += [
        f"4. Prediction for {deeper.config.depth} layers: uniform fails harder (the forward "
        "pass multiplies the signal's second moment by width x 1/12 x 1/2 per layer, so twice "
        "the layers square the blow-up and NaN comes no later); Xavier flattens further (its "
        "signal halves per ReLU layer, so twice the layers leave it far smaller and the loss "
        "stays at chance); Kaiming keeps the second moment constant and still trains, maybe "
        "more slowly.",
        "",
        f"   Measured at depth {deeper.config.depth} (same seeds, same steps):",
        "",
    ]
    for init, run in deeper.runs.items():
        out.append(
            f"   - {init}: first NaN step {fmt(run.first_nan_step, 'd')}, final loss "
            f"{fmt(run.final_loss)}, slope over the last {SLOPE_WINDOW} steps "
            f"{fmt(run.slope, '.3g')}, flat from step {fmt(run.flatline_step, 'd')}."
        )
    return out


LAB: Lab[AblationConfig, Results] = Lab(
    key="01",
    directory=DIRECTORY,
    title=TITLE,
    config=AblationConfig,
    run=run,
    report=report,
    files=("losses.json", "loss_curves.png"),
    check=check,
)
