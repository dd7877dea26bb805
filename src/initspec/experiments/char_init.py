"""Initialising a character-level MLP, as the blog post and the lecture do.

On a corpus of names (by default the lecture's own names file, V = 27; the census first names
or a file of one name a line otherwise), the post's first model (embedding 10, context 3,
hidden 200, tanh) is built three ways: naive N(0, 1) everywhere, the output fix (W2 x 0.1,
b2 = 0) and the hidden fix (also W1 x 0.1, b1 = 0).

* :func:`first_batch_losses`: each init's loss on the first training batch, over 10 seeds,
  against log V and the post's printed values;
* :func:`train_curves`: naive, output fix, hidden fix, and hidden fix with BatchNorm (the
  post's ``use_batch_norm`` run), each over :data:`LOSS_SEEDS` weight seeds, trained with plain
  SGD, batch 32, lr then lr / 10 for the second half (the post's schedule: 200,000 steps, the
  drop at step 100,000), with the loss over the whole train and validation splits at the end
  (the lecture's table) and names sampled from each trained model. The runs of one model shape
  train together as one stacked model (:mod:`initspec.training.stacked`): each run's weights,
  batches and BatchNorm statistics are its own, and a step costs little more than one run's;
* :func:`parameter_counts`: the models' sizes at the post's V = 29 and at ours.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from initspec.data.corpus import (
    CORPORA,
    DEFAULT_CORPUS,
    CharSplit,
    CharSplits,
    Vocabulary,
    char_splits,
    check_shape,
    default_splits,
    load_names,
)
from initspec.experiments.options import FLOAT32_MAX, FLOAT32_MIN, MAX_STEPS, check_options, option
from initspec.metrics import first_mean_below, first_nan_step, mean, tail_mean, window_mean
from initspec.models.charmodel import CHAR_INITS, build_char_mlp, build_deep_char_mlp, sample
from initspec.models.mlp import count_parameters
from initspec.runtime.progress import step_printer
from initspec.training.blog_recipe import BLOG_LR, blog_config, first_batch_loss
from initspec.training.loop import TrainResult
from initspec.training.parallel import side_by_side
from initspec.training.stacked import StackedCharMLP, train_stacked

STEPS = 200_000  # the post's n_steps; its learning rate drops to a tenth at step 100,000
LOSS_SEEDS = 3  # weight seeds per run of CURVES (stacked: a step costs little more than one's)
FIRST_BATCH_SEEDS = 10
SAMPLES = 20
SMOOTH = 100  # window of the means read at the end of each half
BELOW_LOG_V_WINDOW = 50  # "first step below log V" reads a 50-step trailing mean
PROBE_EVERY = 10  # the logit-std probe's period, in steps
PROBE_EXAMPLES = 512  # validation windows the probe reads
PROGRESS_LINES = 20  # progress lines a half of a run prints (without a progress bar)
EVAL_CHUNK = 32_768  # windows a split-loss forward pass takes at once
CORPUS_MAX_BYTES = 16 * 2**20  # a names file larger than 16 MiB is refused before it is read
CURVES = {  # label -> (init, batchnorm)
    "naive": ("naive", False),
    "output-fix": ("output-fix", False),
    "hidden-fix": ("hidden-fix", False),
    "hidden-fix + BatchNorm": ("hidden-fix", True),
}


@dataclass(frozen=True)
class CharInitConfig:
    """The makemore lab's setup. ``depth`` and ``width`` are the diagnostics' deep model's."""

    steps: int = option(
        STEPS,
        "training steps (lr for the first half, lr / 10 for the second)",
        low=2,
        high=MAX_STEPS,
    )
    lr: float = option(
        BLOG_LR, "learning rate of the first half", low=FLOAT32_MIN, high=FLOAT32_MAX
    )
    corpus: str | None = option(
        None,
        f"a packaged corpus by name ({', '.join(CORPORA)}; the default is {DEFAULT_CORPUS}), or "
        "a UTF-8 names file, one name a line (lowercased; accents and punctuation dropped), at "
        f"most {CORPUS_MAX_BYTES // 2**20} MiB",
        metavar="NAME|FILE",
    )
    depth: int = option(5, "tanh layers of the diagnostics' deep model", low=1, high=10_000)
    width: int = option(100, "hidden width of the diagnostics' deep model", low=1, high=100_000)

    def __post_init__(self) -> None:
        check_options(self)
        if self.corpus is not None and self.corpus not in CORPORA:
            path = Path(self.corpus)
            if self.corpus == "" or not path.is_file():
                raise ValueError(
                    f"--corpus: file {self.corpus!r} does not exist or is not a file "
                    f"(the packaged corpora are {', '.join(CORPORA)})"
                )
            size = os.stat(path).st_size
            if size > CORPUS_MAX_BYTES:
                raise ValueError(
                    f"--corpus: file {self.corpus} holds {size:,} bytes, more than the "
                    f"{CORPUS_MAX_BYTES:,} a names file may have"
                )
            try:
                check_shape(path)
            except OSError as error:
                raise ValueError(f"--corpus: file {self.corpus} cannot be read: {error}") from None
            except ValueError as error:
                raise ValueError(f"--corpus: {error}") from None

    @property
    def half(self) -> int:
        """The step at which the learning rate drops to a tenth."""
        return self.steps // 2


