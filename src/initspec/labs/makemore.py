"""The makemore lab: initialising a character-level MLP, ``10-makemore-init/``.

The experiments are :mod:`initspec.experiments.char_init` (first-batch losses, the four
training curves, sampled names, parameter counts) and
:mod:`initspec.experiments.char_diagnostics` (gain figures, update:data ratio, saturation
maps). The directory holds:

* ``first_batch_losses.json`` / ``.md``: each init's first-batch loss against log V (10 seeds);
* ``loss_curves.png`` (whole run, 100-step means) and ``loss_curves_start.png`` (the first
  1000 steps, where the hockey stick is), of the first weight seed;
* ``final_losses.json`` / ``final_losses.png``: every run's loss over the whole train and
  validation splits at the end, one value a seed, beside the lecture's;
* ``diagnostics/``: the gain and update-ratio figures and the saturation maps;
* ``samples.json``: names sampled from each trained model;
* ``losses.json``, ``train.py``, ``manifest.json`` and a ``README.md`` that walks the claims.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from initspec.claims.lab_directories import LAB_DIRECTORIES
from initspec.claims.numbers import BLOG_FIRST_LOSS
from initspec.claims.registry import CLAIMS
from initspec.data.corpus import DEFAULT_CORPUS
from initspec.experiments.char_diagnostics import (
    BATCH_SIZE,
    GAIN_CASES,
    UPDATE_FIGURE,
    UPDATE_STEPS,
    DiagnosticsStudy,
    Snapshot,
    activation_figure,
    gradient_figure,
    run_diagnostics,
    saturation_figure,
    trained_label,
)
from initspec.experiments.char_init import (
    BELOW_LOG_V_WINDOW,
    CURVES,
    LOSS_SEEDS,
    SMOOTH,
    STEPS,
    CharInitConfig,
    Corpus,
    Curve,
    FirstBatchLosses,
    curve_groups,
    curve_jobs,
    first_batch_losses,
    group_label,
    load_corpus,
    loss_seeds,
    parameter_counts,
    phase_label,
)
from initspec.experiments.options import check_memory
from initspec.labs.lab import Figure, Json, Lab, LabFile, LabReport, Text
from initspec.metrics import mean, moving_average
from initspec.plotting.curves import plot_final_losses, plot_loss_curves
from initspec.plotting.diagnostics import (
    plot_activation_histograms,
    plot_gradient_histograms,
    plot_saturation_map,
    plot_update_ratios,
)
from initspec.plotting.formatting import fmt, markdown_table
from initspec.runtime.artifacts import JSONValue, round_floats
from initspec.runtime.progress import Planned
from initspec.training.diagnostics import DEAD_THRESHOLD
from initspec.training.parallel import side_by_side

DIRECTORY = LAB_DIRECTORIES["makemore"]
TITLE = "Makemore: initialising a character-level MLP"
START = 1000  # steps shown in the hockey-stick figure
FIT_FROM = 2 * START  # the whole run's figure fits its y range to the means from here on
VAL_CLAIM = CLAIMS["lecture.val-loss-improves"]
# The lecture's final validation losses (its names file, V = 27), by run: the naive init, and
# both fixes (the output and the hidden layer's), which our hidden-fix run applies.
LECTURE_VAL = {
    "naive": VAL_CLAIM.value("val_loss_naive"),
    "hidden-fix": VAL_CLAIM.value("val_loss_fixed"),
}
POST_V = CLAIMS["blog.output-scale-fix"].value("vocab_size")  # the post's bird names
POST_DEV_LOSS_BATCHNORM = CLAIMS["blog.bn-stabilises"].value("dev_loss_batchnorm")
BYTES_PER_PARAMETER = 4 * 3  # float32 weight, gradient, and the diagnostics' copies
BYTES_PER_BATCH_INDEX = 8 * 32 * 2  # int64 per example of a batch of 32, drawn then joined
BYTES_PER_LOSS = 32  # a list entry and its float object


@dataclass(frozen=True)
class Results:
    corpus: Corpus
    first_batch: FirstBatchLosses
    curves: list[Curve]  # every run of CURVES over loss_seeds(seed), in CURVES' order
    diagnostics: DiagnosticsStudy
    counts: dict[str, int]


def check(config: CharInitConfig, seed: int) -> None:
    """The corpus must serve (``--corpus``); the diagnostics' deep model and the runs' batch
    orders must fit in memory."""
    try:
        corpus = load_corpus(config.corpus, seed)
    except ValueError as error:
        raise ValueError(f"--corpus: {error}") from None
    hidden, layers, vocab = config.width, config.depth, corpus.vocab.size
    # embedding, the Linears (context 3 x embedding 10 in), BatchNorm: counted, not built
    parameters = vocab * 10 + 30 * hidden + (layers - 1) * hidden * hidden + hidden * vocab
    parameters += 4 * layers * hidden + vocab
    check_memory(BYTES_PER_PARAMETER * parameters, f"--depth {layers} and --width {hidden}")
    # while the runs train: each data seed's batch indices for one half (int64, a batch of 32,
    # drawn then joined) and every run's losses (a Python float a step)
    halves = config.steps - config.half
    orders = BYTES_PER_BATCH_INDEX * LOSS_SEEDS * len(curve_groups()) * halves
    losses = BYTES_PER_LOSS * len(CURVES) * LOSS_SEEDS * config.steps
    check_memory(orders + losses, f"--steps {config.steps}")


def plan(config: CharInitConfig) -> list[Planned]:
    """What a run trains, for the progress header: each stacked group's two halves (one run a
    half: the group trains as one model), then the diagnostics' update-ratio run."""
    halves = [(config.lr, config.half), (config.lr / 10, config.steps - config.half)]
    groups = [
        Planned(phase_label(group_label(labels, LOSS_SEEDS), lr), 1, steps)
        for labels in curve_groups()
        for lr, steps in halves
    ]
    return [*groups, Planned("update ratio (diagnostics)", 1, min(config.steps, UPDATE_STEPS))]


