"""Lab 01: the init ablation. Same data, same architecture, same optimizer; only the init differs.

A 12-layer ReLU MLP (hidden 256, no norm, no residual) trains for 1000 steps of SGD (momentum
0.9, lr 1e-3, batch 64) on the toy task, once per init: uniform U[-0.5, 0.5], Xavier
N(0, 1/n_in) and Kaiming N(0, 2/n_in). Seeds: the data (examples and batch order) use
``seed`` for every run; the weights of the i-th init use ``weight_seed(seed, i) = 100 * seed
+ 1 + i``, so the inits are independent draws and never share the data seed.

:func:`run_ablation` is the experiment (tests call it too); :func:`run` writes the lab's five
files, including the 24-layer run that answers the lab's question 4.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch import nn

from initspec.activations import make_activation
from initspec.artifacts import manifest, round_floats, write_json
from initspec.data import Dataset, toy_data
from initspec.inits import get_init
from initspec.labs import LabOptions
from initspec.models import build_mlp, chance_loss
from initspec.parallel import side_by_side
from initspec.plots import plot_loss_curves
from initspec.progress import step_printer
from initspec.train import TrainConfig, TrainResult, flatline_step, loss_slope, train

DIRECTORY = "10-init-matters"
TITLE = "Lab 01: init ablation"

SLOPE_WINDOW = 200  # Block D, question 3: "the slope of its loss curve over the last 200 steps"
Y_MAX = 1e3  # losses above this are drawn at the top of the figure, marked with their value


@dataclass(frozen=True)
class Lab01Config:
    """The lab's setup ("The setup" and Block A); every field can be overridden."""

    depth: int = 12
    width: int = 256
    activation: str = "relu"
    steps: int = 1000
    lr: float = 1e-3
    momentum: float = 0.9
    batch_size: int = 64
    inits: tuple[str, ...] = ("uniform", "xavier", "kaiming")  # uniform is U[-0.5, 0.5]

    def train_config(self, data_seed: int) -> TrainConfig:
        return TrainConfig(
            steps=self.steps,
            batch_size=self.batch_size,
            lr=self.lr,
            momentum=self.momentum,
            data_seed=data_seed,
        )

    def build_model(
        self, init: str, data: Dataset, weight_seed: int, norm: str | None = None
    ) -> nn.Sequential:
        """The lab's MLP for ``data`` with ``init`` (and ``norm``, lab 02) and its weight seed."""
        return build_mlp(
            depth=self.depth,
            width=self.width,
            in_dim=data.in_dim,
            out_dim=data.num_classes,
            activation=self.activation,
            init=init,
            norm=norm,
            seed=weight_seed,
        )


DEFAULTS = Lab01Config()
OVERRIDABLE = ("steps", "depth", "width", "lr", "activation", "inits")


def weight_seed(seed: int, index: int) -> int:
    """The weight seed of the ``index``-th init: independent of the data seed ``seed``."""
    return 100 * seed + 1 + index


def config_from(options: LabOptions) -> Lab01Config:
    """The defaults with ``options.overrides`` applied; raises ValueError on a bad override."""
    overrides = dict(options.overrides)
    unknown = sorted(set(overrides) - set(OVERRIDABLE))
    if unknown:
        raise ValueError(f"lab 01 does not take {', '.join(unknown)}; it takes {OVERRIDABLE}")
    if isinstance(overrides.get("inits"), str):
        overrides["inits"] = tuple(name.strip() for name in overrides["inits"].split(","))
    if "inits" in overrides:
        overrides["inits"] = tuple(overrides["inits"])
    config = dataclasses.replace(DEFAULTS, **overrides)
    _check(config)
    return config


def _check(config: Lab01Config) -> None:
    for name in ("depth", "width", "steps"):
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    lr = config.lr
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"learning rate must be a positive finite number, got {lr!r}")
    make_activation(config.activation)
    if not config.inits:
        raise ValueError("at least one init is needed")
    if len(set(config.inits)) != len(config.inits):
        raise ValueError(f"an init is listed twice: {', '.join(config.inits)}")
    for name in config.inits:
        get_init(name)


def validate(options: LabOptions) -> None:
    """Reject bad overrides (unknown init or activation, depth 0, lr <= 0...) before any write."""
    config_from(options)


@dataclass(frozen=True)
class InitRun:
    """One init's training run and what the lab reads off it."""

    init: str
    weight_seed: int
    result: TrainResult
    flatline_step: int | None
    slope: float | None  # loss per step over the last SLOPE_WINDOW losses; None after a NaN

    @property
    def first_nan_step(self) -> int | None:
        return self.result.first_nan_step

    @property
    def final_loss(self) -> float | None:
        return self.result.final_loss


@dataclass(frozen=True)
class Ablation:
    """The runs of one ablation, by init name, with the seeds and setup that produced them."""

    config: Lab01Config
    seed: int
    chance: float
    runs: dict[str, InitRun]


ModelHook = Callable[[str, nn.Module], None]


