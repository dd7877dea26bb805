"""The makemore lab: initialising a character-level MLP, as the blog post and the lecture do.

On a corpus of names (by default the census first names the ``names`` package ships, V = 27;
``--corpus FILE`` for your own), the post's first model (embedding 10, context 3, hidden 200,
tanh) is built three ways: naive N(0, 1) everywhere, the output fix (W2 x 0.1, b2 = 0) and the
hidden fix (also W1 x 0.1, b1 = 0). The lab writes:

* ``first_batch_losses.json`` / ``.md``: each init's first-batch loss against log V (10 seeds);
* ``loss_curves.png`` (whole run, 100-step means) and ``loss_curves_start.png`` (the first
  1000 steps, where the hockey stick is): naive, output fix, hidden fix, and hidden fix with
  BatchNorm (the post's ``use_batch_norm`` run), plain SGD, batch 32, lr 0.1 then 0.01 for the
  second half (the post's schedule, shortened from 200,000 steps);
* ``diagnostics/``: the gain and update-ratio figures (:mod:`initspec.labs.makemore_diagnostics`);
* ``samples.json``: names sampled from each trained model;
* ``losses.json``, ``manifest.json`` and a ``README.md`` that walks the claims with the numbers.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from initspec.artifacts import JSONValue, manifest, round_floats, write_json
from initspec.charmodel import (
    BLOG_LR,
    CHAR_INITS,
    blog_config,
    build_char_mlp,
    build_deep_char_mlp,
    first_batch_loss,
    sample,
)
from initspec.corpus import (
    CORPUS_DESCRIPTION,
    CharSplits,
    Vocabulary,
    char_splits,
    default_splits,
    load_names,
)
from initspec.labs import LabOptions
from initspec.models import count_parameters
from initspec.plots import plot_loss_curves
from initspec.progress import step_printer
from initspec.threads import single_thread
from initspec.train import TrainResult, train

DIRECTORY = "10-makemore-init"
TITLE = "Makemore: initialising a character-level MLP"

STEPS = 20_000  # the post trains 200,000 steps; this length runs in a few minutes on a laptop
FIRST_BATCH_SEEDS = 10
SAMPLES = 20
START = 1000  # steps shown in the hockey-stick figure
SMOOTH = 100  # window of the means in the whole-run figure and losses.json
OVERRIDABLE = ("steps", "lr", "corpus", "depth", "width")
DIAGNOSTICS_MODULE = "initspec.labs.makemore_diagnostics"
# The documents' numbers (the post: bird names, V = 29; the lecture: its names file, V = 27).
DOC_FIRST_LOSS = {"naive": 23.4012, "output-fix": 3.9139, "hidden-fix": 3.4889}
DOC_VAL = {"lecture naive": 2.17, "lecture fixed": 2.10, "post BatchNorm dev": 1.4285}
CURVES = {  # label -> (init, batchnorm)
    "naive": ("naive", False),
    "output-fix": ("output-fix", False),
    "hidden-fix": ("hidden-fix", False),
    "hidden-fix + BatchNorm": ("hidden-fix", True),
}


@dataclass(frozen=True)
class MakemoreConfig:
    steps: int = STEPS
    lr: float = BLOG_LR
    corpus: str | None = None  # a names file; None: the packaged census first names


def config_from(options: LabOptions) -> MakemoreConfig:
    """The defaults with ``options.overrides`` applied; ValueError (one line) on a bad one."""
    overrides = dict(options.overrides)
    unknown = sorted(set(overrides) - set(OVERRIDABLE))
    if unknown:
        raise ValueError(
            f"the makemore lab does not take {', '.join(unknown)}; it takes {OVERRIDABLE}"
        )
    steps = overrides.get("steps", STEPS)
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 2:
        raise ValueError(f"steps must be an integer >= 2, got {steps!r}")
    lr = overrides.get("lr", BLOG_LR)
    if (
        isinstance(lr, bool)
        or not isinstance(lr, (int, float))
        or not (math.isfinite(lr) and lr > 0)
    ):
        raise ValueError(f"learning rate must be a positive finite number, got {lr!r}")
    corpus = overrides.get("corpus")
    return MakemoreConfig(steps, float(lr), None if corpus is None else str(corpus))


def load_corpus(config: MakemoreConfig, seed: int) -> tuple[Vocabulary, CharSplits]:
    """The vocabulary and context-3 splits; ValueError (one line) if the corpus cannot serve."""
    if config.corpus is None:
        return default_splits(seed)
    names = load_names(Path(config.corpus))
    vocab = Vocabulary.from_names(names)
    splits = char_splits(names, vocab, context=3, seed=seed)
    if len(names) < 10 or len(splits.train) < 32 or len(splits.val) == 0:
        raise ValueError(
            f"corpus file {config.corpus} is too small: {len(names)} names give "
            f"{len(splits.train)} training windows (need >= 10 names and >= 32 windows)"
        )
    return vocab, splits


def validate(options: LabOptions) -> None:
    """Reject a bad override or an unusable --corpus file before anything is written.

    ``depth`` and ``width`` reach only the diagnostics section (its 5-layer model).
    """
    config = config_from(options)
    load_corpus(config, options.seed)
    if importlib.util.find_spec(DIAGNOSTICS_MODULE) is None:
        raise ValueError(f"the makemore lab needs {DIAGNOSTICS_MODULE} (its diagnostics figures)")


def first_batch_table(vocab: Vocabulary, splits: CharSplits, seed: int) -> dict[str, Any]:
    """Each init's first-batch loss over ``FIRST_BATCH_SEEDS`` weight (= data) seeds."""
    seeds = [seed + i for i in range(FIRST_BATCH_SEEDS)]
    rows = {}
    for init in CHAR_INITS:
        losses = [
            first_batch_loss(build_char_mlp(vocab.size, init=init, seed=s), splits, s)
            for s in seeds
        ]
        rows[init] = {
            "mean": statistics.mean(losses),
            "min": min(losses),
            "max": max(losses),
            "per_seed": losses,
            "doc_value_v29": DOC_FIRST_LOSS[init],
        }
    return {"log_v": math.log(vocab.size), "vocab_size": vocab.size, "seeds": seeds, "inits": rows}


