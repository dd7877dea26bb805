"""Normalisation layers written from their definitions, checked against torch.nn in spec/."""

from __future__ import annotations

import torch
from torch import nn


class BatchNorm1d(nn.Module):
    """Batch normalisation (Ioffe & Szegedy, 2015), as the lecture describes it.

    Training: y = gamma * (x - mean_B) / sqrt(var_B + eps) + beta, with the batch's mean and
    (biased) variance, so gradients flow through the statistics. The running statistics are
    updated by an exponential moving average, outside the graph, and used in eval mode.
    gamma and beta are parameters; running_mean and running_var are buffers.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1) -> None:
        super().__init__()
        self.eps = eps
        self.momentum = momentum
        self.weight = nn.Parameter(torch.ones(num_features))  # gamma
        self.bias = nn.Parameter(torch.zeros(num_features))  # beta
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.running_mean: torch.Tensor
        self.running_var: torch.Tensor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            mean = x.mean(dim=0)
            var = x.var(dim=0, unbiased=False)
            with torch.no_grad():
                # torch keeps the unbiased variance in its running estimate; so do we.
                n = x.shape[0]
                unbiased = var * n / max(n - 1, 1)
                self.running_mean.lerp_(mean, self.momentum)
                self.running_var.lerp_(unbiased, self.momentum)
        else:
            mean, var = self.running_mean, self.running_var
        x_hat = (x - mean) / torch.sqrt(var + self.eps)
        return self.weight * x_hat + self.bias


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
