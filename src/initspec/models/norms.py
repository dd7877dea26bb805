"""Normalisation layers written from their definitions, checked against torch.nn in spec/."""

from __future__ import annotations

import math

import torch
from torch import nn


class BatchNorm1d(nn.Module):
    """Batch normalisation (Ioffe & Szegedy, 2015), as the lecture describes it.

    Input is (batch, features). Training: y = gamma * (x - mean_B) / sqrt(var_B + eps) + beta,
    with the batch's mean and (biased) variance, so gradients flow through the statistics.
    The running statistics are updated by an exponential moving average, outside the graph,
    and used in eval mode, where a single example is normalised on its own.
    gamma (``weight``) and beta (``bias``) are parameters; ``running_mean``, ``running_var``
    and ``num_batches_tracked`` are buffers, named as in ``torch.nn.BatchNorm1d`` so that
    state dicts load into either.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1) -> None:
        super().__init__()
        if isinstance(num_features, bool) or not isinstance(num_features, int):
            raise ValueError(f"num_features must be a positive integer, got {num_features!r}")
        if num_features < 1:
            raise ValueError(f"num_features must be a positive integer, got {num_features!r}")
        if not (math.isfinite(eps) and eps >= 0):
            raise ValueError(f"eps must be a finite number >= 0, got {eps!r}")
        if not (math.isfinite(momentum) and 0 <= momentum <= 1):
            raise ValueError(f"momentum must lie in [0, 1], got {momentum!r}")
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.weight = nn.Parameter(torch.ones(num_features))  # gamma
        self.bias = nn.Parameter(torch.zeros(num_features))  # beta
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))
        self.running_mean: torch.Tensor
        self.running_var: torch.Tensor
        self.num_batches_tracked: torch.Tensor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 2 or x.shape[1] != self.num_features:
            raise ValueError(
                f"expected input of shape (batch, {self.num_features}), got {tuple(x.shape)}"
            )
        if self.training:
            n = x.shape[0]
            if n < 2:
                raise ValueError("batch statistics need more than one example per feature")
            mean = x.mean(dim=0)
            var = x.var(dim=0, unbiased=False)
            with torch.no_grad():
                # torch keeps the unbiased variance in its running estimate; so do we.
                self.running_mean.lerp_(mean.to(self.running_mean.dtype), self.momentum)
                unbiased = (var * n / (n - 1)).to(self.running_var.dtype)
                self.running_var.lerp_(unbiased, self.momentum)
                self.num_batches_tracked.add_(1)
        else:
            mean, var = self.running_mean, self.running_var
        x_hat = (x - mean) / torch.sqrt(var + self.eps)
        return self.weight * x_hat + self.bias

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class RMSNorm(nn.Module):
    """RMSNorm (Zhang & Sennrich, 2019): y = x / sqrt(mean(x^2) + eps) * weight."""

    def __init__(self, num_features: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(num_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + self.eps) * self.weight


NORMS: dict[str, type[nn.Module]] = {
    "batchnorm": BatchNorm1d,
    "layernorm": nn.LayerNorm,
    "rmsnorm": RMSNorm,
}


def make_norm(name: str, num_features: int) -> nn.Module:
    """Return a fresh normalisation layer, or raise ValueError for an unknown name."""
    if name not in NORMS:
        raise ValueError(f"unknown norm {name!r}; known: {', '.join(NORMS)}")
    layer: nn.Module = NORMS[name](num_features)
    return layer