def run(config: CharInitConfig, seed: int, progress: bool) -> Results:
    """The curves (one stacked model a shape), the diagnostics and the first-batch table, side
    by side, the longest first."""
    corpus = load_corpus(config.corpus, seed)
    vocab, splits = corpus.vocab, corpus.splits
    jobs: list[Callable[[], Any]] = [
        *curve_jobs(vocab, splits, config, seed, progress),
        functools.partial(
            run_diagnostics,
            vocab,
            splits,
            seed,
            layers=config.depth,
            hidden=config.width,
            steps=min(config.steps, UPDATE_STEPS),
            progress=progress,
        ),
        functools.partial(first_batch_losses, vocab, splits, seed),
    ]
    *groups, diagnostics, first = side_by_side(jobs)
    order = list(CURVES)
    curves = sorted((c for group in groups for c in group), key=lambda c: order.index(c.label))
    return Results(corpus, first, curves, diagnostics, parameter_counts(vocab))


def diagnostics_files(study: DiagnosticsStudy) -> dict[str, LabFile]:
    """The diagnostics' figures, by path inside the lab's directory."""
    files: dict[str, LabFile] = {}

    def gain_figures(label: str, snap: Snapshot) -> None:
        setup = f"{model_words(snap)}, {label}, one batch of {BATCH_SIZE}"
        files[f"diagnostics/{activation_figure(label)}"] = Figure(
            functools.partial(
                plot_activation_histograms,
                outputs=snap.outputs,
                title=f"Distribution of activations: {setup}",
            )
        )
        files[f"diagnostics/{gradient_figure(label)}"] = Figure(
            functools.partial(
                plot_gradient_histograms,
                grads=snap.grads,
                title=f"Distribution of gradients: {setup}",
            )
        )

    for label, _, _ in GAIN_CASES:
        gain_figures(label, study.gains[label])
    run = study.update
    files[f"diagnostics/{UPDATE_FIGURE}"] = Figure(
        functools.partial(
            plot_update_ratios,
            history=run.history,
            labels=weight_labels(list(run.history)),
            title=f"update:data ratio of each weight: {model_words(run.final)} with BatchNorm, "
            f"plain SGD lr {run.lr}, batch {BATCH_SIZE}",
        )
    )
    gain_figures(trained_label(run), run.final)
    for item in study.saturation:
        files[f"diagnostics/{saturation_figure(item.init)}"] = Figure(
            functools.partial(
                plot_saturation_map,
                outputs=item.outputs,
                threshold=DEAD_THRESHOLD,
                title=f"Saturated tanh units (abs(h) > {DEAD_THRESHOLD:g}): the first model "
                f"(hidden {item.outputs.shape[-1]}) at init, {item.init}, one batch",
            )
        )
    return files


