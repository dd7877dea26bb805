"""Lab 01: the init ablation, ``10-init-matters/``.

The experiment is :mod:`initspec.experiments.init_ablation` at the lab's setup (12 layers by
default), and the same ablation at twice the depth for the lab's question 4. The directory
holds ``losses.json`` (every step's loss), ``loss_curves.png`` (the curves, log and linear
scale) and a README that answers the document's questions (its Block D) with numbers read from
the run's JSON (:class:`initspec.labs.lab.Facts`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from initspec.claims.lab_directories import LAB_DIRECTORIES
from initspec.claims.numbers import LAB01_SLOPE_WINDOW as SLOPE_WINDOW
from initspec.experiments.init_ablation import (
    Ablation,
    AblationConfig,
    results_summary,
    run_ablations,
)
from initspec.experiments.options import check_memory, cli_options
from initspec.labs.lab import Facts, Figure, Json, Lab, LabReport, last_steps
from initspec.plotting.curves import plot_loss_curves
from initspec.plotting.formatting import markdown_table
from initspec.runtime.artifacts import round_floats
from initspec.runtime.progress import Planned

DIRECTORY = LAB_DIRECTORIES["01"]
TITLE = "Lab 01: init ablation"
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


def plan(config: AblationConfig) -> list[Planned]:
    """The two ablations, for the progress header."""
    runs, inits = len(config.inits), ", ".join(config.inits)
    return [
        Planned(
            f"{config.depth}-layer {config.activation} MLP, one run per init ({inits})",
            runs,
            config.steps,
        ),
        Planned(f"the same at {2 * config.depth} layers (question 4)", runs, config.steps),
    ]


def loss_figure(path: Path, ablation: Ablation) -> Path:
    """The headline figure: every init's loss curve, log scale and linear side by side."""
    config, runs = ablation.config, ablation.runs
    return plot_loss_curves(
        path,
        {init: round_floats(run.result.losses) for init, run in runs.items()},
        title=(
            f"Lab 01, init ablation: {config.depth}-layer {config.activation} MLP, width "
            f"{config.width}, SGD lr {config.lr:g} (momentum {config.momentum:g}, batch "
            f"{config.batch_size}), data seed {ablation.seed}"
        ),
        nan_steps={init: run.first_nan_step for init, run in runs.items()},
        flatline_steps={init: run.flatline_step for init, run in runs.items()},
        chance_level=ablation.chance,
        linear_detail=True,
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
        readme=lambda facts: readme(config, facts),
        config={"deeper_depth": deeper.config.depth},
        seeds={
            "data": seed,
            "weights": {init: run.weight_seed for init, run in runs.items()},
            "rule": "data seed = seed; weight seed of the i-th init = 100 * seed + 1 + i",
        },
        summary=results_summary(ablation, deeper, slope_window=SLOPE_WINDOW),
    )


MANIFEST, LOSSES = "manifest.json", "losses.json"
NAMES = {"uniform": "Uniform", "xavier": "Xavier", "kaiming": "Kaiming"}
BLOWN_UP = 10  # a first loss this many times chance: the forward pass blew up before any update


class Numbers:
    """The README's view of the run's JSON: every number it states is read from the files
    (:class:`Facts`); ``raw`` reads one without stating it, to choose the words."""

    def __init__(self, config: AblationConfig, facts: Facts) -> None:
        self.config, self.facts = config, facts
        self.chance_loss: float = facts.value(MANIFEST, "results_summary", "chance_loss")

    def run(self, init: str, key: str, spec: str = ".4g", *, deeper: bool = False) -> str:
        """A summary number of ``init``'s run (of the run at twice the depth with ``deeper``)."""
        return self.facts(MANIFEST, "results_summary", *_runs(deeper), init, key, spec=spec)

    def raw(self, init: str, key: str, *, deeper: bool = False) -> Any:
        return self.facts.value(MANIFEST, "results_summary", *_runs(deeper), init, key)

    def option(self, key: str, spec: str = "g") -> str:
        return self.facts(MANIFEST, "config", key, spec=spec)

    def chance(self) -> str:
        return self.facts(MANIFEST, "results_summary", "chance_loss", spec=".4f")

    def loss(self, init: str, step: int) -> str:
        return self.facts(LOSSES, "losses", init, step)

    def ran(self, init: str) -> bool:
        return init in self.config.inits

    def diverged(self, init: str, *, deeper: bool = False) -> bool:
        return self.raw(init, "first_nan_step", deeper=deeper) is not None


def _runs(deeper: bool) -> tuple[str, ...]:
    return ("deeper", "runs") if deeper else ("runs",)


def name(init: str) -> str:
    return NAMES.get(init, init)