def first_batch_markdown(table: dict[str, Any]) -> str:
    lines = [
        f"| init | first-batch loss, mean over {len(table['seeds'])} seeds (min-max) | "
        "log V | the post (V = 29) |",
        "|---|---|---|---|",
    ]
    for init, row in table["inits"].items():
        lines.append(
            f"| {init} | {row['mean']:.3f} ({row['min']:.2f}-{row['max']:.2f}) | "
            f"{table['log_v']:.4f} (V = {table['vocab_size']}) | {row['doc_value_v29']} |"
        )
    return "\n".join(lines) + "\n"


def train_with_decay(
    model: nn.Module,
    splits: CharSplits,
    config: MakemoreConfig,
    seed: int,
    label: str,
    progress: bool,
) -> TrainResult:
    """The post's loop: ``lr`` for the first half, ``lr / 10`` for the second half.

    Data seed ``seed`` orders the first half's batches and ``seed + 1`` the second's. The
    probe reads the logits' std on 512 validation examples every 10 steps.
    """
    data = splits.as_dataset()
    probe_x = splits.val.x[:512]

    def logit_std(m: nn.Module) -> float:
        with torch.no_grad():
            return float(m(probe_x).std().item())

    def phase(steps: int, lr: float, data_seed: int) -> TrainResult:
        printer = (
            step_printer(f"{label}, lr {lr:g}", steps, max(steps // 4, 1)) if progress else None
        )
        train_config = blog_config(steps, lr=lr, data_seed=data_seed, probe_every=10)
        return train(model, data, train_config, {"logit_std": logit_std}, printer)

    half = config.steps // 2
    first = phase(half, config.lr, seed)
    if first.first_nan_step is not None:
        padding: list[float | None] = [None] * (config.steps - half)
        return TrainResult(first.losses + padding, first.first_nan_step, None, None, first.probes)
    second = phase(config.steps - half, config.lr / 10, seed + 1)
    nan = None if second.first_nan_step is None else half + second.first_nan_step
    probes = {
        name: first.probes[name] + [(half + step, value) for step, value in second.probes[name]]
        for name in first.probes
    }
    losses = first.losses + second.losses
    return TrainResult(losses, nan, second.val_loss, second.val_accuracy, probes)


def window_means(losses: list[float | None], window: int) -> list[float | None]:
    """Trailing means over ``window`` steps (None once a NaN is inside the window)."""
    out: list[float | None] = []
    for step in range(len(losses)):
        chunk = losses[max(0, step - window + 1) : step + 1]
        values = [x for x in chunk if x is not None]
        out.append(sum(values) / len(values) if len(values) == len(chunk) else None)
    return out


def steps_above(losses: list[float | None], level: float, window: int = 50) -> int | None:
    """First step at which the trailing ``window``-step mean is <= ``level`` (None: never)."""
    for step, mean in enumerate(window_means(losses, window)):
        if step >= window - 1 and mean is not None and mean <= level:
            return step
    return None


@dataclass(frozen=True)
class Curve:
    label: str
    init: str
    batchnorm: bool
    parameters: int
    result: TrainResult
    samples: list[str]

    def summary(self, log_v: float, half: int) -> dict[str, Any]:
        losses, probes = self.result.losses, dict(self.result.probes["logit_std"])
        finite = self.result.finite_losses

        def mean(start: int, stop: int) -> float | None:
            chunk = [x for x in losses[start:stop] if x is not None]
            return sum(chunk) / len(chunk) if chunk else None

        return {
            "init": self.init,
            "batchnorm": self.batchnorm,
            "parameters": self.parameters,
            "first_loss": finite[0] if finite else None,
            "loss_steps_90_110": mean(90, 110),
            "first_step_below_log_v": steps_above(losses, log_v),
            "logit_std_step_0": probes.get(0),
            "logit_std_step_100": probes.get(100),
            "logit_std_step_1000": probes.get(1000),
            "train_loss_end_of_first_half": mean(half - SMOOTH, half),
            "train_loss_last_100": mean(len(losses) - SMOOTH, len(losses)),
            "val_loss": self.result.val_loss,
            "first_nan_step": self.result.first_nan_step,
        }


def train_curves(
    vocab: Vocabulary, splits: CharSplits, config: MakemoreConfig, seed: int, progress: bool
) -> list[Curve]:
    """One run per entry of ``CURVES``: same weight seed, same batches."""
    curves = []
    for label, (init, batchnorm) in CURVES.items():
        model = build_char_mlp(vocab.size, init=init, batchnorm=batchnorm, seed=seed)
        result = train_with_decay(model, splits, config, seed, label, progress)
        names = sample(model, vocab, SAMPLES, seed=seed) if result.val_loss is not None else []
        curves.append(Curve(label, init, batchnorm, count_parameters(model), result, names))
    return curves


def diagnostics_section(
    out_dir: Path, options: LabOptions, vocab: Vocabulary, splits: CharSplits
) -> dict[str, JSONValue]:
    """The gain and update-ratio figures, written by the diagnostics module into ``out_dir``."""
    try:
        module = importlib.import_module(DIAGNOSTICS_MODULE)
    except ModuleNotFoundError as error:
        raise RuntimeError(
            f"the makemore lab needs {DIAGNOSTICS_MODULE} for its diagnostics figures: {error}"
        ) from None
    summary: dict[str, JSONValue] = module.run_diagnostics_section(out_dir, options, vocab, splits)
    return summary


def parameter_counts(vocab: Vocabulary) -> dict[str, int]:
    return {
        "first_model_v29": count_parameters(build_char_mlp(29, batchnorm=True)),
        "first_model_v29_without_bn": count_parameters(build_char_mlp(29)),
        "five_layer_bn_v29": count_parameters(build_deep_char_mlp(29, batchnorm=True)),
        "first_model_ours": count_parameters(build_char_mlp(vocab.size, batchnorm=True)),
        "five_layer_bn_ours": count_parameters(build_deep_char_mlp(vocab.size, batchnorm=True)),
    }


def _fmt(value: Any, spec: str = ".3f") -> str:
    return "n/a" if value is None else format(value, spec)


def readme(
    config: MakemoreConfig,
    corpus: dict[str, Any],
    table: dict[str, Any],
    curves: dict[str, dict[str, Any]],
    counts: dict[str, int],
    diagnostics: dict[str, Any],
    samples: dict[str, list[str]],
) -> str:
    """The lab's README: each claim, what was run, and the measured numbers beside the doc's."""
    log_v, v = table["log_v"], table["vocab_size"]
    half = config.steps // 2
    lines = [
        f"# {TITLE}",
        "",
        f"Corpus: {corpus['description']}; {corpus['names']:,} names, V = {v} "
        f'("." is token 0), context 3, 80/10/10 split of the shuffled names '
        f"({corpus['train']:,} / {corpus['val']:,} / {corpus['test']:,} windows). The post "
        "used 10,976 bird names (V = 29), the lecture its names file (V = 27): numbers that "
        "depend on the corpus are shown beside ours, and judged on the mechanism.",
        "",
        f"Model: the post's first model (embedding 10, context 3, hidden 200, tanh). Training: "
        f"plain SGD, batch 32, lr {config.lr:g} for {half:,} steps then {config.lr / 10:g} for "
        f"{config.steps - half:,} (the post: 200,000 steps, decay at 100,000).",
        "",
        "## The loss of a uniform guess (blog.uniform-guess-loss, lecture.initial-loss)",
        "",
        f'log V = {log_v:.4f} for V = {v}. ln 27 = {math.log(27):.4f} (the lecture: "≈ 3.29", '
        f"which truncates 3.2958); ln 29 = {math.log(29):.4f} (the post: 3.3673).",
        "",
        "## First-batch loss (blog.naive-init-loss, blog.output-scale-fix, blog.hidden-scale-fix,"
        " lecture.overconfident-logits)",
        "",
        first_batch_markdown(table),
        "The naive init's logits are large (N(0, 1) output weights over saturated tanh units), "
        "so the softmax is confidently wrong; shrinking the output layer brings the loss near "
        "log V, and shrinking the hidden layer too brings it closer still.",
        "",
        "## Parameter counts (blog.param-counts)",
        "",
        f"At the post's V = 29: first model {counts['first_model_v29']:,} (the post: 12,719, "
        f"which counts the BatchNorm gain and bias its create_model always allocates; without "
        f"them {counts['first_model_v29_without_bn']:,}); 5-layer BatchNorm model "
        f"{counts['five_layer_bn_v29']:,} (the post: 47,719). At our V = {v}: "
        f"{counts['first_model_ours']:,} and {counts['five_layer_bn_ours']:,}.",
        "",
        "## Loss curves, the hockey stick, and the final loss (lecture.hockey-stick, "
        "blog.init-fixes-converge, lecture.val-loss-improves)",
        "",
        "| run | params | step-0 loss | loss, steps 90-110 | first step below log V (50-step "
        "mean) | logit std at 0 / 100 / 1000 | train loss, last 100 of lr "
        f"{config.lr:g} | train loss, last 100 | val loss |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, row in curves.items():
        lines.append(
            f"| {label} | {row['parameters']:,} | {_fmt(row['first_loss'])} | "
            f"{_fmt(row['loss_steps_90_110'])} | {_fmt(row['first_step_below_log_v'], 'd')} | "
            f"{_fmt(row['logit_std_step_0'], '.2f')} / {_fmt(row['logit_std_step_100'], '.2f')}"
            f" / {_fmt(row['logit_std_step_1000'], '.2f')} | "
            f"{_fmt(row['train_loss_end_of_first_half'])} | {_fmt(row['train_loss_last_100'])} "
            f"| {_fmt(row['val_loss'], '.4f')} |"
        )
    lines += [
        "",
        "`loss_curves_start.png`: the first 1000 steps (log scale), where the naive run's "
        "hockey stick is: a fast drop that only shrinks its logits (their std falls) and stays "
        "above log V for hundreds of steps, while the fixed runs start near log V (49, the "
        "first step a 50-step mean can be read, means: at once). "
        f"`loss_curves.png`: the whole run, {SMOOTH}-step means.",
        "",
        f"The documents: the lecture's validation loss goes {DOC_VAL['lecture naive']:.2f} -> "
        f"{DOC_VAL['lecture fixed']:.2f} with the fixes (200,000 steps); the post's BatchNorm run "
        f"ends at dev loss {DOC_VAL['post BatchNorm dev']} on bird names (a different corpus "
        "and vocabulary: not comparable in level). The spec tier judges the mechanism at 3,000 "
        "steps over 3 seeds; the BatchNorm learning-rate sweep (blog.bn-stabilises) is in "
        "`spec/makemore/test_batchnorm_lr.py`.",
        "",
        "## Diagnostics (blog.bn-deep-stats, blog.gain-*, blog.update-ratio, lecture.diagnostics)",
        "",
        *diagnostics_lines(diagnostics),
        "",
        "## Samples (lecture.sampling)",
        "",
    ]
    for label, names in samples.items():
        lines.append(f"- {label}: {', '.join(names) if names else '(run diverged)'}")
    lines += ["", "`samples.json` holds them; `manifest.json` the setup, seeds and numbers."]
    return "\n".join(lines) + "\n"


def diagnostics_lines(summary: dict[str, Any]) -> list[str]:
    """A short account of the diagnostics section's numbers (figures in ``diagnostics/``)."""
    lines = [
        "The 5-layer tanh MLP (hidden 100) at init, one batch of 32, per tanh layer "
        "(figures in `diagnostics/`):",
        "",
        "| case | activation std per layer | saturated % (abs > 0.97) per layer | grad std per "
        "layer |",
        "|---|---|---|---|",
    ]
    for label, case in summary.get("gain_study", {}).items():
        layers = case.get("layers", [])
        std = ", ".join(_fmt(layer.get("std"), ".2f") for layer in layers)
        sat = ", ".join(_fmt(100 * layer.get("saturation", math.nan), ".1f") for layer in layers)
        grad = ", ".join(_fmt(layer.get("grad_std"), ".1e") for layer in layers)
        lines.append(f"| {label} | {std} | {sat} | {grad} |")
    update = summary.get("update_ratio", {})
    ratios = update.get("mean_log10_ratio_last_half", {})
    if ratios:
        text = ", ".join(f"{name} {_fmt(value, '.2f')}" for name, value in ratios.items())
        lines += [
            "",
            f"Update:data ratio, log10(lr x std(grad) / std(param)), mean over the last half "
            f"of {update.get('steps')} steps at lr {update.get('lr')} (the post: near -3): "
            f"{text}.",
        ]
    return lines


def run(out_dir: Path, options: LabOptions) -> None:
    """Write the lab's files into ``out_dir``."""
    config = config_from(options)
    start = time.perf_counter()
    out_dir = Path(out_dir)
    seed = options.seed
    with single_thread():
        vocab, splits = load_corpus(config, seed)
        table = first_batch_table(vocab, splits, seed)
        curves = train_curves(vocab, splits, config, seed, options.progress)
        diagnostics = diagnostics_section(out_dir / "diagnostics", options, vocab, splits)
    log_v = math.log(vocab.size)
    corpus = {
        "description": CORPUS_DESCRIPTION if config.corpus is None else f"file {config.corpus}",
        "names": len(load_names(None if config.corpus is None else Path(config.corpus))),
        "vocab_size": vocab.size,
        "train": len(splits.train),
        "val": len(splits.val),
        "test": len(splits.test),
    }
    summaries = round_floats({c.label: c.summary(log_v, config.steps // 2) for c in curves})
    samples = {c.label: c.samples for c in curves}
    counts = parameter_counts(vocab)
    table = round_floats(table)

    write_json(out_dir / "first_batch_losses.json", table)
    (out_dir / "first_batch_losses.md").write_text(first_batch_markdown(table), encoding="utf-8")
    title = f"char MLP (hidden 200), SGD lr {config.lr:g} -> {config.lr / 10:g}, V = {vocab.size}"
    plot_loss_curves(
        out_dir / "loss_curves.png",
        {c.label: round_floats(window_means(c.result.losses, SMOOTH)) for c in curves},
        title=f"{title}: {SMOOTH}-step means",
        nan_steps={c.label: c.result.first_nan_step for c in curves},
        chance_level=log_v,
    )
    plot_loss_curves(
        out_dir / "loss_curves_start.png",
        {c.label: round_floats(c.result.losses[:START]) for c in curves},
        title=f"{title}: the first {START} steps",
        nan_steps={c.label: c.result.first_nan_step for c in curves},
        chance_level=log_v,
    )
    write_json(
        out_dir / "losses.json",
        {
            "steps": config.steps,
            "first_steps": {c.label: round_floats(c.result.losses[:START]) for c in curves},
            "means_every_100_steps": {
                c.label: round_floats(window_means(c.result.losses, SMOOTH)[SMOOTH - 1 :: SMOOTH])
                for c in curves
            },
            "logit_std": {c.label: round_floats(c.result.probes["logit_std"]) for c in curves},
        },
    )
    write_json(out_dir / "samples.json", samples)
    text = readme(config, corpus, table, summaries, counts, diagnostics, samples)
    (out_dir / "README.md").write_text(text, encoding="utf-8")
    write_json(
        out_dir / "manifest.json",
        manifest(
            lab="makemore",
            config={**asdict(config), "corpus_description": corpus["description"]},
            seeds={"weights": seed, "data": [seed, seed + 1], "first_batch": table["seeds"]},
            results_summary={
                "corpus": corpus,
                "first_batch_losses": {k: v["mean"] for k, v in table["inits"].items()},
                "curves": summaries,
                "parameter_counts": counts,
                "diagnostics": diagnostics,
            },
            wall_time_s=time.perf_counter() - start,
        ),
    )