def model_words(snap: Snapshot) -> str:
    """The deep model a snapshot was read on, as its figures' titles name it."""
    hidden = next(iter(snap.outputs.values())).shape[-1]
    return f"{len(snap.outputs)}-layer tanh MLP (hidden {hidden})"


def weight_labels(names: list[str]) -> dict[str, str]:
    """The deep model's weight matrices (forward order: the embedding, the Linear before each
    tanh, the output Linear) as a reader counts them, each with its parameter name."""
    labels = {name: f"layer {k} ({name})" for k, name in enumerate(names[1:-1], start=1)}
    if names:
        labels[names[0]] = f"embedding ({names[0]})"
    if len(names) > 1:
        labels[names[-1]] = f"output layer ({names[-1]})"
    return labels


def final_loss_table(config: CharInitConfig, seed: int, curves: list[Curve]) -> dict[str, Any]:
    """Every run's loss over the whole train and validation splits at the end, one a seed, with
    the mean, min and max of the finite ones, beside the lecture's validation losses."""
    runs: dict[str, Any] = {}
    for label in CURVES:
        mine = [c for c in curves if c.label == label]
        row: dict[str, Any] = {"diverged": sum(c.result.first_nan_step is not None for c in mine)}
        for split, values in (
            ("train_loss", [c.train_loss for c in mine]),
            ("val_loss", [c.result.val_loss for c in mine]),
        ):
            finite = [v for v in values if v is not None]
            row[split] = values
            row[f"{split}_mean"] = mean(finite) if finite else None
            row[f"{split}_min"] = min(finite) if finite else None
            row[f"{split}_max"] = max(finite) if finite else None
        runs[label] = row
    return {
        "steps": config.steps,
        "document_steps": STEPS,
        "seeds": loss_seeds(seed),
        "runs": runs,
        "lecture_val_loss": LECTURE_VAL,
    }


