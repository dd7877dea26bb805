"""Training steps per second of the character models: with and without diagnostics, and
seeds stacked into one model.

The char models are small, so a step is mostly Python and dispatch overhead; the diagnostics'
hooks add to that overhead while attached and must add nothing once detached. Each benchmark
round runs ``STEPS`` SGD steps on batches of 32 (the post's setup) and reports steps/s in
``extra_info``. Variants: no diagnostics; attached (hooks keep outputs and gradients);
attached and reading the update:data ratio every step (the post's ``ud`` list); and detached
after having been attached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from initspec.data.corpus import default_splits
from initspec.data.toy import batch_order
from initspec.models.charmodel import build_char_mlp, build_deep_char_mlp
from initspec.training.blog_recipe import blog_config
from initspec.training.diagnostics import Diagnostics, hook_count
from initspec.training.loop import make_optimizer
from initspec.training.parallel import side_by_side
from initspec.training.stacked import (
    StackedCharMLP,
    batch_orders,
    member_losses,
    sgd_step,
    step_batches,
)

STEPS = 50
LR = 0.075

MODELS: dict[str, Callable[[int], nn.Module]] = {
    "char-mlp": lambda vocab_size: build_char_mlp(vocab_size, init="hidden-fix", seed=0),
    "deep-bn-mlp": lambda vocab_size: build_deep_char_mlp(vocab_size, batchnorm=True, seed=0),
}
VARIANTS = ("plain", "attached", "attached+update-ratio", "detached")


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("model_name", list(MODELS))
def test_bench_char_training_step(benchmark: Any, model_name: str, variant: str) -> None:
    vocab, splits = default_splits()
    model = MODELS[model_name](vocab.size)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    order = batch_order(len(splits.train), 32, STEPS, seed=0)
    batches = [(splits.train.x[i], splits.train.y[i]) for i in order]
    diag = Diagnostics(model)
    if variant != "plain":
        diag.attach()
    if variant == "detached":
        diag.detach()
    record = variant == "attached+update-ratio"

    def steps() -> None:
        for x, y in batches:
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            if record:
                diag.record_update_ratios(LR)
            optimizer.step()

    # as initspec trains the char models: one run on one intra-op thread
    side_by_side([lambda: benchmark.pedantic(steps, rounds=5, iterations=1, warmup_rounds=1)], 1)
    diag.detach()
    assert hook_count(model) == 0
    benchmark.extra_info["steps_per_round"] = STEPS
    benchmark.extra_info["steps_per_s"] = STEPS / benchmark.stats.stats.mean
    benchmark.extra_info["torch_threads"] = 1


# Seeds at the price of one: one model's step against SEEDS models stacked into one
# (initspec.training.stacked), each on its own batches. The ratio of their round times is the cost
# of SEEDS seeds in units of one seed's.
STACKED_SEEDS = 8
SEED_ROUNDS = 15


@pytest.mark.parametrize("seeds", [1, STACKED_SEEDS], ids=["one-seed", f"stacked-{STACKED_SEEDS}"])
def test_bench_char_seeds(benchmark: Any, seeds: int) -> None:
    vocab, splits = default_splits()
    x, y = splits.train.x, splits.train.y
    configs = [blog_config(STEPS, lr=LR, data_seed=seed) for seed in range(seeds)]
    if seeds == 1:  # initspec.training.loop.train's step on one model
        model = build_char_mlp(vocab.size, init="hidden-fix", seed=0)
        optimizer = make_optimizer(model, configs[0])
        order = batch_order(len(splits.train), 32, STEPS, seed=0)

        def steps() -> None:
            for index in order:
                loss = F.cross_entropy(model(x[index]), y[index])
                loss.item()
                optimizer.zero_grad(set_to_none=True)
                loss.backward()  # type: ignore[no-untyped-call]
                optimizer.step()

    else:  # initspec.training.stacked.train_stacked's step on the stacked models
        models = [build_char_mlp(vocab.size, init="hidden-fix", seed=s) for s in range(seeds)]
        stacked = StackedCharMLP(models)
        orders, _ = batch_orders(len(splits.train), configs)
        data = splits.as_dataset()

        def steps() -> None:
            for xs, ys in step_batches(data, orders):
                losses = member_losses(stacked(xs), ys)
                losses.tolist()
                stacked.zero_grad(set_to_none=True)
                losses.sum().backward()  # type: ignore[no-untyped-call]
                sgd_step(stacked, LR)

    side_by_side(
        [lambda: benchmark.pedantic(steps, rounds=SEED_ROUNDS, iterations=1, warmup_rounds=1)], 1
    )
    benchmark.extra_info.update(
        seeds=seeds,
        steps_per_round=STEPS,
        ms_per_step=1000 * benchmark.stats.stats.mean / STEPS,
        ms_per_step_best_round=1000 * benchmark.stats.stats.min / STEPS,
        torch_threads=1,
    )
