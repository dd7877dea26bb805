"""The blog's diagnostics on the character models: gain figures, update:data ratio, saturation.

* Gain study: the 5-layer tanh MLP (hidden 100) at init, one batch forward and backward with
  :class:`~initspec.training.diagnostics.Diagnostics` attached: without BatchNorm at gains 0.5, 5/3
  and 3.0, and with BatchNorm at 5/3. Per tanh layer: activation and gradient histograms, mean,
  std, saturation (abs(t) > 0.97) and the problems the diagnostics flag.
* Update ratio: the BatchNorm model trained as the post trains it (plain SGD, lr 0.075, batch
  32, up to 1000 steps), with log10(lr * std(grad) / std(param)) read every step.
* Saturation maps of the single-hidden-layer model, naive init and hidden fix.

The makemore lab draws its figures from these results and the spec tests judge the claims on
the same functions, so a figure in the lab and a verdict in the report come from the same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from initspec.data.corpus import CharSplits, Vocabulary
from initspec.data.toy import batch_order
from initspec.metrics import mean
from initspec.models.charmodel import build_char_mlp, build_deep_char_mlp
from initspec.runtime.artifacts import JSONValue, round_floats
from initspec.runtime.progress import step_printer
from initspec.training.diagnostics import (
    Diagnostics,
    LayerStats,
    find_problems,
    grad_data_ratios,
    update_ratio_probes,
)
from initspec.training.loop import TrainConfig, train

BATCH_SIZE = 32  # the post's batch
UPDATE_LR = 0.075  # the post's learning rate for the 5-layer model
UPDATE_STEPS = 1000  # the post breaks its loop at step 1000 and plots those steps
# (label, gain, batchnorm): the post's four gain figures.
GAIN_CASES: tuple[tuple[str, float, bool], ...] = (
    ("gain 0.5", 0.5, False),
    ("gain 5/3", 5 / 3, False),
    ("gain 3.0", 3.0, False),
    ("gain 5/3 + BatchNorm", 5 / 3, True),
)
SATURATION_INITS = ("naive", "hidden-fix")
UPDATE_FIGURE = "diag_update_ratio.png"


@dataclass(frozen=True)
class Snapshot:
    """One batch through a model with diagnostics attached.

    ``outputs`` and ``grads`` are each watched layer's output and the loss's gradient there;
    ``grad_data`` is std(grad) / std(param) of every 2-D parameter.
    """

    loss: float
    stats: list[LayerStats]
    outputs: dict[str, torch.Tensor]
    grads: dict[str, torch.Tensor]
    grad_data: dict[str, float]

    def column(self, key: str) -> list[float]:
        """One statistic across the layers, in forward order (e.g. "std", "grad_std")."""
        values = [getattr(layer, key) for layer in self.stats]
        return [float(v) for v in values]


def first_batch(splits: CharSplits, seed: int, batch_size: int = BATCH_SIZE) -> torch.Tensor:
    """The indices of the first training batch for data seed ``seed`` (as the trainer draws)."""
    return batch_order(len(splits.train), batch_size, 1, seed)[0]


def snapshot(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> Snapshot:
    """Forward and backward one batch with diagnostics attached; gradients are left zeroed."""
    with Diagnostics(model) as diag:
        loss = F.cross_entropy(model(x), y)
        loss.backward()  # type: ignore[no-untyped-call]
        result = Snapshot(
            float(loss.detach()),
            diag.layer_stats(),
            dict(diag.outputs),
            diag.gradients(),
            grad_data_ratios(model),
        )
    model.zero_grad(set_to_none=True)
    return result


def gain_snapshot(
    vocab: Vocabulary,
    splits: CharSplits,
    *,
    gain: float,
    batchnorm: bool,
    seed: int,
    layers: int = 5,
    hidden: int = 100,
) -> Snapshot:
    """The 5-layer tanh MLP at init on one batch of the post's size (weight and data seed)."""
    model = build_deep_char_mlp(
        vocab.size, layers=layers, hidden=hidden, batchnorm=batchnorm, gain=gain, seed=seed
    )
    index = first_batch(splits, seed)
    return snapshot(model, splits.train.x[index], splits.train.y[index])


def trained_gain_snapshot(
    vocab: Vocabulary,
    splits: CharSplits,
    *,
    gain: float,
    batchnorm: bool,
    seed: int,
    steps: int = UPDATE_STEPS,
    lr: float = UPDATE_LR,
) -> Snapshot:
    """The same model after the post's loop (plain SGD, lr 0.075, batch 32, ``steps`` steps),
    read on the batch after the last step, as the post reads its printout."""
    model = build_deep_char_mlp(vocab.size, batchnorm=batchnorm, gain=gain, seed=seed)
    config = TrainConfig(steps=steps, batch_size=BATCH_SIZE, lr=lr, momentum=0.0, data_seed=seed)
    train(model, splits.as_dataset(), config)
    index = batch_order(len(splits.train), BATCH_SIZE, steps + 1, seed)[steps]
    return snapshot(model, splits.train.x[index], splits.train.y[index])


@dataclass(frozen=True)
class UpdateRun:
    """The post's 5-layer BatchNorm model trained with plain SGD, update ratios every step."""

    steps: int
    lr: float
    losses: list[float | None]
    history: dict[str, list[float]]  # weight name -> log10 update:data ratio per step
    final: Snapshot  # diagnostics on the batch after the last step (the post's printout)
    extra: dict[str, Any] = field(default_factory=dict)

    def tail_means(self, fraction: float = 0.5) -> dict[str, float]:
        """Each weight's mean log10 ratio over the last ``fraction`` of the steps."""
        return {
            name: mean(values[int(len(values) * (1 - fraction)) :])
            for name, values in self.history.items()
        }


