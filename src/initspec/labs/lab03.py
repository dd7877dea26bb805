"""Lab 03: residual depth. A 50-block MLP with and without residual connections.

Each block is ``RMSNorm -> Linear(256, 1024) -> GeLU -> Linear(1024, 256)`` (pre-norm), Kaiming
init with the document's GeLU gain 1.7; the residual variant adds the block's input back.
Both variants train for 1000 steps of SGD (momentum 0.9, lr 1e-3, batch 64) on the toy data,
same data seed, same batches, same weight seed, logging the loss and the gradient norm of
layer 1 (the first Linear of the first block) every step. The README's question 4 is
answered by training 100 plain blocks, question 5 by building a zero-initialised model.

:func:`train_variant` is the experiment (spec tests call it too); :func:`run` writes the lab's
seven files.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from initspec.artifacts import manifest, round_floats, write_json
from initspec.blocks import build_deep_mlp
from initspec.data import Dataset, toy_data
from initspec.fast import LAYER1, train_deep
from initspec.labs import LabOptions
from initspec.parallel import side_by_side
from initspec.plots import plot_loss_curves
from initspec.progress import step_printer
from initspec.train import TrainConfig, loss_slope

DIRECTORY = "10-residual-depth"
TITLE = "Lab 03: residual depth"
VANISHED = 1e-7  # "drops below 1e-7"
HEALTHY = (1e-3, 1e-1)  # "stays in [1e-3, 1e-1]"
SLOPE_WINDOW = 200  # Block F, question 1: "slope of its last-200-steps loss"
OVERRIDABLE = ("steps", "depth", "width", "lr", "use_residual")


@dataclass(frozen=True)
class Lab03Config:
    depth: int = 50
    width: int = 256
    steps: int = 1000
    lr: float = 1e-3
    use_residual: str = "both"  # "yes", "no" or "both"

    @property
    def variants(self) -> tuple[bool, ...]:
        return {"yes": (True,), "no": (False,), "both": (False, True)}[self.use_residual]


def config_from(options: LabOptions) -> Lab03Config:
    unknown = sorted(set(options.overrides) - set(OVERRIDABLE))
    if unknown:
        raise ValueError(f"lab 03 does not take {', '.join(unknown)}; it takes {OVERRIDABLE}")
    config = dataclasses.replace(Lab03Config(), **options.overrides)
    if config.use_residual not in ("yes", "no", "both"):
        raise ValueError(f"use_residual must be yes, no or both, got {config.use_residual!r}")
    for name in ("depth", "width", "steps"):
        if getattr(config, name) < 1:
            raise ValueError(f"{name} must be positive")
    if not (math.isfinite(config.lr) and config.lr > 0):
        raise ValueError(f"learning rate must be a positive finite number, got {config.lr!r}")
    return config


def validate(options: LabOptions) -> None:
    config_from(options)


@dataclass(frozen=True)
class DeepRun:
    """One training run of the deep model: per-step losses and layer-1 gradient norms."""

    seed: int
    steps: int
    residual: bool
    losses: list[float | None]
    grad_norms: list[float]  # layer 1, every step until a non-finite loss
    first_nan_step: int | None
    val_loss: float | None
    val_accuracy: float | None


def train_variant(
    seed: int,
    steps: int,
    *,
    data: Dataset | None = None,
    data_seed: int = 0,
    lr: float = 1e-3,
    label: str | None = None,
    **options: Any,
) -> DeepRun:
    """Build the deep model (``options`` go to :class:`initspec.blocks.BlockConfig`), train it."""
    data = data if data is not None else toy_data(data_seed)
    model = build_deep_mlp(seed, **options)
    printer = step_printer(label, steps) if label is not None else None
    config = TrainConfig(steps=steps, lr=lr, data_seed=data_seed)
    result = train_deep(model, data, config, progress=printer)
    norms = [value for _, value in result.probes[LAYER1]]
    residual = bool(options.get("residual", True))
    return DeepRun(
        seed,
        steps,
        residual,
        result.losses,
        norms,
        result.first_nan_step,
        result.val_loss,
        result.val_accuracy,
    )


def first_below(norms: list[float], level: float) -> int | None:
    return next((step for step, value in enumerate(norms) if value < level), None)


def summary(run: DeepRun) -> dict[str, Any]:
    finite = [v for v in run.losses if v is not None]
    norms = run.grad_norms
    low, high = HEALTHY
    return {
        "weight_seed": run.seed,
        "first_nan_step": run.first_nan_step,
        "initial_loss": finite[0] if finite else None,
        "final_loss": finite[-1] if finite else None,
        "slope_last_200": loss_slope(run.losses, SLOPE_WINDOW),
        "val_loss": run.val_loss,
        "val_accuracy": run.val_accuracy,
        "grad_norm_first": norms[0] if norms else None,
        "grad_norm_last": norms[-1] if norms else None,
        "grad_norm_min": min(norms) if norms else None,
        "grad_norm_min_step": norms.index(min(norms)) if norms else None,
        "grad_norm_max": max(norms) if norms else None,
        "first_step_below_1e-7": first_below(norms, VANISHED),
        "fraction_of_steps_in_1e-3_1e-1": (
            sum(low <= v <= high for v in norms) / len(norms) if norms else None
        ),
    }


def zero_init_output(seed: int, depth: int, width: int) -> dict[str, Any]:
    """Question 5, measured: a residual model whose blocks' last Linear is zero at init."""
    model = build_deep_mlp(
        seed, depth=depth, width=width, in_dim=width, residual=True, zero_init_last=True
    )
    x = toy_data(0, dim=width).x_train[:64]
    with torch.no_grad():
        output, head = model(x), model.head(x)
    return {
        "output_equals_head_of_input": bool(torch.equal(output, head)),
        "max_abs_difference": float((output - head).abs().max()),
        "initial_loss": float(
            torch.nn.functional.cross_entropy(output, toy_data(0, dim=width).y_train[:64])
        ),
    }