def report(config: CharInitConfig, seed: int, results: Results) -> LabReport:
    corpus = results.corpus
    shown = [c for c in results.curves if c.seed == seed]  # the first seed's runs: the figures
    log_v = math.log(corpus.vocab.size)
    table = round_floats(results.first_batch.table(BLOG_FIRST_LOSS))
    finals = round_floats(final_loss_table(config, seed, results.curves))
    summaries = round_floats({c.label: c.summary(log_v, config.half) for c in shown})
    samples = {c.label: c.samples for c in shown}
    no_samples = {c.label: c.no_samples for c in shown if c.no_samples is not None}
    diagnostics = results.diagnostics.summary()
    title = (
        f"char MLP (hidden 200), SGD lr {config.lr:g} -> {config.lr / 10:g}, "
        f"V = {corpus.vocab.size}"
    )
    nan_steps = {c.label: c.result.first_nan_step for c in shown}
    means = {c.label: round_floats(moving_average(c.result.losses, SMOOTH)) for c in shown}
    starts = {c.label: round_floats(c.result.losses[:START]) for c in shown}
    files: dict[str, LabFile] = {
        "first_batch_losses.json": Json(table),
        "first_batch_losses.md": Text("\n".join(first_batch_table(table)) + "\n"),
        "final_losses.json": Json(finals),
        "final_losses.png": Figure(
            functools.partial(
                plot_final_losses,
                losses={
                    label: {"train": row["train_loss"], "val": row["val_loss"]}
                    for label, row in finals["runs"].items()
                },
                title=f"{title}: {config.steps:,} steps, {LOSS_SEEDS} seeds a run",
                documents={label: {"val": value} for label, value in LECTURE_VAL.items()},
                document_label="lecture",
                document_format=".2f",
            )
        ),
        "loss_curves.png": Figure(
            functools.partial(
                plot_loss_curves,
                curves=means,
                title=f"{title}: {SMOOTH}-step means",
                nan_steps=nan_steps,
                chance_level=log_v,
                log_y=False,
                fit_from=min(FIT_FROM, config.steps // 2),  # the start: loss_curves_start.png
            )
        ),
        "loss_curves_start.png": Figure(
            functools.partial(
                plot_loss_curves,
                curves=starts,
                title=f"{title}: the first {min(START, config.steps)} steps",
                nan_steps=nan_steps,
                chance_level=log_v,
            )
        ),
        "losses.json": Json(
            {
                "steps": config.steps,
                "weight_seed": seed,
                "first_steps": starts,
                "means_every_100_steps": {
                    label: values[SMOOTH - 1 :: SMOOTH] for label, values in means.items()
                },
                "logit_std": {c.label: round_floats(c.result.probes["logit_std"]) for c in shown},
            }
        ),
        "samples.json": Json(samples),
        **diagnostics_files(results.diagnostics),
    }
    seeds = loss_seeds(seed)
    return LabReport(
        files=files,
        readme=readme(
            config,
            seed,
            corpus.summary(),
            table,
            summaries,
            finals,
            results.counts,
            diagnostics,
            samples,
            no_samples,
        ),
        config={"corpus_description": corpus.description, "seeds_per_run": LOSS_SEEDS},
        seeds={
            "weights": seeds,
            "data": [[s, s + 1] for s in seeds],
            "curves_and_samples": seed,
            "first_batch": table["seeds"],
        },
        summary={
            "corpus": corpus.summary(),
            "first_batch_losses": {k: v["mean"] for k, v in table["inits"].items()},
            "curves": summaries,
            "final_losses": {
                label: {key: row[key] for key in ("train_loss_mean", "val_loss_mean", "diverged")}
                for label, row in finals["runs"].items()
            },
            "parameter_counts": results.counts,
            "diagnostics": diagnostics,
        },
    )


def first_batch_table(table: dict[str, Any]) -> list[str]:
    header = [
        "init",
        f"first-batch loss, mean over {len(table['seeds'])} seeds (min-max)",
        "log V",
        f"the post (V = {POST_V:g})",
    ]
    rows = [
        [
            init,
            f"{row['mean']:.3f} ({row['min']:.2f}-{row['max']:.2f})",
            f"{table['log_v']:.4f} (V = {table['vocab_size']})",
            f"{row['doc_value_v29']}",
        ]
        for init, row in table["inits"].items()
    ]
    return markdown_table(header, rows)


def spread(row: dict[str, Any], split: str, spec: str = ".4f") -> str:
    """ "mean (min-max)" of one split's final losses, and how many seeds diverged."""
    text = f"{fmt(row[f'{split}_mean'], spec)} ({fmt(row[f'{split}_min'], spec)}-"
    text += f"{fmt(row[f'{split}_max'], spec)})"
    return text + (f", {row['diverged']} diverged" if row["diverged"] else "")


def final_loss_lines(
    config: CharInitConfig, finals: dict[str, Any], lecture_corpus: bool
) -> list[str]:
    """The lecture's final validation losses beside the measured train and validation losses."""
    runs, seeds = finals["runs"], finals["seeds"]
    header = [
        "run",
        "the lecture: val loss",
        f"train loss (whole split), mean over {len(seeds)} seeds (min-max)",
        "val loss, mean (min-max)",
    ]
    rows = [
        [
            label,
            fmt(LECTURE_VAL.get(label), ".2f"),
            spread(row, "train_loss"),
            spread(row, "val_loss"),
        ]
        for label, row in runs.items()
    ]
    naive, fixed = runs["naive"]["val_loss_mean"], runs["hidden-fix"]["val_loss_mean"]
    gap = None if naive is None or fixed is None else naive - fixed
    lecture_gap = LECTURE_VAL["naive"] - LECTURE_VAL["hidden-fix"]
    normed = len(seeds) * sum(batchnorm for _, batchnorm in CURVES.values())
    plain = len(seeds) * len(CURVES) - normed
    where = (
        "on the same names file as the lecture, so the levels compare directly"
        if lecture_corpus
        else "on another corpus than the lecture's: compare the gap, not the level"
    )
    horizon = (
        f"at the documents' horizon ({STEPS:,} steps)"
        if config.steps == STEPS
        else f"at {config.steps:,} steps, not the documents' {STEPS:,} (the levels are not "
        "the lecture's)"
    )
    lines = [
        f'The lecture: "{VAL_CLAIM.statement}" Its notes print the validation loss alone, for '
        "the naive init and with both fixes (n/a: none printed); our hidden-fix run applies "
        f"both fixes. Each run here was trained with weight seeds {', '.join(map(str, seeds))} "
        f"(the {plain} runs without BatchNorm trained together as one stacked model, the "
        f"{normed} with it as another), {horizon}, {where}. Losses are over the whole split, in "
        "eval mode, after the last step "
        "(`final_losses.json`, `final_losses.png`).",
        "",
        *markdown_table(header, rows),
        "",
        f"The fixes {'lower' if gap is None or gap >= 0 else 'raise'} the mean validation "
        f"loss by {fmt(None if gap is None else abs(gap), '.4f')} (naive {fmt(naive, '.4f')} -> "
        f"hidden-fix {fmt(fixed, '.4f')}); the lecture's falls by {lecture_gap:.2f} "
        f"({LECTURE_VAL['naive']:.2f} -> {LECTURE_VAL['hidden-fix']:.2f}).",
    ]
    return lines


def readme(
    config: CharInitConfig,
    seed: int,
    corpus: dict[str, Any],
    table: dict[str, Any],
    curves: dict[str, dict[str, Any]],
    finals: dict[str, Any],
    counts: dict[str, int],
    diagnostics: dict[str, JSONValue],
    samples: dict[str, list[str]],
    no_samples: dict[str, str],
) -> list[str]:
    """Each claim, what was run, and the measured numbers beside the documents'."""
    log_v, v = table["log_v"], table["vocab_size"]
    half = config.half
    lecture_corpus = config.corpus in (None, DEFAULT_CORPUS)
    rows = [
        [
            label,
            f"{row['parameters']:,}",
            fmt(row["first_loss"], ".3f"),
            fmt(row["loss_steps_90_110"], ".3f"),
            fmt(row["first_step_below_log_v"], "d"),
            f"{fmt(row['logit_std_step_0'], '.2f')} / {fmt(row['logit_std_step_100'], '.2f')}"
            f" / {fmt(row['logit_std_step_1000'], '.2f')}",
            fmt(row["train_loss_end_of_first_half"], ".3f"),
            fmt(row["train_loss_last_100"], ".3f"),
            fmt(row["val_loss"], ".4f"),
        ]
        for label, row in curves.items()
    ]
    header = [
        "run",
        "params",
        "step-0 loss",
        "loss, steps 90-110",
        f"first step below log V ({BELOW_LOG_V_WINDOW}-step mean)",
        "logit std at 0 / 100 / 1000",
        f"train loss, last {SMOOTH} of lr {config.lr:g}",
        f"train loss, last {SMOOTH}",
        "val loss",
    ]
    corpus_words = (
        "the lecture's numbers were measured on this file"
        if lecture_corpus
        else "the lecture measured on its own names file"
    )
    lines = [
        f"Corpus: {corpus['description']}; {corpus['names']:,} names, V = {v} "
        f'("." is token 0), context 3, 80/10/10 split of the shuffled names '
        f"({corpus['train']:,} / {corpus['val']:,} / {corpus['test']:,} windows). "
        f"{corpus_words.capitalize()}; the post used bird names (V = {POST_V:g}): numbers that "
        "depend on the corpus are shown beside ours, and judged on the mechanism.",
        "",
        f"Model: the post's first model (embedding 10, context 3, hidden 200, tanh). Training: "
        f"plain SGD, batch 32, lr {config.lr:g} for {half:,} steps then {config.lr / 10:g} for "
        f"{config.steps - half:,} (the post: {STEPS:,} steps, the drop at {STEPS // 2:,}).",
        "",
        "## The loss of a uniform guess (blog.uniform-guess-loss, lecture.initial-loss)",
        "",
        f"log V = {log_v:.4f} for V = {v}; ln {POST_V:g} = "
        f'{math.log(POST_V):.4f}. The lecture: "{CLAIMS["lecture.initial-loss"].statement}" '
        f'The post: "{CLAIMS["blog.uniform-guess-loss"].statement}"',
        "",
        "## First-batch loss (blog.naive-init-loss, blog.output-scale-fix, blog.hidden-scale-fix,"
        " lecture.overconfident-logits)",
        "",
        *first_batch_table(table),
        "",
        "The naive init's logits are large (N(0, 1) output weights over saturated tanh units), "
        "so the softmax is confidently wrong; shrinking the output layer brings the loss near "
        "log V, and shrinking the hidden layer too brings it closer still.",
        "",
        "## Parameter counts (blog.param-counts)",
        "",
        f"At the post's V = {POST_V:g}: first model {counts['first_model_v29']:,} (with the "
        "BatchNorm gain and bias the post's create_model always allocates; without them "
        f"{counts['first_model_v29_without_bn']:,}); 5-layer BatchNorm model "
        f'{counts["five_layer_bn_v29"]:,}. The post: "{CLAIMS["blog.param-counts"].statement}" '
        f"At our V = {v}: {counts['first_model_ours']:,} and {counts['five_layer_bn_ours']:,}.",
        "",
        "## Final losses against the lecture's (lecture.val-loss-improves, "
        "blog.init-fixes-converge)",
        "",
        *final_loss_lines(config, finals, lecture_corpus),
        "",
        f"The post's BatchNorm run ends at dev loss {POST_DEV_LOSS_BATCHNORM} on bird names (a "
        "different corpus and vocabulary: not comparable in level). The spec judges these claims "
        "at its own tier's horizon (`reports/claims.json` gives each verdict's steps); the "
        "BatchNorm learning-rate sweep (blog.bn-stabilises) is in "
        "`spec/makemore/test_batchnorm_lr.py`.",
        "",
        "## Loss curves and the hockey stick (lecture.hockey-stick, blog.init-fixes-converge)",
        "",
        f"Weight seed {seed}, one run a row:",
        "",
        *markdown_table(header, rows),
        "",
        f"`loss_curves_start.png`: the first {START} steps (log scale), where the naive run's "
        "hockey stick is: a fast drop that only shrinks its logits (their std falls) and stays "
        "above log V for hundreds of steps, while the fixed runs start near log V "
        f"({BELOW_LOG_V_WINDOW - 1}, the first step a {BELOW_LOG_V_WINDOW}-step mean can be "
        f"read, means: at once). `loss_curves.png`: the whole run, {SMOOTH}-step means.",
        "",
        "## Diagnostics (blog.bn-deep-stats, blog.gain-*, blog.update-ratio, lecture.diagnostics)",
        "",
        *diagnostics_lines(config, diagnostics),
        "",
        f"## Samples (lecture.sampling), weight seed {seed}",
        "",
    ]
    for label, names in samples.items():
        text = ", ".join(names) if names else f"(no samples: {no_samples.get(label, 'none drawn')})"
        lines.append(f"- {label}: {text}")
    lines += ["", "`samples.json` holds them; `manifest.json` the setup, seeds and numbers."]
    return lines


def diagnostics_lines(config: CharInitConfig, summary: dict[str, Any]) -> list[str]:
    """A short account of the diagnostics section's numbers (figures in ``diagnostics/``)."""
    rows = []
    for label, case in summary.get("gain_study", {}).items():
        layers = case.get("layers", [])
        std = ", ".join(fmt(layer.get("std"), ".2f") for layer in layers)
        sat = ", ".join(fmt(100 * layer.get("saturation", math.nan), ".1f") for layer in layers)
        grad = ", ".join(fmt(layer.get("grad_std"), ".1e") for layer in layers)
        rows.append([label, std, sat, grad])
    header = [
        "case",
        "activation std per layer",
        "saturated % (abs > 0.97) per layer",
        "grad std per layer",
    ]
    lines = [
        f"The {config.depth}-layer tanh MLP (hidden {config.width}) at init, one batch of "
        f"{BATCH_SIZE}, per tanh layer "
        "(figures in `diagnostics/`):",
        "",
        *markdown_table(header, rows),
    ]
    update = summary.get("update_ratio", {})
    ratios = update.get("mean_log10_ratio_last_half", {})
    if ratios:
        text = ", ".join(f"{name} {fmt(value, '.2f')}" for name, value in ratios.items())
        lines += [
            "",
            f"Update:data ratio, log10(lr x std(grad) / std(param)), mean over the last half "
            f"of {update.get('steps')} steps at lr {update.get('lr')} (the post: near -3): "
            f"{text}.",
        ]
    return lines


LAB: Lab[CharInitConfig, Results] = Lab(
    key="makemore",
    directory=DIRECTORY,
    title=TITLE,
    config=CharInitConfig,
    run=run,
    report=report,
    files=(
        "final_losses.json",
        "final_losses.png",
        "first_batch_losses.json",
        "first_batch_losses.md",
        "loss_curves.png",
        "loss_curves_start.png",
        "losses.json",
        "samples.json",
        "diagnostics",
    ),
    check=check,
    plan=plan,
)
