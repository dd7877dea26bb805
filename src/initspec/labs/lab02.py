"""Lab 02 (a stand-in): the norm ablation. Lab 01's setup with a norm after every hidden Linear.

The document set has no lab 02; labs 01 and 03 name it as the lab for normalisation. Here it
is lab 01's 12-layer ReLU MLP (hidden 256, SGD momentum 0.9, lr 1e-3, batch 64, 1000 steps)
with BatchNorm, LayerNorm or RMSNorm between every hidden Linear and its ReLU, trained once
per init (uniform U[-0.5, 0.5], Xavier, Kaiming), with lab 01's seeds.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from initspec.artifacts import manifest, round_floats, write_json
from initspec.labs import LabOptions
from initspec.labs.lab01 import DEFAULTS, Lab01Config, config_from, train_inits, weight_seed
from initspec.plots import plot_loss_curves
from initspec.train import TrainResult, loss_slope

DIRECTORY = "10-norm-ablation"
TITLE = "Lab 02 (stand-in): norm ablation"
NORMS = ("batchnorm", "layernorm", "rmsnorm")


def validate(options: LabOptions) -> None:
    config_from(options)


def run_norm(
    norm: str | None,
    config: Lab01Config = DEFAULTS,
    seed: int = 0,
    *,
    progress: bool = False,
) -> dict[str, TrainResult]:
    """Train lab 01's model with ``norm`` after every hidden Linear, once per init."""
    return run_norms([(norm, seed)], config, progress=progress)[0]


def run_norms(
    setups: Sequence[tuple[str | None, int]],
    config: Lab01Config = DEFAULTS,
    *,
    progress: bool = False,
) -> list[dict[str, TrainResult]]:
    """:func:`run_norm` for each ``(norm, seed)``, all their runs trained side by side."""
    return train_inits([(config, seed, norm) for norm, seed in setups], progress=progress)


def final_loss(result: TrainResult, tail: int = 20) -> float | None:
    """Mean of the last ``tail`` losses; None for a run that hit NaN."""
    if result.first_nan_step is not None:
        return None
    return sum(result.losses[-tail:]) / tail  # type: ignore[arg-type]


def summary(result: TrainResult) -> dict[str, Any]:
    finite = result.finite_losses
    return {
        "first_nan_step": result.first_nan_step,
        "initial_loss": finite[0] if finite else None,
        "final_loss": result.final_loss,
        "final_loss_last_20": final_loss(result),
        "slope_last_200": loss_slope(result.losses, 200),
        "val_loss": result.val_loss,
        "val_accuracy": result.val_accuracy,
    }


def readme(config: Lab01Config, seed: int, results: dict[str, dict[str, TrainResult]]) -> str:
    lines = [
        f"# {TITLE}",
        "",
        f"Lab 01's {config.depth}-layer {config.activation} MLP (hidden {config.width}) with a "
        "normalisation layer between every hidden Linear and its activation, trained for "
        f"{config.steps} steps of SGD (lr {config.lr:g}, momentum {config.momentum:g}, batch "
        f"{config.batch_size}) on the toy task, once per norm and init; data seed {seed}, "
        "weight seeds as lab 01 (one per init). The no-norm row is lab 01 itself. "
        f"Chance loss is ln 2 = {math.log(2):.4f}.",
        "",
        "| norm | init | first NaN step | final loss (last 20 steps) | slope, last 200 steps "
        "| val loss | val accuracy |",
        "|---|---|---|---|---|---|---|",
    ]
    for norm, runs in results.items():
        for init, result in runs.items():
            s = summary(result)
            lines.append(
                f"| {norm} | {init} | {s['first_nan_step']} | {_fmt(s['final_loss_last_20'])} | "
                f"{_fmt(s['slope_last_200'], '.3g')} | {_fmt(s['val_loss'])} | "
                f"{_fmt(s['val_accuracy'], '.3f')} |"
            )
    lines += ["", "## What it shows", ""]
    for norm, runs in results.items():
        finals = {init: final_loss(r) for init, r in runs.items()}
        known = [v for v in finals.values() if v is not None]
        spread = max(known) - min(known) if len(known) == len(finals) else None
        lines.append(
            f"- {norm}: final losses "
            + ", ".join(f"{init} {_fmt(v)}" for init, v in finals.items())
            + f"; spread between inits {_fmt(spread)}"
            + (" (a run hit NaN)" if spread is None else "")
            + "."
        )
    lines += [
        "",
        "`loss_curves.png`: every norm and init on one log-scale axes.",
    ]
    return "\n".join(lines) + "\n"


def _fmt(value: float | None, spec: str = ".4g") -> str:
    return "n/a" if value is None else format(value, spec)


def run(out_dir: Path, options: LabOptions) -> None:
    """Write train.py, losses.json, loss_curves.png, manifest.json and README.md."""
    config = config_from(options)
    start = time.perf_counter()
    norms = (None, *NORMS)
    runs = run_norms([(norm, options.seed) for norm in norms], config, progress=options.progress)
    results = {norm or "none": by_init for norm, by_init in zip(norms, runs, strict=True)}

    out_dir = Path(out_dir)
    script = (
        '"""Regenerate this directory (lab 02 stand-in, the norm ablation)."""\n\n'
        "import sys\n\nfrom initspec.cli import main\n\n"
        f'sys.exit(main(["lab", "02", "--seed", "{options.seed}", *sys.argv[1:]]))\n'
    )
    (out_dir / "train.py").write_text(script, encoding="utf-8")
    curves = {
        f"{norm} / {init}": round_floats(r.losses)
        for norm, runs in results.items()
        for init, r in runs.items()
    }
    write_json(
        out_dir / "losses.json",
        {"steps": config.steps, "data_seed": options.seed, "losses": curves},
    )
    plot_loss_curves(
        out_dir / "loss_curves.png",
        curves,
        title=f"{TITLE}: {config.depth}-layer {config.activation} MLP, one norm per hidden layer",
        nan_steps={
            f"{norm} / {init}": r.first_nan_step
            for norm, runs in results.items()
            for init, r in runs.items()
        },
        chance_level=math.log(2),
        y_max=1e8,
    )
    (out_dir / "README.md").write_text(readme(config, options.seed, results), encoding="utf-8")
    summaries = {
        norm: {init: summary(r) for init, r in runs.items()} for norm, runs in results.items()
    }
    write_json(
        out_dir / "manifest.json",
        manifest(
            lab="02",
            config={**dataclasses.asdict(config), "norms": list(NORMS)},
            seeds={
                "data": options.seed,
                "weights": {i: weight_seed(options.seed, k) for k, i in enumerate(config.inits)},
            },
            results_summary=round_floats(summaries),
            wall_time_s=time.perf_counter() - start,
        ),
    )