def update_ratio_run(
    vocab: Vocabulary,
    splits: CharSplits,
    *,
    seed: int,
    steps: int = UPDATE_STEPS,
    lr: float = UPDATE_LR,
    layers: int = 5,
    hidden: int = 100,
    progress: bool = False,
) -> UpdateRun:
    """Train as the post does (SGD without momentum, lr 0.075, batch 32) and log the ratios."""
    model = build_deep_char_mlp(
        vocab.size, layers=layers, hidden=hidden, batchnorm=True, gain=5 / 3, seed=seed
    )
    config = TrainConfig(steps=steps, batch_size=BATCH_SIZE, lr=lr, momentum=0.0, data_seed=seed)
    callback = step_printer("update ratio", steps, every=max(steps // 5, 1)) if progress else None
    result = train(
        model,
        splits.as_dataset(),
        config,
        probes=update_ratio_probes(model, lr),
        progress=callback,
    )
    history = {
        name.removeprefix("update:"): [value for _, value in points]
        for name, points in result.probes.items()
    }
    # The post prints its statistics from the forward and backward of the step after its run.
    index = batch_order(len(splits.train), BATCH_SIZE, steps + 1, seed)[steps]
    final = snapshot(model, splits.train.x[index], splits.train.y[index])
    return UpdateRun(steps, lr, result.losses, history, final)


@dataclass(frozen=True)
class SaturationMap:
    """The single-hidden-layer model's tanh outputs on the first batch, at init."""

    init: str
    snapshot: Snapshot

    @property
    def outputs(self) -> torch.Tensor:
        return self.snapshot.outputs["act"]


def saturation_maps(vocab: Vocabulary, splits: CharSplits, seed: int) -> list[SaturationMap]:
    """The post's first model under the naive init and the hidden fix, on one batch."""
    index = first_batch(splits, seed)
    x, y = splits.train.x[index], splits.train.y[index]
    return [
        SaturationMap(init, snapshot(build_char_mlp(vocab.size, init=init, seed=seed), x, y))
        for init in SATURATION_INITS
    ]


def slug(label: str) -> str:
    """A case label as a file-name fragment: "gain 5/3 + BatchNorm" -> "gain_5-3_BatchNorm"."""
    return label.replace("/", "-").replace(" + ", "_").replace(" ", "_").replace(".", "p")


def activation_figure(label: str) -> str:
    return f"diag_activations_{slug(label)}.png"


def gradient_figure(label: str) -> str:
    return f"diag_gradients_{slug(label)}.png"


def saturation_figure(init: str) -> str:
    return f"diag_saturation_map_{init}.png"


def trained_label(run: UpdateRun) -> str:
    """The label of the update-ratio model's own gain figures, after its training."""
    return f"BatchNorm after {run.steps} steps"


@dataclass(frozen=True)
class DiagnosticsStudy:
    """Every measurement of the makemore lab's diagnostics section, for one seed."""

    seed: int
    gains: dict[str, Snapshot]  # GAIN_CASES label -> snapshot at init
    update: UpdateRun
    saturation: list[SaturationMap]

    def summary(self) -> dict[str, JSONValue]:
        """The numbers, with the name of the figure each one is drawn in (rounded)."""
        gains: dict[str, JSONValue] = {}
        for label, gain, batchnorm in GAIN_CASES:
            snap = self.gains[label]
            gains[label] = {
                "gain": gain,
                "batchnorm": batchnorm,
                "loss": snap.loss,
                "layers": [layer.as_dict() for layer in snap.stats],
                "problems": [finding.as_dict() for finding in find_problems(snap.stats)],
                "grad_data_ratios": snap.grad_data,
                "files": [activation_figure(label), gradient_figure(label)],
            }
        run = self.update
        after = trained_label(run)
        update: dict[str, JSONValue] = {
            "steps": run.steps,
            "lr": run.lr,
            "batch_size": BATCH_SIZE,
            "mean_log10_ratio_last_half": run.tail_means(0.5),
            "final_loss": run.losses[-1],
            "layers_after_training": [layer.as_dict() for layer in run.final.stats],
            "files": [UPDATE_FIGURE, activation_figure(after), gradient_figure(after)],
        }
        maps: dict[str, JSONValue] = {
            item.init: {
                "file": saturation_figure(item.init),
                "fraction_above_0.99": float((item.outputs.abs() > 0.99).float().mean()),
                "stats": item.snapshot.stats[0].as_dict(),
            }
            for item in self.saturation
        }
        summary = {"gain_study": gains, "update_ratio": update, "saturation_maps": maps}
        rounded: dict[str, JSONValue] = round_floats({**summary, "seed": self.seed})
        return rounded


def run_diagnostics(
    vocab: Vocabulary,
    splits: CharSplits,
    seed: int,
    *,
    layers: int = 5,
    hidden: int = 100,
    steps: int = UPDATE_STEPS,
    progress: bool = False,
) -> DiagnosticsStudy:
    """The gain study (``layers`` tanh layers of ``hidden`` units), the update-ratio run
    (``steps`` steps) and the saturation maps, all with weight and data seed ``seed``."""
    gains = {
        label: gain_snapshot(
            vocab, splits, gain=gain, batchnorm=batchnorm, seed=seed, layers=layers, hidden=hidden
        )
        for label, gain, batchnorm in GAIN_CASES
    }
    update = update_ratio_run(
        vocab, splits, seed=seed, steps=steps, layers=layers, hidden=hidden, progress=progress
    )
    return DiagnosticsStudy(seed, gains, update, saturation_maps(vocab, splits, seed))