def write_grad_figure(path: Path, runs: dict[str, DeepRun]) -> Path:
    """Layer-1 gradient norm per step, log y, the 1e-7 level drawn; the plain run's crossing
    of it annotated, or where it never crosses, its minimum and when."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8.0, 5.0), dpi=100)
    colors = {"no residual": "tab:red", "residual": "tab:blue"}
    for label, run in runs.items():
        axes.plot(
            range(len(run.grad_norms)),
            run.grad_norms,
            label=label,
            linewidth=1.0,
            color=colors.get(label, "tab:gray"),
        )
    axes.axhline(VANISHED, color="black", linestyle="--", linewidth=0.8, label="1e-7")
    axes.axhspan(*HEALTHY, color="tab:green", alpha=0.08, label="[1e-3, 1e-1]")
    plain = runs.get("no residual")
    if plain is not None and plain.grad_norms:
        crossing = first_below(plain.grad_norms, VANISHED)
        if crossing is not None:
            point, text = (crossing, VANISHED), f"below 1e-7 at step {crossing}"
        else:
            low = min(plain.grad_norms)
            step = plain.grad_norms.index(low)
            point, text = (step, low), f"never below 1e-7; min {low:.2e} at step {step}"
        axes.annotate(
            text,
            point,
            xytext=(0.35, 0.15),
            textcoords="axes fraction",
            arrowprops={"arrowstyle": "->"},
        )
    axes.set_yscale("log")
    axes.set_xlabel("step")
    axes.set_ylabel("|grad W| of layer 1")
    axes.set_title(f"{TITLE}: layer-1 gradient norm")
    axes.legend(loc="lower left")
    figure.tight_layout()
    figure.savefig(path, metadata={"Software": None})
    plt.close(figure)
    return path


TRAIN_SCRIPT = '''\
"""Regenerate this directory (lab 03, residual depth).

    python train.py [--use-residual yes|no|both] [--out DIR] [--seed S]