@dataclass(frozen=True)
class Corpus:
    """The names, their vocabulary (``.`` is token 0) and the context-3 splits."""

    description: str
    names: int
    vocab: Vocabulary
    splits: CharSplits

    def summary(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "names": self.names,
            "vocab_size": self.vocab.size,
            "train": len(self.splits.train),
            "val": len(self.splits.val),
            "test": len(self.splits.test),
        }


def load_corpus(corpus: str | None, seed: int) -> Corpus:
    """A packaged corpus by name (None: the lecture's) or a file's names; ValueError (one line)
    if the file cannot serve: missing, empty, or too small for a training batch.

    A name of :data:`~initspec.data.corpus.CORPORA` is the packaged corpus even if a file of that
    name lies in the working directory (``./census`` reads the file)."""
    name = DEFAULT_CORPUS if corpus is None else corpus
    if name in CORPORA:
        vocab, splits = default_splits(seed, name)
        return Corpus(CORPORA[name], len(load_names(name)), vocab, splits)
    names = load_names(Path(name))
    vocab = Vocabulary.from_names(names)
    splits = char_splits(names, vocab, context=3, seed=seed)
    if len(names) < 10 or len(splits.train) < 32 or len(splits.val) == 0:
        raise ValueError(
            f"corpus file {name} is too small: {len(names)} names give "
            f"{len(splits.train)} training windows (need >= 10 names and >= 32 windows)"
        )
    return Corpus(f"file {name}", len(names), vocab, splits)


@dataclass(frozen=True)
class FirstBatchLosses:
    """Each init's first-batch loss for weight (= data) seeds ``seeds``."""

    vocab_size: int
    seeds: list[int]
    losses: dict[str, list[float]]  # init -> loss per seed

    @property
    def log_v(self) -> float:
        return math.log(self.vocab_size)

    def table(self, document_losses: Mapping[str, float]) -> dict[str, Any]:
        """Per init: mean, min, max, every seed's loss, and the post's value ``document_losses``
        (its bird names, V = 29)."""
        rows = {
            init: {
                "mean": mean(losses),
                "min": min(losses),
                "max": max(losses),
                "per_seed": losses,
                "doc_value_v29": document_losses[init],
            }
            for init, losses in self.losses.items()
        }
        return {
            "log_v": self.log_v,
            "vocab_size": self.vocab_size,
            "seeds": self.seeds,
            "inits": rows,
        }


def first_batch_losses(vocab: Vocabulary, splits: CharSplits, seed: int) -> FirstBatchLosses:
    """Each init's first-batch loss over ``FIRST_BATCH_SEEDS`` seeds from ``seed`` on."""
    seeds = [seed + i for i in range(FIRST_BATCH_SEEDS)]
    losses = {
        init: [
            first_batch_loss(build_char_mlp(vocab.size, init=init, seed=s), splits, s)
            for s in seeds
        ]
        for init in CHAR_INITS
    }
    return FirstBatchLosses(vocab.size, seeds, losses)


def logit_std(model: StackedCharMLP, probe_x: torch.Tensor) -> list[float]:
    """Each member's std of its logits on the windows ``probe_x`` (read in training mode, as
    the single-model loop reads it)."""
    with torch.no_grad():
        probe_x = probe_x.to(model.offsets.device)  # the model may train on a GPU
        logits = model(probe_x.expand(model.members, -1, -1))
        values: list[float] = logits.flatten(start_dim=1).std(dim=1).tolist()
        return values


