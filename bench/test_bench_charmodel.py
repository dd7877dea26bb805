"""Training steps per second of the character models, with and without diagnostics.

The char models are small, so a step is mostly Python and dispatch overhead; the diagnostics'
hooks add to that overhead while attached and must add nothing once detached. Each benchmark
round runs ``STEPS`` SGD steps on batches of 32 (the post's setup) and reports steps/s in
``extra_info``. Variants: no diagnostics; attached (hooks keep outputs and gradients);
attached and reading the update:data ratio every step (the post's ``ud`` list); and detached
after having been attached.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from initspec.charmodel import build_char_mlp, build_deep_char_mlp
from initspec.corpus import default_splits
from initspec.data import batch_order
from initspec.diagnostics import Diagnostics, hook_count
from initspec.parallel import side_by_side

STEPS = 50
LR = 0.075

MODELS: dict[str, Callable[[int], nn.Module]] = {
    "char-mlp": lambda vocab_size: build_char_mlp(vocab_size, init="hidden-fix", seed=0),
    "deep-bn-mlp": lambda vocab_size: build_deep_char_mlp(vocab_size, batchnorm=True, seed=0),
}
VARIANTS = ("plain", "attached", "attached+update-ratio", "detached")


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("model_name", list(MODELS))
def test_bench_char_training_step(benchmark, model_name: str, variant: str) -> None:
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