def run_ablation(
    config: Lab01Config = DEFAULTS,
    seed: int = 0,
    *,
    progress: bool = False,
    on_model: ModelHook | None = None,
) -> Ablation:
    """Train one model per init in ``config.inits``: same data and batches, own weight seed.

    ``on_model(init, model)`` is called on each freshly built model before it trains (tests
    use it to watch the batches each run sees).
    """
    return run_ablations([(config, seed)], progress=progress, on_model=on_model)[0]


def run_ablations(
    setups: Sequence[tuple[Lab01Config, int]],
    *,
    progress: bool = False,
    on_model: ModelHook | None = None,
) -> list[Ablation]:
    """:func:`run_ablation` for each ``(config, seed)``, all their runs trained side by side."""
    trained = train_inits(
        [(config, seed, None) for config, seed in setups], progress=progress, on_model=on_model
    )
    ablations = []
    for (config, seed), results in zip(setups, trained, strict=True):
        chance = chance_loss(toy_data(seed).num_classes)
        runs: dict[str, InitRun] = {}
        for index, (init, result) in enumerate(results.items()):
            flat = flatline_step(result.losses, chance)
            # A run that hit NaN has no slope worth reading (a few exploding points).
            diverged = result.first_nan_step is not None
            slope = None if diverged else loss_slope(result.losses, SLOPE_WINDOW)
            runs[init] = InitRun(init, weight_seed(seed, index), result, flat, slope)
        ablations.append(Ablation(config, seed, chance, runs))
    return ablations


def train_inits(
    setups: Sequence[tuple[Lab01Config, int, str | None]],
    *,
    progress: bool = False,
    on_model: ModelHook | None = None,
) -> list[dict[str, TrainResult]]:
    """For each ``(config, seed, norm)``, one model per init in ``config.inits`` (with ``norm``
    after every hidden Linear: lab 02), on data seed ``seed`` with each init's weight seed;
    every run of every setup trained side by side. Results by setup, then by init."""
    datasets: dict[int, Dataset] = {}
    jobs: list[Callable[[], TrainResult]] = []
    for config, seed, norm in setups:
        _check(config)
        if seed not in datasets:
            datasets[seed] = toy_data(seed)
        data = datasets[seed]
        for index, init in enumerate(config.inits):
            model = config.build_model(init, data, weight_seed(seed, index), norm)
            if on_model is not None:
                on_model(init, model)
            label = f"{norm or 'no norm'} {init} depth {config.depth} seed {seed}"
            printer = step_printer(label, config.steps) if progress else None
            train_config = config.train_config(seed)
            jobs.append(functools.partial(train, model, data, train_config, progress=printer))
    results = iter(side_by_side(jobs))
    return [{init: next(results) for init in config.inits} for config, _, _ in setups]


def run_summary(run: InitRun) -> dict[str, Any]:
    result = run.result
    finite = result.finite_losses
    return {
        "weight_seed": run.weight_seed,
        "first_nan_step": run.first_nan_step,
        "flatline_step": run.flatline_step,
        "initial_loss": finite[0] if finite else None,
        "final_loss": run.final_loss,
        "min_loss": min(finite) if finite else None,
        "slope_last_200": run.slope,
        "val_loss": result.val_loss,
        "val_accuracy": result.val_accuracy,
    }


def results_summary(ablation: Ablation, deeper: Ablation | None = None) -> dict[str, Any]:
    """The manifest's results_summary: the lab's three headline numbers, then per-init details."""
    runs = ablation.runs

    def pick(init: str, key: str) -> Any:
        return run_summary(runs[init])[key] if init in runs else None

    summary: dict[str, Any] = {
        "steps_to_nan_uniform": pick("uniform", "first_nan_step"),
        "final_loss_xavier": pick("xavier", "final_loss"),
        "final_loss_kaiming": pick("kaiming", "final_loss"),
        "chance_loss": ablation.chance,
        "runs": {init: run_summary(run) for init, run in runs.items()},
    }
    if deeper is not None:
        summary["deeper"] = {
            "depth": deeper.config.depth,
            "runs": {init: run_summary(run) for init, run in deeper.runs.items()},
        }
    return dict(round_floats(summary))


def write_figure(path: Path, ablation: Ablation) -> Path:
    """The headline figure: every init's loss curve on one log-scale axes."""
    config = ablation.config
    runs = ablation.runs
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


def losses_document(ablation: Ablation) -> dict[str, Any]:
    runs = ablation.runs
    return {
        "steps": ablation.config.steps,
        "data_seed": ablation.seed,
        "weight_seeds": {init: run.weight_seed for init, run in runs.items()},
        "first_nan_step": {init: run.first_nan_step for init, run in runs.items()},
        "losses": {init: round_floats(run.result.losses) for init, run in runs.items()},
    }


def _cli_arguments(config: Lab01Config) -> list[str]:
    """The command-line overrides that reproduce ``config`` (none for the defaults)."""
    arguments: list[str] = []
    for name in ("steps", "depth", "width", "lr", "activation"):
        if getattr(config, name) != getattr(DEFAULTS, name):
            arguments += [f"--{name}", str(getattr(config, name))]
    if config.inits != DEFAULTS.inits:
        arguments += ["--init", ",".join(config.inits)]
    return arguments