def readme(config: AblationConfig, facts: Facts) -> list[str]:
    """What was trained, what happened, and the answers to the document's questions."""
    n = Numbers(config, facts)
    header = [
        "init",
        "first NaN step",
        "flat from step",
        "final train loss (last step)",
        f"slope over {last_steps(config.steps, SLOPE_WINDOW)} (loss/step)",
        "val loss",
        "val accuracy",
    ]
    rows = [
        [
            init,
            n.run(init, "first_nan_step", "d"),
            n.run(init, "flatline_step", "d"),
            n.run(init, "final_loss"),
            n.run(init, "slope_last_200", ".3g"),
            n.run(init, "val_loss"),
            n.run(init, "val_accuracy", ".3f"),
        ]
        for init in config.inits
    ]
    weights = ", ".join(
        f"{init}: {facts(MANIFEST, 'seeds', 'weights', init, spec='d')}" for init in config.inits
    )
    return [
        f"An MLP of {n.option('depth', 'd')} layers ({config.activation}, hidden "
        f"{n.option('width', 'd')}, no norm, no residual) trained for {n.option('steps', 'd')} "
        f"steps of SGD (lr {n.option('lr')}, momentum {n.option('momentum')}, batch "
        f"{n.option('batch_size', 'd')}) on the toy task: 1000 training examples of 256-dim "
        "Gaussian vectors, label 1 when the first 10 entries sum to >= 0. One run per init "
        f"({', '.join(config.inits)}); all runs see the same data and the same batches (data "
        f"seed {facts(MANIFEST, 'seeds', 'data', spec='d')}); each init draws its weights from "
        f"its own seed ({weights}). Steps count from 0; chance loss is ln 2 = {n.chance()}.",
        "",
        *markdown_table(header, rows),
        "",
        "`loss_curves.png` shows the curves on a log scale (left) and a linear one (right); its "
        "legend names every marker: x where a loss became NaN, a triangle for a loss off the "
        "scale, a dotted line where a loss went flat at chance.",
        "",
        "## Block D: the lab's questions",
        "",
        "Lab 01's document ends with four questions about the run (its \"Block D: "
        "interpret\"); each answer below is read from this run's numbers.",
        "",
        uniform_answer(n),
        final_loss_answer(n),
        xavier_slope_answer(n),
        *deeper_answer(n),
    ]


def uniform_answer(n: Numbers) -> str:
    """Question 1: at what step did uniform init produce its first NaN (or saturation)?"""
    if not n.ran("uniform"):
        return "1. Uniform init (U[-0.5, 0.5]) was not run (`--init uniform` runs it)."
    if n.diverged("uniform"):
        blown = n.raw("uniform", "initial_loss") > BLOWN_UP * n.chance_loss
        before = "the forward pass had blown up before any update" if blown else "no update yet"
        return (
            "1. Uniform init produced its first NaN loss at step "
            f"{n.run('uniform', 'first_nan_step', 'd')}. Its loss at step 0 was "
            f"{n.run('uniform', 'initial_loss', '.3g')} ({before}); the updates that followed "
            "overflowed."
        )
    if n.raw("uniform", "flatline_step") is not None:
        return (
            "1. Uniform init produced no NaN; its loss went flat at chance from step "
            f"{n.run('uniform', 'flatline_step', 'd')} (saturation: no gradient moves it)."
        )
    return (
        "1. Uniform init produced neither a NaN nor a flat stretch at chance in these "
        f"{n.option('steps', 'd')} step(s); its final loss is {n.run('uniform', 'final_loss')}."
    )


def final_words(n: Numbers, init: str, *, deeper: bool = False) -> str:
    """``init``'s final loss: the number, or why there is none."""
    if n.diverged(init, deeper=deeper):
        return f"none (NaN at step {n.run(init, 'first_nan_step', 'd', deeper=deeper)})"
    return n.run(init, "final_loss", deeper=deeper)


def final_loss_answer(n: Numbers) -> str:
    """Question 2: what is Xavier's final loss vs Kaiming's?"""
    said = [
        f"{name(init)} {final_words(n, init)}" if n.ran(init) else f"{name(init)} was not run"
        for init in ("xavier", "kaiming")
    ]
    text = f"2. Final training loss (the loss at the last step): {'; '.join(said)}"
    finals = {
        init: n.raw(init, "final_loss")
        for init in ("xavier", "kaiming")
        if n.ran(init) and not n.diverged(init)
    }
    if len(finals) == 2 and finals["xavier"] != finals["kaiming"]:
        lower = min(finals, key=lambda init: finals[init])
        text += f"; {name(lower)}'s is the lower"
    return text + f" (chance {n.chance()})."


