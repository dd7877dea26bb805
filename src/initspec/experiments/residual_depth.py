"""Residual depth (lab 03): a deep chain of MLP blocks with and without residual connections.

Each block is ``RMSNorm -> Linear(256, 1024) -> GeLU -> Linear(1024, 256)`` (pre-norm), Kaiming
init with the gain the caller gives (the lab gives the document's); the residual variant adds
the block's input back (:mod:`initspec.models.blocks`). A run trains with SGD (momentum 0.9,
batch 64) on the toy data with lab 03's hand-written step (:mod:`initspec.training.hand_sgd`),
logging the loss and the gradient norm of layer 1 (the first Linear of the first block) every
step. What a run is read against (the document's vanishing level, healthy range and slope
window) comes in a :class:`Readings`.

:func:`train_variant` trains one model; :func:`zero_init_output` measures question 5's model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch.nn import functional as F

from initspec.data.toy import Dataset, toy_data
from initspec.experiments.options import FLOAT32_MAX, FLOAT32_MIN, MAX_STEPS, check_options, option
from initspec.metrics import final_loss, first_below, loss_slope
from initspec.models.blocks import build_deep_mlp
from initspec.runtime.progress import step_printer
from initspec.training.hand_sgd import LAYER1, train_deep
from initspec.training.loop import TrainConfig

VARIANTS = {"yes": (True,), "no": (False,), "both": (False, True)}


@dataclass(frozen=True)
class ResidualDepthConfig:
    """Lab 03's setup: the chain's depth and width, the training, and which variants run."""

    depth: int = option(50, "number of blocks", low=1, high=10_000)
    width: int = option(
        256, "hidden width of the chain (a block's inner width is 4x)", low=1, high=100_000
    )
    steps: int = option(1000, "training steps", low=1, high=MAX_STEPS)
    lr: float = option(1e-3, "learning rate of SGD", low=FLOAT32_MIN, high=FLOAT32_MAX)
    use_residual: str = option(
        "both",
        "which variants train: yes (residual), no (plain), both",
        choices=tuple(VARIANTS),
        announce="Using residual:",
    )

    def __post_init__(self) -> None:
        check_options(self)

    @property
    def variants(self) -> tuple[bool, ...]:
        """The residual flag of each variant, plain first."""
        return VARIANTS[self.use_residual]

    def parameters(self, depth: int | None = None) -> int:
        """Weights and biases of one model with ``depth`` blocks (default: the config's)."""
        w = self.width
        block = 2 * (4 * w * w) + 4 * w + w + w  # two Linears, their biases, the RMSNorm gain
        return (depth or self.depth) * block + 2 * w + 2


@dataclass(frozen=True)
class Readings:
    """What a run is read against: a layer-1 gradient norm below ``vanished`` has vanished, one
    in ``healthy`` (low, high) is healthy, and the loss slope is fit over the last
    ``slope_window`` steps."""

    vanished: float
    healthy: tuple[float, float]
    slope_window: int


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

    def summary(self, readings: Readings) -> dict[str, Any]:
        """What lab 03 reads off the run (its README table and manifest)."""
        finite = [v for v in self.losses if v is not None]
        norms = self.grad_norms
        low, high = readings.healthy
        return {
            "weight_seed": self.seed,
            "first_nan_step": self.first_nan_step,
            "initial_loss": finite[0] if finite else None,
            "final_loss": final_loss(self.losses),
            "slope_last_200": loss_slope(self.losses, readings.slope_window),
            "val_loss": self.val_loss,
            "val_accuracy": self.val_accuracy,
            "grad_norm_first": norms[0] if norms else None,
            "grad_norm_last": norms[-1] if norms else None,
            "grad_norm_min": min(norms) if norms else None,
            "grad_norm_min_step": norms.index(min(norms)) if norms else None,
            "grad_norm_max": max(norms) if norms else None,
            "first_step_below_1e-7": first_below(norms, readings.vanished),
            "fraction_of_steps_in_1e-3_1e-1": (
                sum(low <= v <= high for v in norms) / len(norms) if norms else None
            ),
        }


def train_variant(
    seed: int,
    steps: int,
    *,
    gain: float,
    data: Dataset | None = None,
    data_seed: int = 0,
    lr: float = 1e-3,
    label: str | None = None,
    **options: Any,
) -> DeepRun:
    """Build the deep model with weight seed ``seed`` and Kaiming ``gain`` (``options`` go to
    :class:`initspec.models.blocks.BlockConfig`) and train it ``steps`` steps on ``data`` (default:
    the toy data of ``data_seed``); ``label`` prints progress lines under that name."""
    data = data if data is not None else toy_data(data_seed)
    model = build_deep_mlp(seed, gain=gain, **options)
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


@dataclass(frozen=True)
class ZeroInit:
    """Question 5, measured: a residual model whose blocks' last Linear is zero at init."""

    output_equals_head_of_input: bool
    max_abs_difference: float
    initial_loss: float

    def summary(self) -> dict[str, Any]:
        return {
            "output_equals_head_of_input": self.output_equals_head_of_input,
            "max_abs_difference": self.max_abs_difference,
            "initial_loss": self.initial_loss,
        }


def zero_init_output(seed: int, depth: int, width: int, gain: float) -> ZeroInit:
    """Build the residual chain (Kaiming ``gain``) with every block's last Linear at zero;
    compare its output on 64 toy examples with the head applied to the input."""
    model = build_deep_mlp(
        seed,
        depth=depth,
        width=width,
        in_dim=width,
        residual=True,
        zero_init_last=True,
        gain=gain,
    )
    data = toy_data(0, dim=width)
    x = data.x_train[:64]
    with torch.no_grad():
        output, head = model(x), model.head(x)
    return ZeroInit(
        bool(torch.equal(output, head)),
        float((output - head).abs().max()),
        float(F.cross_entropy(output, data.y_train[:64])),
    )