TRAIN_SCRIPT = '''\
"""Regenerate this directory (lab 01, the init ablation): python train.py [--out DIR] [--seed S].

The experiment itself is initspec.labs.lab01.run_ablation; this script calls initspec's CLI.
"""

import argparse
import sys
from pathlib import Path

from initspec.cli import main

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent)
parser.add_argument("--seed", type=int, default={seed})
args = parser.parse_args()
sys.exit(main(["lab", "01", "--out", str(args.out), "--seed", str(args.seed), *{overrides!r}]))
'''


def _fmt(value: float | None, spec: str = ".4g") -> str:
    return "n/a" if value is None else format(value, spec)


def readme(ablation: Ablation, deeper: Ablation) -> str:
    """The lab's README: what was trained, what happened, and the four Block D answers."""
    config, runs = ablation.config, ablation.runs
    lines = [
        f"# {TITLE}",
        "",
        f"A {config.depth}-layer MLP ({config.activation}, hidden {config.width}, no norm, no "
        f"residual) trained for {config.steps} steps of SGD (lr {config.lr:g}, momentum "
        f"{config.momentum:g}, batch {config.batch_size}) on the toy task: 1000 training "
        "examples of 256-dim Gaussian vectors, label 1 when the first 10 entries sum to >= 0. "
        f"One run per init ({', '.join(config.inits)}); all runs see the same data and the same "
        f"batches (data seed {ablation.seed}); each init draws its weights from its own seed "
        f"({', '.join(f'{i}: {r.weight_seed}' for i, r in runs.items())}). Steps count from 0; "
        f"chance loss is ln 2 = {ablation.chance:.4f}.",
        "",
        "| init | first NaN step | flat from step | final train loss | slope, last 200 "
        "steps (loss/step) | val loss | val accuracy |",
        "|---|---|---|---|---|---|---|",
    ]
    for init, run in runs.items():
        s = run_summary(run)
        lines.append(
            f"| {init} | {_fmt(s['first_nan_step'], 'd')} | {_fmt(s['flatline_step'], 'd')} | "
            f"{_fmt(s['final_loss'])} | {_fmt(s['slope_last_200'], '.3g')} | "
            f"{_fmt(s['val_loss'])} | {_fmt(s['val_accuracy'], '.3f')} |"
        )
    lines += ["", "`loss_curves.png` shows the curves (log scale; x marks a NaN).", ""]
    lines += ["## Block D", "", *_answers(ablation, deeper)]
    return "\n".join(lines) + "\n"


def _answers(ablation: Ablation, deeper: Ablation) -> list[str]:
    runs = ablation.runs
    out: list[str] = []
    uniform = runs.get("uniform")
    if uniform is None:
        out.append("1. Uniform init was not run.")
    elif uniform.first_nan_step is not None:
        first = uniform.result.finite_losses
        out.append(
            f"1. Uniform init produced its first NaN loss at step {uniform.first_nan_step}: the "
            f"forward pass blows up (loss {_fmt(first[0] if first else None, '.3g')} at step 0, "
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
        f"2. Final training loss: Xavier {_fmt(xavier.final_loss if xavier else None)}, Kaiming "
        f"{_fmt(kaiming.final_loss if kaiming else None)} (chance {ablation.chance:.4f})."
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
            f"   - {init}: first NaN step {_fmt(run.first_nan_step, 'd')}, final loss "
            f"{_fmt(run.final_loss)}, slope over the last {SLOPE_WINDOW} steps "
            f"{_fmt(run.slope, '.3g')}, flat from step {_fmt(run.flatline_step, 'd')}."
        )
    return out


def run(out_dir: Path, options: LabOptions) -> None:
    """Write the lab's five files into ``out_dir``: the 12-layer ablation and a 2x-deep rerun."""
    config = config_from(options)
    start = time.perf_counter()
    deeper_config = dataclasses.replace(config, depth=2 * config.depth)
    ablation, deeper = run_ablations(
        [(config, options.seed), (deeper_config, options.seed)], progress=options.progress
    )

    out_dir = Path(out_dir)
    script = TRAIN_SCRIPT.format(seed=options.seed, overrides=_cli_arguments(config))
    (out_dir / "train.py").write_text(script, encoding="utf-8")
    write_json(out_dir / "losses.json", losses_document(ablation))
    write_figure(out_dir / "loss_curves.png", ablation)
    (out_dir / "README.md").write_text(readme(ablation, deeper), encoding="utf-8")
    write_json(
        out_dir / "manifest.json",
        manifest(
            lab="01",
            config={**dataclasses.asdict(config), "deeper_depth": deeper_config.depth},
            seeds=_seeds(ablation),
            results_summary=results_summary(ablation, deeper),
            wall_time_s=time.perf_counter() - start,
        ),
    )


def _seeds(ablation: Ablation) -> Mapping[str, Any]:
    return {
        "data": ablation.seed,
        "weights": {init: run.weight_seed for init, run in ablation.runs.items()},
        "rule": "data seed = seed; weight seed of the i-th init = 100 * seed + 1 + i",
    }
