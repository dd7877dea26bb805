"""A hand-written training step for lab 03's deep model: the same SGD as
:func:`initspec.training.loop.train`, without autograd.

Why: at batch 64 the model's matmuls are small (64 x 256 x 1024), so a plain autograd step
spends much of its time outside them: allocating a fresh gradient for each of the 26M
parameters, then reading it again in the optimizer. Here the weight gradient goes straight into
the momentum buffer inside the matmul (``buf = momentum * buf + g`` is one ``addmm_``), so a
step is the model's matmuls plus one pass over the weights. Each weight is updated as soon as
the backward pass no longer needs it, while it and its buffer are still in cache; that is the
same SGD step as updating all of them at the end, since every gradient is computed from the
weights before the step. Spec tests check that it computes the same losses and gradients as
autograd.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch.nn import functional as F

from initspec.data.toy import Dataset
from initspec.models.blocks import DeepMLP
from initspec.models.norms import RMSNorm
from initspec.training.loop import TrainConfig, TrainResult, train_one

LAYER1 = "layer1_grad_norm"


def _warm(tensor: torch.Tensor) -> None:
    """Read ``tensor`` once, front to back, so that the matmul that follows finds it in cache.

    The model's weights and buffers (210 MB) do not fit in cache, so every matmul starts on a
    matrix that is in memory, and the matmul's own first pass over it (packing) reads it
    slowly. A plain sum streams it in far faster: on the 2-core machine a 1024 x 256 sum plus
    the matmul take about 0.41 ms where the matmul alone, from memory, takes 0.52 ms.
    """
    tensor.sum()


class _Linear:
    """A Linear's weight and bias (detached: updated in place) and their momentum buffers."""

    def __init__(self, linear: torch.nn.Linear) -> None:
        self.weight, self.bias = linear.weight.detach(), linear.bias.detach()
        self.weight_buffer = torch.zeros_like(self.weight)
        self.bias_buffer = torch.zeros_like(self.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _warm(self.weight)
        # mm then add: torch.addmm with a broadcast bias is slower by a copy of the output
        return torch.mm(x, self.weight.t()).add_(self.bias)

    def backward(
        self, dy: torch.Tensor, x: torch.Tensor, momentum: float, ones: torch.Tensor
    ) -> torch.Tensor:
        """Accumulate the gradients into the buffers (``buf = momentum * buf + grad``) and
        return the gradient of the input, ``dy @ weight``."""
        _warm(self.weight_buffer)
        self.weight_buffer.addmm_(dy.t(), x, beta=momentum)  # grad = dy^T x
        self.bias_buffer.addmv_(dy.t(), ones, beta=momentum)  # grad = sum of dy's rows
        _warm(self.weight)
        return dy @ self.weight

    def update(self, lr: float) -> None:
        self.weight.sub_(self.weight_buffer, alpha=lr)
        self.bias.sub_(self.bias_buffer, alpha=lr)


class _RMSNorm:
    """``y = x * r * w`` with ``r = 1 / sqrt(mean(x^2) + eps)``, and its momentum buffer."""

    def __init__(self, norm: RMSNorm) -> None:
        self.weight, self.eps = norm.weight.detach(), norm.eps
        self.buffer = torch.zeros_like(self.weight)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Returns y, x_hat = x * r and r (shape (B, 1))."""
        r = x.square().mean(dim=-1, keepdim=True).add_(self.eps).rsqrt_()
        x_hat = x * r
        return x_hat * self.weight, x_hat, r

    def backward(
        self, dy: torch.Tensor, x_hat: torch.Tensor, r: torch.Tensor, momentum: float
    ) -> torch.Tensor:
        """Accumulate dL/dw into the buffer; return dL/dx = r (g - x_hat mean(g x_hat))."""
        self.buffer.mul_(momentum).add_((dy * x_hat).sum(dim=0))
        g = dy * self.weight
        dot = (g * x_hat).sum(dim=-1, keepdim=True)
        return torch.addcmul(g, x_hat, dot, value=-1.0 / x_hat.shape[-1]).mul_(r)

    def update(self, lr: float) -> None:
        self.weight.sub_(self.buffer, alpha=lr)


@dataclass
class _Block:
    norm: _RMSNorm | None
    up: _Linear
    down: _Linear


@dataclass
class _Pending:
    """What :meth:`FastSGD.forward` keeps for :meth:`FastSGD.update`."""

    y: torch.Tensor
    x: torch.Tensor  # the head's input
    logits: torch.Tensor
    saved: list[_Saved]
    pre: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None


@dataclass
class _Saved:
    """What one block's forward keeps for its backward."""

    x_hat: torch.Tensor | None  # normalised input before the norm's weight; None without a norm
    r: torch.Tensor | None  # 1 / rms(x), shape (B, 1); None without a norm
    h: torch.Tensor  # the first Linear's input
    u: torch.Tensor  # the first Linear's output (pre-GeLU)
    a: torch.Tensor  # GeLU output (the second Linear's input)


class FastSGD:
    """SGD with momentum over a :class:`DeepMLP`, its backward written by hand.

    Momentum as ``torch.optim.SGD`` (no dampening): ``buf = momentum * buf + g`` (``buf = g``
    on the first step, the same thing from a zero buffer), then ``p -= lr * buf``. The model's
    parameters are updated in place.
    """

    def __init__(self, model: DeepMLP, lr: float, momentum: float) -> None:
        self.model, self.lr, self.momentum = model, lr, momentum
        self.residual = model.config.residual
        self.pre_norm = _RMSNorm(model.pre_norm) if isinstance(model.pre_norm, RMSNorm) else None
        self.blocks = [
            _Block(
                _RMSNorm(block.norm) if isinstance(block.norm, RMSNorm) else None,
                _Linear(block.up),
                _Linear(block.down),
            )
            for block in map(model.block, range(len(model.blocks)))
        ]
        self.head = _Linear(model.head)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> float:
        """The loss on batch (x, y); what the backward pass needs is kept for :meth:`update`."""
        with torch.no_grad():
            pre = self.pre_norm.forward(x) if self.pre_norm is not None else None
            if pre is not None:
                x = pre[0]
            saved: list[_Saved] = []
            for block in self.blocks:
                h, x_hat, r = block.norm.forward(x) if block.norm else (x, None, None)
                u = block.up.forward(h)
                a = F.gelu(u)
                out = block.down.forward(a)
                saved.append(_Saved(x_hat, r, h, u, a))
                x = out.add_(x) if self.residual else out
            logits = self.head.forward(x)
            value = float(F.cross_entropy(logits, y))
        self._pending = _Pending(y, x, logits, saved, pre)
        return value

    def update(self, layer1_grad: bool = False) -> float | None:
        """The backward pass of the last :meth:`forward` and the SGD step; returns |grad W1| if
        asked. Each parameter is updated as soon as the backward pass is done with it."""
        lr, momentum, residual = self.lr, self.momentum, self.residual
        pending = self._pending
        del self._pending
        y, x, logits, saved, pre = pending.y, pending.x, pending.logits, pending.saved, pending.pre
        ones = torch.ones(len(y), device=y.device)
        with torch.no_grad():
            dz = torch.softmax(logits, dim=-1)
            dz[torch.arange(len(y), device=y.device), y] -= 1.0
            dz /= len(y)
            dx = self.head.backward(dz, x, momentum, ones)
            self.head.update(lr)
            norm1: float | None = None
            for index in reversed(range(len(self.blocks))):
                block, s = self.blocks[index], saved[index]
                du = torch.ops.aten.gelu_backward(block.down.backward(dx, s.a, momentum, ones), s.u)
                block.down.update(lr)
                if index == 0 and layer1_grad:
                    # A product of its own (one matmul in 300), so that the update below is
                    # the same addmm_, bit for bit, whether or not the probe reads the norm.
                    norm1 = float(torch.linalg.vector_norm(du.t() @ s.h))
                dh = block.up.backward(du, s.h, momentum, ones)
                block.up.update(lr)
                if block.norm is not None and s.x_hat is not None and s.r is not None:
                    dh = block.norm.backward(dh, s.x_hat, s.r, momentum)
                    block.norm.update(lr)
                dx = dx.add_(dh) if residual else dh
            if self.pre_norm is not None and pre is not None:
                self.pre_norm.backward(dx, pre[1], pre[2], momentum)
                self.pre_norm.update(lr)
        return norm1

    def discard(self) -> None:
        """Drop what the last :meth:`forward` kept, without an update (a diverged step)."""
        del self._pending

    def step(
        self, x: torch.Tensor, y: torch.Tensor, layer1_grad: bool = False
    ) -> tuple[float, float | None]:
        """One training step on batch (x, y). Returns the loss and, if asked, |grad W1|; no
        update where the loss is not finite."""
        value = self.forward(x, y)
        if not math.isfinite(value):
            self.discard()
            return value, None
        return value, self.update(layer1_grad)


class HandSteps:
    """Lab 03's deep model stepped by :class:`FastSGD`, for
    :func:`initspec.training.loop.run_steps`: one member; the probe is the Frobenius norm of
    layer 1's weight gradient."""

    members = 1
    probe_names = (LAYER1,)

    def __init__(self, model: DeepMLP, config: TrainConfig) -> None:
        self.optimizer = FastSGD(model, config.lr, config.momentum)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> list[float]:
        return [self.optimizer.forward(x, y)]

    def stop(self, member: int) -> None:
        self.optimizer.discard()  # the diverged step's activations are not needed

    def update(self, probe: bool) -> list[dict[str, float]]:
        norm1 = self.optimizer.update(layer1_grad=probe)
        return [{LAYER1: norm1} if norm1 is not None else {}]


def train_deep(
    model: DeepMLP,
    data: Dataset,
    config: TrainConfig,
    progress: Callable[[int, float], None] | None = None,
) -> TrainResult:
    """:func:`initspec.training.loop.train` for a :class:`DeepMLP` with SGD, stepped by hand.

    Returns the same :class:`TrainResult`; ``probes["layer1_grad_norm"]`` holds the Frobenius
    norm of layer 1's weight gradient every ``config.probe_every`` steps.
    """
    if config.optimizer != "sgd":
        raise ValueError(f"the hand-written step does SGD only, got {config.optimizer!r}")
    return train_one(model, data, config, lambda: HandSteps(model, config), progress)