def xavier_slope_answer(n: Numbers) -> str:
    """Question 3: is Xavier training? The slope of its loss over the last 200 steps (all the
    steps, in a shorter run: never more steps than were run)."""
    steps = n.config.steps
    if not n.ran("xavier"):
        return "3. Xavier was not run (`--init xavier` runs it)."
    if n.diverged("xavier"):
        step = n.run("xavier", "first_nan_step", "d")
        return f"3. Xavier diverged (NaN at step {step}): a diverged run has no slope."
    if steps < 2:
        return "3. A run of one step has no slope; Xavier's trend needs two steps or more."
    first = steps - min(SLOPE_WINDOW, steps)
    slope = n.raw("xavier", "slope_last_200")
    verdict = "still learning" if slope < 0 else "not learning any more"
    if slope < 0 and n.raw("xavier", "final_loss") > n.chance_loss / 2:
        verdict += ", but slowly: its final loss is still above half of chance"
    return (
        f"3. Over {last_steps(steps, SLOPE_WINDOW)} (steps {first} to {steps - 1}) Xavier's "
        f"loss went from {n.loss('xavier', first)} to {n.loss('xavier', steps - 1)}; the "
        "least-squares "
        f"slope is {n.run('xavier', 'slope_last_200', '.3g')} per step: {verdict}."
    )


PREDICTED_FOR = "relu"  # PREDICTIONS reason from ReLU's factor 1/2; other activations get none
PREDICTIONS = {
    "uniform": (
        "fails harder: each layer multiplies the signal's second moment by width x 1/12 x 1/2, "
        "so twice the layers square the blow-up, and the NaN comes no later"
    ),
    "xavier": (
        "flattens further: its signal halves at every ReLU layer, so twice the layers leave it "
        "far smaller, and the loss ends nearer chance"
    ),
    "kaiming": (
        "still trains, to below half of chance, maybe more slowly: it keeps the second moment "
        "constant through the layers"
    ),
}


def deeper_answer(n: Numbers) -> list[str]:
    """Question 4: the prediction for twice the depth, for each init that ran, and what the
    deeper run measured, compared with the prediction."""
    lines = [
        f"4. Prediction for {n.option('deeper_depth', 'd')} layers (twice the depth), for each "
        "init run here, then what the same seeds and steps measured at that depth:",
        "",
    ]
    activation = n.config.activation
    for init in n.config.inits:
        measured = measured_deeper(n, init)
        if activation != PREDICTED_FOR:
            lines.append(
                f"   - {name(init)}: no prediction under {activation}: the document's reasoning "
                "(each layer's factor of 1/2 in the second moment) is for ReLU "
                f"layers. {measured}."
            )
            continue
        if init not in PREDICTIONS:
            lines.append(f"   - {init}: the document predicts nothing for it. {measured}.")
            continue
        held = "as predicted" if prediction_held(n, init) else "not as predicted"
        lines.append(f"   - {name(init)} {PREDICTIONS[init]}. {measured}: {held}.")
    return lines


def measured_deeper(n: Numbers, init: str) -> str:
    """What ``init`` did at twice the depth, beside what it did at the lab's depth."""
    depth = n.option("depth", "d")
    if n.diverged(init, deeper=True):
        shallow = f"step {n.run(init, 'first_nan_step', 'd')}" if n.diverged(init) else "no NaN"
        return (
            f"Measured: NaN at step {n.run(init, 'first_nan_step', 'd', deeper=True)} (at "
            f"{depth} layers: {shallow})"
        )
    return (
        f"Measured: final loss {n.run(init, 'final_loss', deeper=True)} (at {depth} layers: "
        f"{final_words(n, init)}; chance {n.chance()})"
    )


def prediction_held(n: Numbers, init: str) -> bool:
    """Whether the deeper run did what :data:`PREDICTIONS` says of ``init``."""
    chance = n.chance_loss
    deep_nan, nan = n.raw(init, "first_nan_step", deeper=True), n.raw(init, "first_nan_step")
    deep_final, final = n.raw(init, "final_loss", deeper=True), n.raw(init, "final_loss")
    if init == "uniform":
        return deep_nan is not None and (nan is None or deep_nan <= nan)
    if deep_final is None:
        return False
    if init == "xavier":
        return final is None or abs(deep_final - chance) <= abs(final - chance)
    return bool(deep_final < chance / 2)


LAB: Lab[AblationConfig, Results] = Lab(
    key="01",
    directory=DIRECTORY,
    title=TITLE,
    config=AblationConfig,
    run=run,
    report=report,
    files=("losses.json", "loss_curves.png"),
    check=check,
    plan=plan,
)