The experiment itself is initspec.labs.lab03; this script calls initspec's CLI.
"""

import argparse
import sys
from pathlib import Path

from initspec.cli import main

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--use-residual", choices=("yes", "no", "both"), default="both")
parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent)
parser.add_argument("--seed", type=int, default={seed})
args = parser.parse_args()
print("Using residual:", args.use_residual)
sys.exit(main(["lab", "03", "--out", str(args.out), "--seed", str(args.seed),
               "--use-residual", args.use_residual, *{overrides!r}]))
'''


def _fmt(value: Any, spec: str = ".3g") -> str:
    return "n/a" if value is None else format(value, spec)


def readme(
    config: Lab03Config,
    seed: int,
    runs: dict[str, DeepRun],
    deeper: DeepRun | None,
    zero: dict[str, Any],
) -> str:
    lines = [
        f"# {TITLE}",
        "",
        f"A {config.depth}-block MLP (hidden {config.width}; a block is RMSNorm -> "
        f"Linear({config.width}, {4 * config.width}) -> GeLU -> Linear({4 * config.width}, "
        f"{config.width}); Kaiming init with the document's GeLU gain 1.7; a linear head) trained "
        f"for {config.steps} steps of SGD (lr {config.lr:g}, momentum 0.9, batch 64) on the toy "
        f"task, with and without residual connections. Same data and batches (data seed {seed}) "
        f"and the same weight seed ({seed + 1}) for both runs. Layer 1 is the first Linear of the "
        "first block; its weight-gradient norm is logged every step. Steps count from 0.",
        "",
        "| variant | initial loss | final loss | slope, last 200 steps | val loss | val acc | "
        "grad W1 first | min (step) | max | first step < 1e-7 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, run in runs.items():
        s = summary(run)
        lines.append(
            f"| {label} | {_fmt(s['initial_loss'], '.4g')} | {_fmt(s['final_loss'], '.4g')} | "
            f"{_fmt(s['slope_last_200'])} | {_fmt(s['val_loss'], '.4g')} | "
            f"{_fmt(s['val_accuracy'])} | {_fmt(s['grad_norm_first'])} | "
            f"{_fmt(s['grad_norm_min'])} ({s['grad_norm_min_step']}) | "
            f"{_fmt(s['grad_norm_max'])} | {_fmt(s['first_step_below_1e-7'], 'd')} |"
        )
    lines += [
        "",
        "`loss_curves.png`: both losses; `grad_norm.png`: layer-1 gradient norms.",
        "",
        "## Block F",
        "",
    ]
    plain, residual = runs.get("no residual"), runs.get("residual")
    if plain is not None:
        s = summary(plain)
        lines.append(
            f"1. Without residual the loss went from {_fmt(s['initial_loss'], '.4g')} to "
            f"{_fmt(s['final_loss'], '.4g')} (chance ln 2 = {math.log(2):.4f}); the slope of its "
            f"last {SLOPE_WINDOW} steps is {_fmt(s['slope_last_200'])} per step, validation "
            f"accuracy {_fmt(s['val_accuracy'])}."
        )
        crossing = s["first_step_below_1e-7"]
        if crossing is not None:
            lines.append(f"2. Its layer-1 gradient norm first fell below 1e-7 at step {crossing}.")
        else:
            lines.append(
                f"2. Its layer-1 gradient norm never fell below 1e-7: it fell from "
                f"{_fmt(s['grad_norm_first'])} at step 0 to a minimum of "
                f"{_fmt(s['grad_norm_min'])} at step {s['grad_norm_min_step']} "
                f"({_fmt(s['grad_norm_last'])} at the last step)."
            )
    else:
        lines += ["1. The plain variant was not run.", "2. The plain variant was not run."]
    if residual is not None:
        s = summary(residual)
        lines.append(
            f"3. With residual the layer-1 gradient norm ranged from {_fmt(s['grad_norm_min'])} to "
            f"{_fmt(s['grad_norm_max'])}; {100 * s['fraction_of_steps_in_1e-3_1e-1']:.0f}% of "
            "steps lay in the document's [1e-3, 1e-1]. Theory 03's highway argument predicts a "
            "gradient that neither vanishes nor explodes with depth: the identity path carries "
            "it back unchanged."
        )
    else:
        lines.append("3. The residual variant was not run.")
    if deeper is not None:
        s = summary(deeper)
        lines.append(
            f"4. Prediction: without residuals, {2 * config.depth} blocks are worse still (the "
            "layer-1 gradient is a product of twice as many block Jacobians). Measured over "
            f"{deeper.steps} steps at {2 * config.depth} blocks: layer-1 gradient "
            f"{_fmt(s['grad_norm_first'])} "
            f"at step 0, minimum {_fmt(s['grad_norm_min'])} at step {s['grad_norm_min_step']}, "
            f"first NaN step {_fmt(s['first_nan_step'], 'd')}, final loss "
            f"{_fmt(s['final_loss'], '.4g')}."
        )
    else:
        lines.append("4. The 100-block run was not made (plain variant not run).")
    lines.append(
        "5. With the last Linear of every block at zero, every block outputs 0, so each "
        "residual block is the identity and the model's initial output is the head applied to "
        f"the input. Measured: output == head(x) exactly: {zero['output_equals_head_of_input']} "
        f"(max difference {zero['max_abs_difference']:.3g}; initial loss "
        f"{zero['initial_loss']:.4g}). Useful in very deep nets because the network starts as a "
        "shallow one whatever its depth: no signal growth through the chain, and gradients "
        "reach every layer through the identity paths while the blocks learn to contribute."
    )
    return "\n".join(lines) + "\n"


def run(out_dir: Path, options: LabOptions) -> None:
    """Write the seven files: train.py, losses and gradient JSON, two figures, manifest, README."""
    config = config_from(options)
    start = time.perf_counter()
    seed = options.seed
    data = toy_data(seed)
    common = {"depth": config.depth, "width": config.width, "in_dim": config.width}
    if config.width != data.in_dim:
        data = toy_data(seed, dim=config.width)
    train = functools.partial(
        train_variant, seed + 1, config.steps, data=data, data_seed=seed, lr=config.lr
    )
    labels = ["residual" if residual else "no residual" for residual in config.variants]
    jobs = [
        functools.partial(
            train, residual=residual, label=label if options.progress else None, **common
        )
        for residual, label in zip(config.variants, labels, strict=True)
    ]
    if False in config.variants:  # question 4: twice as many plain blocks
        deeper_label = f"no residual, {2 * config.depth} blocks"
        options_deeper = {**common, "depth": 2 * config.depth}
        # first: the longest run starts at once, the other two share the other core
        jobs.insert(
            0,
            functools.partial(
                train,
                residual=False,
                label=deeper_label if options.progress else None,
                **options_deeper,
            ),
        )
    trained = side_by_side(jobs)
    deeper = trained.pop(0) if False in config.variants else None
    runs = dict(zip(labels, trained, strict=True))
    zero = zero_init_output(seed + 1, config.depth, config.width)

    out_dir = Path(out_dir)
    overrides: list[str] = []
    for name in ("steps", "depth", "width", "lr"):
        if getattr(config, name) != getattr(Lab03Config(), name):
            overrides += [f"--{name}", str(getattr(config, name))]
    (out_dir / "train.py").write_text(TRAIN_SCRIPT.format(seed=seed, overrides=overrides))
    write_json(
        out_dir / "losses.json",
        {
            "steps": config.steps,
            "data_seed": seed,
            "weight_seed": seed + 1,
            "losses": {label: round_floats(r.losses) for label, r in runs.items()},
        },
    )
    write_json(
        out_dir / "grad_norms.json",
        {
            "layer": "blocks[0] first Linear (layer 1), weight-gradient Frobenius norm, every step",
            "grad_norms": {label: round_floats(r.grad_norms, 8) for label, r in runs.items()},
        },
    )
    plot_loss_curves(
        out_dir / "loss_curves.png",
        {label: round_floats(r.losses) for label, r in runs.items()},
        title=f"{TITLE}: {config.depth} blocks, hidden {config.width}, SGD lr {config.lr:g}",
        nan_steps={label: r.first_nan_step for label, r in runs.items()},
        chance_level=math.log(2),
    )
    write_grad_figure(out_dir / "grad_norm.png", runs)
    (out_dir / "README.md").write_text(readme(config, seed, runs, deeper, zero))
    results: dict[str, Any] = {label: summary(r) for label, r in runs.items()}
    if deeper is not None:
        results["no residual, double depth"] = summary(deeper)
    results["zero_init"] = zero
    write_json(
        out_dir / "manifest.json",
        manifest(
            lab="03",
            config=dataclasses.asdict(config),
            seeds={"data": seed, "weights": seed + 1},
            results_summary=round_floats(results),
            wall_time_s=time.perf_counter() - start,
        ),
    )
