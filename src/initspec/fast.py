"""A hand-written training step for lab 03's deep model: the same SGD as
:func:`initspec.train.train`, without autograd.

Why: at batch 64 the model's matmuls are small (64 x 256 x 1024), so a plain autograd step
spends much of its time outside them: allocating a fresh gradient for each of the 26M
parameters, then reading it again in the optimizer. Here the weight gradient goes straight into
the momentum buffer inside the matmul (``buf = momentum * buf + g`` is one ``addmm_``), so a
step is the model's matmuls plus one pass over the weights. Spec tests check that it computes
the same losses and gradients as autograd.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch.nn import functional as F

from initspec.blocks import DeepMLP
from initspec.data import Dataset, batch_order
from initspec.norms import RMSNorm
from initspec.train import TrainConfig, TrainResult, evaluate

LAYER1 = "layer1_grad_norm"


@dataclass
class _Saved:
    """What one block's forward keeps for its backward."""

    x: torch.Tensor  # block input
    rms: torch.Tensor | None  # 1 / rms(x), shape (B, 1); None without a norm
    h: torch.Tensor  # normalised input (the first Linear's input)
    u: torch.Tensor  # first Linear's output (pre-GeLU)
    a: torch.Tensor  # GeLU output (the second Linear's input)


def _norm_forward(norm: RMSNorm, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    rms = torch.rsqrt(x.square().mean(dim=-1, keepdim=True) + norm.eps)
    return x * rms * norm.weight.detach(), rms


def _norm_backward(
    norm: RMSNorm, x: torch.Tensor, rms: torch.Tensor, dh: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Gradients of ``y = x * rms * w`` with respect to x and w."""
    x_hat = x * rms
    dw = (dh * x_hat).sum(dim=0)
    dx_hat = dh * norm.weight.detach()
    dx = rms * (dx_hat - x_hat * (dx_hat * x_hat).mean(dim=-1, keepdim=True))
    return dx, dw


class FastSGD:
    """SGD with momentum over a :class:`DeepMLP`, its backward written by hand.

    Momentum as ``torch.optim.SGD`` (no dampening): ``buf = momentum * buf + g`` (``buf = g``
    on the first step, the same thing from a zero buffer), then ``p -= lr * buf``.
    """

    def __init__(self, model: DeepMLP, lr: float, momentum: float) -> None:
        self.model, self.lr, self.momentum = model, lr, momentum
        self.buffers: dict[torch.Tensor, torch.Tensor] = {
            p: torch.zeros_like(p) for p in model.parameters()
        }

    def _accumulate(self, param: torch.Tensor, grad: torch.Tensor) -> None:
        self.buffers[param].mul_(self.momentum).add_(grad)

    def _accumulate_mm(self, weight: torch.Tensor, dy: torch.Tensor, x: torch.Tensor) -> None:
        # buf = momentum * buf + dy^T x, in one matmul
        self.buffers[weight].addmm_(dy.t(), x, beta=self.momentum)

    def step(
        self, x: torch.Tensor, y: torch.Tensor, layer1_grad: bool = False
    ) -> tuple[float, float | None]:
        """One training step on batch (x, y). Returns the loss and, if asked, |grad W1|."""
        model = self.model
        pre_norm = model.pre_norm if isinstance(model.pre_norm, RMSNorm) else None
        chain_in = x
        pre_rms = None
        if pre_norm is not None:
            x, pre_rms = _norm_forward(pre_norm, x)

        saved: list[_Saved] = []
        with torch.no_grad():
            for index in range(len(model.blocks)):
                block = model.block(index)
                norm = block.norm if isinstance(block.norm, RMSNorm) else None
                h, rms = _norm_forward(norm, x) if norm is not None else (x, None)
                u = torch.addmm(block.up.bias, h, block.up.weight.t())
                a = F.gelu(u)
                out = torch.addmm(block.down.bias, a, block.down.weight.t())
                saved.append(_Saved(x, rms, h, u, a))
                x = x + out if model.config.residual else out
            logits = torch.addmm(model.head.bias, x, model.head.weight.t())
            loss = F.cross_entropy(logits, y)
            value = float(loss)
            if not math.isfinite(value):
                return value, None

            # backward, accumulating each gradient into its momentum buffer
            dz = torch.softmax(logits, dim=-1)
            dz[torch.arange(len(y)), y] -= 1.0
            dz /= len(y)
            self._accumulate_mm(model.head.weight, dz, x)
            self._accumulate(model.head.bias, dz.sum(dim=0))
            dx = dz @ model.head.weight
            norm1: float | None = None
            for index in reversed(range(len(model.blocks))):
                block, s = model.block(index), saved[index]
                self._accumulate_mm(block.down.weight, dx, s.a)
                self._accumulate(block.down.bias, dx.sum(dim=0))
                du = torch.ops.aten.gelu_backward(dx @ block.down.weight, s.u)
                if index == 0 and layer1_grad:
                    grad = du.t() @ s.h
                    norm1 = float(torch.linalg.vector_norm(grad))
                    self._accumulate(block.up.weight, grad)
                else:
                    self._accumulate_mm(block.up.weight, du, s.h)
                self._accumulate(block.up.bias, du.sum(dim=0))
                dh = du @ block.up.weight
                if s.rms is not None:
                    assert isinstance(block.norm, RMSNorm)
                    dh, dw = _norm_backward(block.norm, s.x, s.rms, dh)
                    self._accumulate(block.norm.weight, dw)
                dx = dx + dh if model.config.residual else dh
            if pre_norm is not None and pre_rms is not None:
                _, dw = _norm_backward(pre_norm, chain_in, pre_rms, dx)
                self._accumulate(pre_norm.weight, dw)

            for param, buffer in self.buffers.items():
                param.sub_(buffer, alpha=self.lr)
        return value, norm1


def train_deep(
    model: DeepMLP,
    data: Dataset,
    config: TrainConfig,
    progress: Callable[[int, float], None] | None = None,
) -> TrainResult:
    """:func:`initspec.train.train` for a :class:`DeepMLP` with SGD, the layer-1 probe built in.

    Returns the same :class:`TrainResult`; ``probes["layer1_grad_norm"]`` holds the Frobenius
    norm of layer 1's weight gradient every ``config.probe_every`` steps.
    """
    if config.optimizer != "sgd":
        raise ValueError(f"the hand-written step does SGD only, got {config.optimizer!r}")
    optimizer = FastSGD(model, config.lr, config.momentum)
    order = batch_order(len(data.x_train), config.batch_size, config.steps, config.data_seed)
    losses: list[float | None] = [None] * config.steps
    norms: list[tuple[int, float]] = []
    first_nan: int | None = None
    model.train()
    for step in range(config.steps):
        index = order[step]
        probe = step % config.probe_every == 0
        value, norm1 = optimizer.step(data.x_train[index], data.y_train[index], probe)
        if not math.isfinite(value):
            first_nan = step
            break
        losses[step] = value
        if norm1 is not None:
            norms.append((step, norm1))
        if progress is not None:
            progress(step, value)
    val_loss, val_accuracy = (None, None) if first_nan is not None else evaluate(model, data)
    return TrainResult(losses, first_nan, val_loss, val_accuracy, {LAYER1: norms})
