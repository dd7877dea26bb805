"""The training loop: SGD with momentum, cross-entropy, a loss every step.

One loop, :func:`run_steps`, trains every model of initspec; read it top to bottom. What a step
does is its :class:`Steps` strategy: autograd and a torch optimizer (:class:`AutogradSteps`,
here), lab 03's hand-written SGD step (:class:`initspec.training.hand_sgd.HandSteps`), or seeds
of the character model stacked into one (:class:`initspec.training.stacked.StackedSteps`). The
loop does the rest, the same for each: the interrupt check, the stop at the first non-finite
loss, the probes and the progress line. Batch order comes from the data seed only (see
:func:`initspec.data.toy.batch_order`), the weights from the model's own seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

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


Progress = Callable[[int, float], None]


class Steps(Protocol):
    """How ``members`` models (one, or seeds stacked into one model) take a training step."""

    @property
    def members(self) -> int:
        """How many models step together."""
        ...

    @property
    def probe_names(self) -> Sequence[str]:
        """The names of the probes :meth:`update` reads."""
        ...

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> list[float]:
        """Each member's loss on its batch, before the step's update."""
        ...

    def stop(self, member: int) -> None:
        """``member``'s loss was not finite: it takes no further update."""
        ...

    def update(self, probe: bool) -> list[dict[str, float]]:
        """The backward pass of the last :meth:`forward` and the update of every member still
        training; with ``probe``, each member's probe readings (read before the update)."""
        ...


@dataclass
class StepsRun:
    """Each member's loss every step (None after a non-finite one), its first non-finite
    step, and its probe readings as (step, value)."""

    losses: list[list[float | None]]
    first_nan: list[int | None]
    probed: list[dict[str, list[tuple[int, float]]]]


def run_steps(
    steps: Steps,
    batches: Iterable[tuple[torch.Tensor, torch.Tensor]],
    config: TrainConfig,
    progress: Progress | None,
    training: Sequence[bool] | None = None,
) -> StepsRun:
    """Train with ``steps`` on each step's batch; a member stops at its first non-finite loss.

    ``training`` says which members train (all, by default); a member that does not has every
    loss None. ``progress(step, loss)`` after every step with the mean loss of the members still
    training, and at the step where the last of them stops with its loss (one member) or NaN.
    """
    members = range(steps.members)
    live = list(training) if training is not None else [True] * steps.members
    losses: list[list[float | None]] = [[None] * config.steps for _ in members]
    probed: list[dict[str, list[tuple[int, float]]]] = [
        {name: [] for name in steps.probe_names} for _ in members
    ]
    first_nan: list[int | None] = [None] * steps.members
    for step, (x, y) in enumerate(batches):
        raise_if_stopped()  # Ctrl-C or SIGTERM: stop within a step (initspec.runtime.interrupts)
        values = steps.forward(x, y)
        for k in members:
            if not live[k]:
                continue
            if math.isfinite(values[k]):
                losses[k][step] = values[k]
            else:
                first_nan[k], live[k] = step, False
                steps.stop(k)
        if not any(live):
            if progress is not None:  # the run diverged: it stops here
                progress(step, values[0] if steps.members == 1 else math.nan)
            break
        readings = steps.update(step % config.probe_every == 0)
        for k in members:
            if live[k]:
                for name, value in readings[k].items():
                    probed[k][name].append((step, value))
        if progress is not None:
            current = [values[k] for k in members if live[k]]
            progress(step, math.fsum(current) / len(current))
    return StepsRun(losses, first_nan, probed)


class AutogradSteps:
    """One model, its loss's backward by autograd, then a torch optimizer's step
    (:func:`make_optimizer`). ``probes`` are read after the backward pass, before the step."""

    members = 1

    def __init__(self, model: nn.Module, config: TrainConfig, probes: Mapping[str, Probe]) -> None:
        self.model, self.probes = model, probes
        self.probe_names = tuple(probes)
        self.optimizer = make_optimizer(model, config)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> list[float]:
        logits = self.model(x)
        self.loss = F.cross_entropy(logits, y)
        return [self.loss.item()]

    def stop(self, member: int) -> None:
        del self.loss

    def update(self, probe: bool) -> list[dict[str, float]]:
        self.optimizer.zero_grad(set_to_none=True)
        self.loss.backward()  # type: ignore[no-untyped-call]
        del self.loss
        readings = {name: read(self.model) for name, read in self.probes.items()} if probe else {}
        self.optimizer.step()
        return [readings]


def train_one(
    model: nn.Module,
    data: Dataset,
    config: TrainConfig,
    make_steps: Callable[[], Steps],
    progress: Progress | None = None,
) -> TrainResult:
    """Train one model on ``data`` with the steps ``make_steps()`` builds once the model is on
    the device; stop at the first non-finite loss (the rest stay None), then evaluate."""
    progress = progress if progress is not None else ambient_progress(config.steps)
    device = current_device()  # the batches are drawn on the CPU, then trained on the device
    model.to(device)
    data = data.to(device)
    steps = make_steps()
    order = batch_order(len(data.x_train), config.batch_size, config.steps, config.data_seed)
    order = order.to(device)
    model.train()
    batches = ((data.x_train[index], data.y_train[index]) for index in order)
    run = run_steps(steps, batches, config, progress)
    first_nan = run.first_nan[0]
    val_loss, val_accuracy = (None, None) if first_nan is not None else evaluate(model, data)
    model.to("cpu")  # callers read the trained weights where they built them
    return TrainResult(run.losses[0], first_nan, val_loss, val_accuracy, run.probed[0])


def train(
    model: nn.Module,
    data: Dataset,
    config: TrainConfig,
    probes: Mapping[str, Probe] | None = None,
    progress: Progress | None = None,
) -> TrainResult:
    """Train ``model`` on ``data``; stop at the first non-finite loss (the rest stay None).

    ``probes`` are read after each backward pass (every ``probe_every`` steps), before the
    optimizer step: for example the gradient norm of the first layer. ``progress(step, loss)``
    is called after every step, and with the non-finite loss where the run stops (none given:
    :func:`initspec.runtime.progress.ambient_progress`).
    """
    return train_one(
        model, data, config, lambda: AutogradSteps(model, config, probes or {}), progress
    )


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
