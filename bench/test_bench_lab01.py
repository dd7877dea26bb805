"""Lab 01's training step (12 layers, width 256, batch 64) timed, with the machine's matmul rate.

The step's achieved GFLOP/s (Linear FLOPs from the layer shapes, per second) is compared with
an fp32 matmul measured in the same run, with the same threads.
"""

from __future__ import annotations

from typing import Any

import torch
from torch.nn import functional as F

from initspec.data.toy import batch_order, toy_data
from initspec.experiments.init_ablation import DEFAULTS
from initspec.training.throughput import flops_per_step, matmul_gflops

MATMUL_SIZE = 1024


def test_bench_lab01_training_step(benchmark: Any) -> None:
    config = DEFAULTS
    data = toy_data(0)
    model = config.build_model("kaiming", data, weight_seed=1)
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum)
    order = batch_order(len(data.x_train), config.batch_size, config.steps, seed=0)
    step = iter(range(10**9))

    def train_step() -> float:
        index = order[next(step) % len(order)]
        loss = F.cross_entropy(model(data.x_train[index]), data.y_train[index])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
        return loss.item()

    peak = matmul_gflops(size=MATMUL_SIZE)
    benchmark.pedantic(train_step, rounds=200, warmup_rounds=20)
    flops = flops_per_step(model, config.batch_size)
    # Mean and best step: on a busy machine the best step shows what the code can reach.
    achieved = flops / benchmark.stats.stats.mean / 1e9
    best = flops / benchmark.stats.stats.min / 1e9
    benchmark.extra_info.update(
        flops_per_step=flops,
        achieved_gflops=achieved,
        achieved_gflops_best_step=best,
        matmul_gflops=peak,
        ratio=achieved / peak,
        ratio_best_step=best / peak,
        threads=torch.get_num_threads(),
    )
    assert achieved > 0


def test_bench_fp32_matmul(benchmark: Any) -> None:
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(MATMUL_SIZE, MATMUL_SIZE, generator=generator)
    b = torch.randn(MATMUL_SIZE, MATMUL_SIZE, generator=generator)
    benchmark.pedantic(torch.mm, args=(a, b), rounds=20, warmup_rounds=2)
    gflops = 2 * MATMUL_SIZE**3 / benchmark.stats.stats.mean / 1e9
    benchmark.extra_info.update(
        size=MATMUL_SIZE, matmul_gflops=gflops, threads=torch.get_num_threads()
    )
    assert gflops > 0
