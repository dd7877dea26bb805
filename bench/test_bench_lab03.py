"""Lab 03's training step (50 blocks, hidden 256, batch 64): autograd vs the hand-written step.

Both are timed against an fp32 matmul measured in the same run, with the same threads; the
step's FLOPs are counted from the Linear shapes (about 10 GFLOP a step).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
from torch.nn import functional as F

from initspec.blocks import build_deep_mlp
from initspec.data import batch_order, toy_data
from initspec.fast import FastSGD
from initspec.throughput import flops_per_step, matmul_gflops

MATMUL_SIZE = 1024
BATCH = 64


def autograd_step(model: torch.nn.Module) -> Callable[[torch.Tensor, torch.Tensor], float]:
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)

    def step(x: torch.Tensor, y: torch.Tensor) -> float:
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
        return loss.item()

    return step


def hand_written_step(model: torch.nn.Module) -> Callable[[torch.Tensor, torch.Tensor], float]:
    optimizer = FastSGD(model, lr=1e-3, momentum=0.9)  # type: ignore[arg-type]
    return lambda x, y: optimizer.step(x, y, layer1_grad=True)[0]


@pytest.mark.parametrize("make_step", [autograd_step, hand_written_step], ids=["autograd", "hand"])
def test_bench_lab03_training_step(benchmark: Any, make_step: Callable[..., Any]) -> None:
    data = toy_data(0)
    model = build_deep_mlp(1, residual=True)
    step = make_step(model)
    order = batch_order(len(data.x_train), BATCH, 1000, seed=0)
    counter = iter(range(10**9))

    def train_step() -> float:
        index = order[next(counter) % len(order)]
        return float(step(data.x_train[index], data.y_train[index]))

    peak = matmul_gflops(size=MATMUL_SIZE)
    benchmark.pedantic(train_step, rounds=30, warmup_rounds=3)
    flops = flops_per_step(model, BATCH)
    achieved = flops / benchmark.stats.stats.mean / 1e9
    best = flops / benchmark.stats.stats.min / 1e9
    benchmark.extra_info.update(
        ms_per_step=1000 * benchmark.stats.stats.mean,
        flops_per_step=flops,
        achieved_gflops=achieved,
        achieved_gflops_best_step=best,
        matmul_gflops=peak,
        ratio=achieved / peak,
        ratio_best_step=best / peak,
        threads=torch.get_num_threads(),
    )
    assert achieved > 0
