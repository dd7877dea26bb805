"""Initialising a character-level MLP, as the blog post and the lecture do.

On a corpus of names (by default the census first names the ``names`` package ships, V = 27;
a file of one name a line otherwise), the post's first model (embedding 10, context 3, hidden
200, tanh) is built three ways: naive N(0, 1) everywhere, the output fix (W2 x 0.1, b2 = 0)
and the hidden fix (also W1 x 0.1, b1 = 0).

* :func:`first_batch_losses`: each init's loss on the first training batch, over 10 seeds,
  against log V and the post's printed values;
* :func:`train_curves`: naive, output fix, hidden fix, and hidden fix with BatchNorm (the
  post's ``use_batch_norm`` run) trained with plain SGD, batch 32, lr then lr / 10 for the
  second half (the post's schedule), each with names sampled from the trained model;
* :func:`parameter_counts`: the models' sizes at the post's V = 29 and at ours.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from initspec.charmodel import (
    BLOG_LR,
    CHAR_INITS,
    blog_config,
    build_char_mlp,
    build_deep_char_mlp,
    first_batch_loss,
    sample,
)
from initspec.claims import CLAIMS
from initspec.corpus import (
    CORPUS_DESCRIPTION,
    CharSplits,
    Vocabulary,
    char_splits,
    default_splits,
    load_names,
)
from initspec.metrics import first_mean_below, first_nan_step, mean, tail_mean, window_mean
from initspec.models import count_parameters
from initspec.options import FLOAT32_MAX, FLOAT32_MIN, MAX_STEPS, check_options, option
from initspec.parallel import side_by_side
from initspec.progress import step_printer
from initspec.train import TrainResult, train

STEPS = 20_000  # the post trains 200,000 steps; this length runs in a few minutes on a laptop
FIRST_BATCH_SEEDS = 10
SAMPLES = 20
SMOOTH = 100  # window of the means read at the end of each half
BELOW_LOG_V_WINDOW = 50  # "first step below log V" reads a 50-step trailing mean
CORPUS_MAX_BYTES = 16 * 2**20  # a names file larger than 16 MiB is refused before it is read
# The post's first-batch losses (bird names, V = 29), from the registry.
DOC_FIRST_LOSS = {
    "naive": CLAIMS["blog.naive-init-loss"].value("first_loss"),
    "output-fix": CLAIMS["blog.output-scale-fix"].value("first_loss"),
    "hidden-fix": CLAIMS["blog.hidden-scale-fix"].value("first_loss"),
}
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
        "a UTF-8 names file, one name a line (lowercased; accents and punctuation dropped), at "
        f"most {CORPUS_MAX_BYTES // 2**20} MiB; without it, the packaged census first names",
        metavar="FILE",
    )
    depth: int = option(5, "tanh layers of the diagnostics' deep model", low=1, high=10_000)
    width: int = option(100, "hidden width of the diagnostics' deep model", low=1, high=100_000)

    def __post_init__(self) -> None:
        check_options(self)
        if self.corpus is not None:
            path = Path(self.corpus)
            if self.corpus == "" or not path.is_file():
                raise ValueError(f"--corpus: file {self.corpus!r} does not exist or is not a file")
            size = os.stat(path).st_size
            if size > CORPUS_MAX_BYTES:
                raise ValueError(
                    f"--corpus: file {self.corpus} holds {size:,} bytes, more than the "
                    f"{CORPUS_MAX_BYTES:,} a names file may have"
                )

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


def load_corpus(path: str | None, seed: int) -> Corpus:
    """The packaged names (``path`` None) or a file's; ValueError (one line) if the file cannot
    serve: missing, empty, or too small for a training batch."""
    if path is None:
        vocab, splits = default_splits(seed)
        return Corpus(CORPUS_DESCRIPTION, len(load_names()), vocab, splits)
    names = load_names(Path(path))
    vocab = Vocabulary.from_names(names)
    splits = char_splits(names, vocab, context=3, seed=seed)
    if len(names) < 10 or len(splits.train) < 32 or len(splits.val) == 0:
        raise ValueError(
            f"corpus file {path} is too small: {len(names)} names give "
            f"{len(splits.train)} training windows (need >= 10 names and >= 32 windows)"
        )
    return Corpus(f"file {path}", len(names), vocab, splits)


@dataclass(frozen=True)
class FirstBatchLosses:
    """Each init's first-batch loss for weight (= data) seeds ``seeds``."""

    vocab_size: int
    seeds: list[int]
    losses: dict[str, list[float]]  # init -> loss per seed

    @property
    def log_v(self) -> float:
        return math.log(self.vocab_size)

    def table(self) -> dict[str, Any]:
        """Per init: mean, min, max, every seed's loss, and the post's value (V = 29)."""
        rows = {
            init: {
                "mean": mean(losses),
                "min": min(losses),
                "max": max(losses),
                "per_seed": losses,
                "doc_value_v29": DOC_FIRST_LOSS[init],
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


def train_with_decay(
    model: nn.Module,
    splits: CharSplits,
    config: CharInitConfig,
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

    half = config.half
    first = phase(half, config.lr, seed)
    if first.first_nan_step is not None:
        padding: list[float | None] = [None] * (config.steps - half)
        return TrainResult(first.losses + padding, first.first_nan_step, None, None, first.probes)
    second = phase(config.steps - half, config.lr / 10, seed + 1)
    probes = {
        name: first.probes[name] + [(half + step, value) for step, value in second.probes[name]]
        for name in first.probes
    }
    losses = first.losses + second.losses
    return TrainResult(losses, first_nan_step(losses), second.val_loss, second.val_accuracy, probes)


@dataclass(frozen=True)
class Curve:
    """One trained model of :data:`CURVES`: its run, its size, the names it samples."""

    label: str
    init: str
    batchnorm: bool
    parameters: int
    result: TrainResult
    samples: list[str]  # empty when the model cannot sample (see ``no_samples``)
    no_samples: str | None = None  # why there are no samples: "the run diverged", ...

    def summary(self, log_v: float, half: int) -> dict[str, Any]:
        losses, probes = self.result.losses, dict(self.result.probes["logit_std"])
        finite = self.result.finite_losses
        return {
            "init": self.init,
            "batchnorm": self.batchnorm,
            "parameters": self.parameters,
            "first_loss": finite[0] if finite else None,
            "loss_steps_90_110": window_mean(losses, 90, 110),
            "first_step_below_log_v": first_mean_below(losses, log_v, BELOW_LOG_V_WINDOW),
            "logit_std_step_0": probes.get(0),
            "logit_std_step_100": probes.get(100),
            "logit_std_step_1000": probes.get(1000),
            "train_loss_end_of_first_half": window_mean(losses, half - SMOOTH, half),
            "train_loss_last_100": tail_mean(losses, SMOOTH),
            "val_loss": self.result.val_loss,
            "first_nan_step": self.result.first_nan_step,
        }


def train_curve(
    vocab: Vocabulary,
    splits: CharSplits,
    config: CharInitConfig,
    seed: int,
    label: str,
    progress: bool,
) -> Curve:
    """Train the model of ``CURVES[label]`` (weight seed ``seed``) and sample from it."""
    init, batchnorm = CURVES[label]
    model = build_char_mlp(vocab.size, init=init, batchnorm=batchnorm, seed=seed)
    result = train_with_decay(model, splits, config, seed, label, progress)
    parameters = count_parameters(model)
    if result.first_nan_step is not None or result.val_loss is None:
        return Curve(label, init, batchnorm, parameters, result, [], "the run diverged")
    try:
        names = sample(model, vocab, SAMPLES, seed=seed)
    except ValueError as error:  # finite losses, yet weights or statistics overflowed
        return Curve(label, init, batchnorm, parameters, result, [], str(error))
    return Curve(label, init, batchnorm, parameters, result, names)


def train_curves(
    vocab: Vocabulary, splits: CharSplits, config: CharInitConfig, seed: int, progress: bool
) -> list[Curve]:
    """One run per entry of ``CURVES``, side by side: same weight seed, same batches."""
    jobs = [
        functools.partial(train_curve, vocab, splits, config, seed, label, progress)
        for label in CURVES
    ]
    return side_by_side(jobs)


def parameter_counts(vocab: Vocabulary) -> dict[str, int]:
    """The first model and the 5-layer BatchNorm model, at the post's V = 29 and at ours."""
    return {
        "first_model_v29": count_parameters(build_char_mlp(29, batchnorm=True)),
        "first_model_v29_without_bn": count_parameters(build_char_mlp(29)),
        "five_layer_bn_v29": count_parameters(build_deep_char_mlp(29, batchnorm=True)),
        "first_model_ours": count_parameters(build_char_mlp(vocab.size, batchnorm=True)),
        "five_layer_bn_ours": count_parameters(build_deep_char_mlp(vocab.size, batchnorm=True)),
    }