def train_with_decay(
    model: StackedCharMLP,
    splits: CharSplits,
    config: CharInitConfig,
    data_seeds: Sequence[int],
    label: str,
    progress: bool,
    probe: bool = True,
) -> list[TrainResult]:
    """The post's loop for every member: ``lr`` for the first half, ``lr / 10`` for the second.

    Member k's data seed ``data_seeds[k]`` orders its first half's batches and
    ``data_seeds[k] + 1`` its second half's. With ``probe``, the probe reads the logits' std on
    512 validation examples every 10 steps (in training mode, so a BatchNorm member's running
    estimates see those batches too; the training losses do not depend on it). A member whose
    loss becomes non-finite stops there.
    """
    data = splits.as_dataset()
    probe_x = splits.val.x[:PROBE_EXAMPLES]
    probes = {"logit_std": functools.partial(logit_std, probe_x=probe_x)} if probe else {}

    def phase(steps: int, lr: float, seeds: Sequence[int]) -> list[TrainResult]:
        printer = (
            step_printer(phase_label(label, lr), steps, max(steps // PROGRESS_LINES, 1))
            if progress
            else None
        )
        configs = [blog_config(steps, lr=lr, data_seed=s, probe_every=PROBE_EVERY) for s in seeds]
        return train_stacked(model, data, configs, probes, printer)

    half = config.half
    first = phase(half, config.lr, data_seeds)
    second = phase(config.steps - half, config.lr / 10, [s + 1 for s in data_seeds])
    return [join_halves(a, b, half) for a, b in zip(first, second, strict=True)]


def join_halves(first: TrainResult, second: TrainResult, half: int) -> TrainResult:
    """One run from its two halves; a run that diverged in the first keeps None after it."""
    if first.first_nan_step is not None:
        padding: list[float | None] = [None] * len(second.losses)
        return TrainResult(first.losses + padding, first.first_nan_step, None, None, first.probes)
    probes = {
        name: first.probes[name] + [(half + step, value) for step, value in second.probes[name]]
        for name in first.probes
    }
    losses = first.losses + second.losses
    return TrainResult(losses, first_nan_step(losses), second.val_loss, second.val_accuracy, probes)


@torch.no_grad()
def split_loss(model: nn.Module, split: CharSplit) -> float | None:
    """The mean cross-entropy over a whole split in eval mode (the lecture's ``split_loss``),
    in chunks; None if it is not finite."""
    was_training = model.training
    model.eval()
    total = 0.0
    for start in range(0, len(split), EVAL_CHUNK):
        x, y = split.x[start : start + EVAL_CHUNK], split.y[start : start + EVAL_CHUNK]
        total += float(F.cross_entropy(model(x), y, reduction="sum").item())
    model.train(was_training)
    loss = total / len(split)
    return loss if math.isfinite(loss) else None


@dataclass(frozen=True)
class Curve:
    """One trained model of :data:`CURVES` with weight seed ``seed``: its run, its size, its
    losses over the whole train split, the names it samples."""

    label: str
    init: str
    batchnorm: bool
    seed: int
    parameters: int
    result: TrainResult
    train_loss: float | None  # the whole train split, eval mode; None if the run diverged
    samples: list[str]  # empty when the model cannot sample (see ``no_samples``)
    no_samples: str | None = None  # why there are no samples: "the run diverged", ...

    def summary(self, log_v: float, half: int) -> dict[str, Any]:
        losses, probes = self.result.losses, dict(self.result.probes["logit_std"])
        finite = self.result.finite_losses
        return {
            "init": self.init,
            "batchnorm": self.batchnorm,
            "seed": self.seed,
            "parameters": self.parameters,
            "first_loss": finite[0] if finite else None,
            "loss_steps_90_110": window_mean(losses, 90, 110),
            "first_step_below_log_v": first_mean_below(losses, log_v, BELOW_LOG_V_WINDOW),
            "logit_std_step_0": probes.get(0),
            "logit_std_step_100": probes.get(100),
            "logit_std_step_1000": probes.get(1000),
            "train_loss_end_of_first_half": window_mean(losses, half - SMOOTH, half),
            "train_loss_last_100": tail_mean(losses, SMOOTH),
            "train_loss": self.train_loss,
            "val_loss": self.result.val_loss,
            "first_nan_step": self.result.first_nan_step,
        }


def group_label(labels: Sequence[str], seeds: int) -> str:
    """How progress lines name a stacked group: its runs and seeds."""
    return f"{', '.join(labels)}: {seeds} seed{'s' * (seeds != 1)} each, stacked"


def phase_label(label: str, lr: float) -> str:
    """How progress lines name one half of a group's training."""
    return f"{label}, lr {lr:g}"


def loss_seeds(seed: int) -> list[int]:
    """The weight seeds each run of :data:`CURVES` is trained with: ``seed``, ``seed + 2``, ...
    (``LOSS_SEEDS`` of them). Seed s orders its halves' batches with data seeds s and s + 1, so
    no two seeds share a batch order."""
    return [seed + 2 * i for i in range(LOSS_SEEDS)]


def curve_groups() -> list[list[str]]:
    """The labels of :data:`CURVES` by model shape: without BatchNorm, then with it."""
    groups: dict[bool, list[str]] = {}
    for label, (_, batchnorm) in CURVES.items():
        groups.setdefault(batchnorm, []).append(label)
    return list(groups.values())


def train_group(
    vocab: Vocabulary,
    splits: CharSplits,
    config: CharInitConfig,
    labels: Sequence[str],
    seeds: Sequence[int],
    progress: bool,
) -> list[Curve]:
    """Every (label, seed) of ``labels`` x ``seeds`` trained together as one stacked model
    (:mod:`initspec.training.stacked`): the labels must share a shape (all with BatchNorm or none).
    Each member starts from ``build_char_mlp`` with its weight seed and draws its own batches."""
    members = [(label, seed) for label in labels for seed in seeds]
    models = [
        build_char_mlp(vocab.size, init=CURVES[label][0], batchnorm=CURVES[label][1], seed=seed)
        for label, seed in members
    ]
    stacked = StackedCharMLP(models)
    name = group_label(labels, len(seeds))
    results = train_with_decay(stacked, splits, config, [s for _, s in members], name, progress)
    parameters = count_parameters(models[0])
    return [
        finish_curve(label, seed, stacked.member(k), parameters, result, vocab, splits)
        for k, ((label, seed), result) in enumerate(zip(members, results, strict=True))
    ]


def finish_curve(
    label: str,
    seed: int,
    model: nn.Module,
    parameters: int,
    result: TrainResult,
    vocab: Vocabulary,
    splits: CharSplits,
) -> Curve:
    """A trained member's curve: its loss on the whole train split and names sampled from it."""
    init, batchnorm = CURVES[label]
    if result.first_nan_step is not None or result.val_loss is None:
        return Curve(label, init, batchnorm, seed, parameters, result, None, [], "the run diverged")
    train_loss = split_loss(model, splits.train)
    try:
        names = sample(model, vocab, SAMPLES, seed=seed)
    except ValueError as error:  # finite losses, yet weights or statistics overflowed
        return Curve(label, init, batchnorm, seed, parameters, result, train_loss, [], str(error))
    return Curve(label, init, batchnorm, seed, parameters, result, train_loss, names)


def curve_jobs(
    vocab: Vocabulary, splits: CharSplits, config: CharInitConfig, seed: int, progress: bool
) -> list[Callable[[], list[Curve]]]:
    """One job a model shape (:func:`curve_groups`), each training its runs of :data:`CURVES`
    over :func:`loss_seeds` as one stacked model; for
    :func:`initspec.training.parallel.side_by_side`."""
    seeds = loss_seeds(seed)
    return [
        functools.partial(train_group, vocab, splits, config, labels, seeds, progress)
        for labels in curve_groups()
    ]


def train_curves(
    vocab: Vocabulary, splits: CharSplits, config: CharInitConfig, seed: int, progress: bool
) -> list[Curve]:
    """Every run of :data:`CURVES` over :func:`loss_seeds`, one stacked model a shape, the
    shapes side by side; in the order of ``CURVES``, then of the seeds."""
    curves = [
        c
        for group in side_by_side(curve_jobs(vocab, splits, config, seed, progress))
        for c in group
    ]
    order = list(CURVES)
    return sorted(curves, key=lambda c: order.index(c.label))


def parameter_counts(vocab: Vocabulary) -> dict[str, int]:
    """The first model and the 5-layer BatchNorm model, at the post's V = 29 and at ours."""
    return {
        "first_model_v29": count_parameters(build_char_mlp(29, batchnorm=True)),
        "first_model_v29_without_bn": count_parameters(build_char_mlp(29)),
        "five_layer_bn_v29": count_parameters(build_deep_char_mlp(29, batchnorm=True)),
        "first_model_ours": count_parameters(build_char_mlp(vocab.size, batchnorm=True)),
        "five_layer_bn_ours": count_parameters(build_deep_char_mlp(vocab.size, batchnorm=True)),
    }
