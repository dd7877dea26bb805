"""Lab 03's training step (50 blocks, hidden 256, batch 64), timed against fp32 matmul.

Three ways to run it:

- ``autograd``: a plain PyTorch loop (forward, ``loss.backward()``, ``torch.optim.SGD``) on
  all the process's threads;
- ``hand``: the hand-written step of :mod:`initspec.training.hand_sgd`, one run on all the threads;
- ``hand-side-by-side``: the hand-written step, one run per thread, as the spec and the lab
  train (:mod:`initspec.training.parallel`). Its GFLOP/s count every run's steps.
- ``matmuls-only-side-by-side``: the step's matmuls alone, on the model's weights and buffers,
  side by side as above: what the step would reach if everything but its matmuls were free.

Each is compared with an fp32 matmul measured in the same run, with all the threads; the
step's FLOPs are counted from the Linear shapes (about 10 GFLOP a step). A round is
``STEPS_PER_ROUND`` steps of every run. ``peak_rss_mib`` is the process's peak memory so far.
"""

from __future__ import annotations

import resource
from collections.abc import Callable
from typing import Any

import pytest
import torch
from torch.nn import functional as F

from initspec.claims.numbers import LAB03_GELU_GAIN
from initspec.data.toy import batch_order, toy_data
from initspec.models.blocks import build_deep_mlp
from initspec.training.hand_sgd import FastSGD
from initspec.training.parallel import default_workers, side_by_side
from initspec.training.throughput import flops_per_step, matmul_gflops

MATMUL_SIZE = 1024
BATCH = 64
STEPS_PER_ROUND = 4

Step = Callable[[torch.Tensor, torch.Tensor], float]


def autograd_step(model: torch.nn.Module) -> Step:
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)

    def step(x: torch.Tensor, y: torch.Tensor) -> float:
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
        return loss.item()

    return step


def hand_written_step(model: torch.nn.Module) -> Step:
    optimizer = FastSGD(model, lr=1e-3, momentum=0.9)  # type: ignore[arg-type]
    return lambda x, y: optimizer.step(x, y, layer1_grad=True)[0]


def matmuls_only(model: torch.nn.Module) -> Step:
    """The step's matmuls and nothing else: each Linear's forward product, then backward its
    weight gradient into the momentum buffer (``addmm_``) and its input gradient, on the
    model's own weights and buffers (as large as the step's, so read from memory as the step
    reads them). No bias, activation, norm, loss or update: the most the step could reach."""
    optimizer = FastSGD(model, lr=1e-3, momentum=0.9)  # type: ignore[arg-type]
    linears = [linear for b in optimizer.blocks for linear in (b.up, b.down)] + [optimizer.head]

    def step(x: torch.Tensor, y: torch.Tensor) -> float:
        inputs = []
        h = x
        for linear in linears:
            inputs.append(h)
            h = torch.mm(h, linear.weight.t()).tanh_()  # tanh_: keep the values finite
        dy = torch.ones_like(h)
        for linear, a in zip(reversed(linears), reversed(inputs), strict=True):
            linear.weight_buffer.addmm_(dy.t(), a, beta=0.9)
            dy = (dy @ linear.weight).tanh_()
        return 0.0

    return step


CASES = {
    "autograd": (autograd_step, 1),
    "hand": (hand_written_step, 1),
    "hand-side-by-side": (hand_written_step, default_workers()),
    "matmuls-only-side-by-side": (matmuls_only, default_workers()),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bench_lab03_training_step(benchmark: Any, case: str) -> None:
    make_step, runs = CASES[case]
    data = toy_data(0)
    models = [
        build_deep_mlp(seed, residual=True, gain=LAB03_GELU_GAIN) for seed in range(1, runs + 1)
    ]
    steps = [make_step(model) for model in models]
    order = batch_order(len(data.x_train), BATCH, 1000, seed=0)
    counter = iter(range(10**9))

    def some_steps(step: Step) -> Callable[[], None]:
        def train() -> None:
            for _ in range(STEPS_PER_ROUND):
                index = order[next(counter) % len(order)]
                step(data.x_train[index], data.y_train[index])

        return train

    def one_round() -> None:
        if runs == 1:
            some_steps(steps[0])()  # on all the threads
        else:
            side_by_side([some_steps(step) for step in steps], workers=runs)

    peak = matmul_gflops(size=MATMUL_SIZE)
    benchmark.pedantic(one_round, rounds=8, warmup_rounds=1)
    flops = flops_per_step(models[0], BATCH) * STEPS_PER_ROUND * runs
    achieved = flops / benchmark.stats.stats.mean / 1e9
    best = flops / benchmark.stats.stats.min / 1e9
    benchmark.extra_info.update(
        runs_side_by_side=runs,
        ms_per_step=1000 * benchmark.stats.stats.mean / (STEPS_PER_ROUND * runs),
        gflop_per_round=flops / 1e9,
        achieved_gflops=achieved,
        achieved_gflops_best_round=best,
        matmul_gflops=peak,
        ratio=achieved / peak,
        ratio_best_round=best / peak,
        threads=torch.get_num_threads(),
        # the process's peak resident memory so far (Linux reports KiB): all runs together
        peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
    assert achieved > 0
