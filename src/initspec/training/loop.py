"""The training loop: SGD with momentum, cross-entropy, a loss every step.

The loop is short on purpose; read it top to bottom. Batch order comes from the data seed
only (see :func:`initspec.data.toy.batch_order`), the weights from the model's own seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn import functional as F

from initspec.data.toy import Dataset, batch_order
from initspec.metrics import final_loss
from initspec.runtime.interrupts import raise_if_stopped
from initspec.runtime.progress import ambient_progress
from initspec.training.devices import current_device

Probe = Callable[[nn.Module], float]


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 1000
    batch_size: int = 64
    lr: float = 1e-3
    momentum: float = 0.9
    data_seed: int = 0
    optimizer: str = "sgd"  # "sgd" (with momentum) or "adam"
    probe_every: int = 1

    def __post_init__(self) -> None:
        if not (isinstance(self.lr, (int, float)) and math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"learning rate must be a positive finite number, got {self.lr!r}")
        if self.steps < 1:
            raise ValueError(f"steps must be positive, got {self.steps!r}")
        if self.batch_size < 1:
            raise ValueError(f"batch size must be positive, got {self.batch_size!r}")
        if self.optimizer not in ("sgd", "adam"):
            raise ValueError(f"unknown optimizer {self.optimizer!r}; known: sgd, adam")
        if self.probe_every < 1:
            raise ValueError(f"probe_every must be positive, got {self.probe_every!r}")


@dataclass
class TrainResult:
    """Per-step losses (None where the loss was NaN or infinite) and what probes measured."""

    losses: list[float | None]
    first_nan_step: int | None
    val_loss: float | None
    val_accuracy: float | None
    probes: dict[str, list[tuple[int, float]]] = field(default_factory=dict)

    @property
    def finite_losses(self) -> list[float]:
        return [loss for loss in self.losses if loss is not None]

    @property
    def final_loss(self) -> float | None:
        """The last step's loss; None after a NaN (:func:`initspec.metrics.final_loss`)."""
        return final_loss(self.losses)


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    if config.optimizer == "adam":
        return torch.optim.Adam(model.parameters(), lr=config.lr)
    return torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum, foreach=True)


def train(
    model: nn.Module,
    data: Dataset,
    config: TrainConfig,
    probes: Mapping[str, Probe] | None = None,
    progress: Callable[[int, float], None] | None = None,
) -> TrainResult:
    """Train ``model`` on ``data``; stop at the first non-finite loss (the rest stay None).

    ``probes`` are read after each backward pass (every ``probe_every`` steps), before the
    optimizer step: for example the gradient norm of the first layer. ``progress(step, loss)``
    is called after every step, and with the non-finite loss where the run stops (none given:
    :func:`initspec.runtime.progress.ambient_progress`).
    """
    probes = probes or {}
    progress = progress if progress is not None else ambient_progress(config.steps)
    device = current_device()  # the batches are drawn on the CPU, then trained on the device
    model.to(device)
    data = data.to(device)
    optimizer = make_optimizer(model, config)
    order = batch_order(len(data.x_train), config.batch_size, config.steps, config.data_seed)
    order = order.to(device)
    losses: list[float | None] = [None] * config.steps
    probed: dict[str, list[tuple[int, float]]] = {name: [] for name in probes}
    first_nan: int | None = None

    model.train()
    for step in range(config.steps):
        raise_if_stopped()  # Ctrl-C or SIGTERM: stop within a step (initspec.runtime.interrupts)
        index = order[step]
        logits = model(data.x_train[index])
        loss = F.cross_entropy(logits, data.y_train[index])
        value = loss.item()
        if not math.isfinite(value):
            first_nan = step
            if progress is not None:
                progress(step, value)  # the run diverged: it stops here
            break
        losses[step] = value
        optimizer.zero_grad(set_to_none=True)
        loss.backward()  # type: ignore[no-untyped-call]
        if step % config.probe_every == 0:
            for name, probe in probes.items():
                probed[name].append((step, probe(model)))
        optimizer.step()
        if progress is not None:
            progress(step, value)

    val_loss, val_accuracy = (None, None) if first_nan is not None else evaluate(model, data)
    model.to("cpu")  # callers read the trained weights where they built them
    return TrainResult(losses, first_nan, val_loss, val_accuracy, probed)


@torch.no_grad()
def evaluate(model: nn.Module, data: Dataset) -> tuple[float | None, float]:
    """Validation loss (None if not finite) and accuracy, in eval mode, without a graph."""
    was_training = model.training
    model.eval()
    logits = model(data.x_val)
    loss = F.cross_entropy(logits, data.y_val).item()
    accuracy = (logits.argmax(dim=1) == data.y_val).float().mean().item()
    model.train(was_training)
    return (loss if math.isfinite(loss) else None), accuracy


def grad_norm(module: nn.Module) -> float:
    """Euclidean norm of all of ``module``'s parameter gradients together (0 if none)."""
    grads = [p.grad.detach().flatten() for p in module.parameters() if p.grad is not None]
    if not grads:
        return 0.0
    return float(torch.linalg.vector_norm(torch.cat(grads)).item())
