"""How fast this machine multiplies matrices, and how many FLOPs a training step needs.

Together they say how close a training step runs to the machine's fp32 matmul throughput:
achieved GFLOP/s = ``flops_per_step(model, batch) / seconds per step``, compared with
:func:`matmul_gflops`. Only Linear layers are counted (activations, the loss and the optimizer
are a rounding error next to them at the labs' widths).
"""

from __future__ import annotations

import time

import torch
from torch import nn

from initspec.models.mlp import linear_layers


def linear_training_flops(batch: int, n_in: int, n_out: int) -> int:
    """FLOPs of one Linear layer for one training step on ``batch`` examples.

    Forward: the (batch x n_in) @ (n_in x n_out) product, 2 * batch * n_in * n_out (a multiply
    and an add each). Backward: the gradients of the input and of the weight, two products of
    the same size, so twice the forward. Bias terms are left out.
    """
    forward = 2 * batch * n_in * n_out
    return forward + 2 * forward


def flops_per_step(model: nn.Module, batch: int) -> int:
    """Linear-layer FLOPs of one forward and backward pass of ``model`` on ``batch`` examples."""
    return sum(
        linear_training_flops(batch, layer.in_features, layer.out_features)
        for layer in linear_layers(model)
    )


def matmul_gflops(size: int = 1024, repeats: int = 10, seed: int = 0) -> float:
    """Measured fp32 GFLOP/s of a ``size`` x ``size`` matmul, with this process's threads.

    The best of ``repeats`` timed products (after one warm-up), as GFLOP/s: 2 * size^3 FLOPs.
    """
    if size < 1 or repeats < 1:
        raise ValueError(f"size and repeats must be positive, got {size}, {repeats}")
    generator = torch.Generator().manual_seed(seed)
    a = torch.randn(size, size, generator=generator)
    b = torch.randn(size, size, generator=generator)
    out = torch.empty(size, size)
    torch.mm(a, b, out=out)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b, out=out)
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9
