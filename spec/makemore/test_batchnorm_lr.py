"""BatchNorm stabilises training and allows higher learning rates: a learning-rate sweep.

Both of the post's BatchNorm models, each with and without BatchNorm: the first model (hidden
fix, BatchNorm after the hidden Linear, as the post's ``use_batch_norm`` run) and the 5-layer
tanh MLP (gain 5/3, last layer x 0.1). Plain SGD, batch 32, over a grid of learning rates
and three weight seeds. A setting "trains" when no seed hits NaN and every seed ends (mean
of its last 100 losses) at least 0.5 nats below log V.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from torch import nn

from initspec.charmodel import blog_config, build_char_mlp, build_deep_char_mlp
from initspec.metrics import final_loss
from initspec.train import train

LRS = (0.1, 0.5, 1.0, 2.0, 4.0)
Builder = Callable[[int, bool, int], nn.Module]
MODELS: dict[str, tuple[Builder, int]] = {
    "first-model": (
        lambda v, bn, seed: build_char_mlp(v, init="hidden-fix", batchnorm=bn, seed=seed),
        400,
    ),
    "five-layer": (lambda v, bn, seed: build_deep_char_mlp(v, batchnorm=bn, seed=seed), 300),
}


FINAL_WINDOW = 100  # a setting's final loss: mean of its last 100 losses (inf after a NaN)


@pytest.fixture(scope="module", params=list(MODELS))
def sweep(request, char_data, char_setup) -> dict[str, object]:
    vocab, splits = char_data
    build, steps = MODELS[request.param]
    finals: dict[str, dict[float, list[float]]] = {"plain": {}, "batchnorm": {}}
    peaks: dict[str, dict[float, float]] = {"plain": {}, "batchnorm": {}}
    for label, batchnorm in (("plain", False), ("batchnorm", True)):
        for lr in LRS:
            finals[label][lr], peak = [], 0.0
            for seed in char_setup.seeds:
                model = build(vocab.size, batchnorm, seed)
                config = blog_config(steps, lr=lr, data_seed=seed)
                losses = train(model, splits.as_dataset(), config).losses
                finals[label][lr].append(final_loss(losses, FINAL_WINDOW, diverged=math.inf))
                peak = max(peak, max((x for x in losses[50:] if x is not None), default=0.0))
            peaks[label][lr] = peak
    return {"model": request.param, "steps": steps, "finals": finals, "peaks": peaks}


@pytest.mark.claim("blog.bn-stabilises")
def test_batchnorm_trains_at_learning_rates_where_the_plain_model_breaks(
    sweep, char_setup, corpus, evidence
) -> None:
    level = math.log(int(corpus["vocab_size"])) - 0.5  # type: ignore[call-overload]
    finals: dict[str, dict[float, list[float]]] = sweep["finals"]  # type: ignore[assignment]

    def trains(label: str, lr: float, seed_index: int | None = None) -> bool:
        losses = finals[label][lr]
        chosen = losses if seed_index is None else [losses[seed_index]]
        return all(loss < level for loss in chosen)

    def top_lr(label: str, seed_index: int | None = None) -> float:
        return max((lr for lr in LRS if trains(label, lr, seed_index)), default=0.0)

    evidence.record(
        **corpus,
        model=sweep["model"],
        steps=sweep["steps"],
        lrs=list(LRS),
        trains_below=level,
        final_loss_plain={str(lr): v for lr, v in finals["plain"].items()},
        final_loss_batchnorm={str(lr): v for lr, v in finals["batchnorm"].items()},
        peak_loss_after_step_50_plain={str(k): v for k, v in sweep["peaks"]["plain"].items()},
        peak_loss_after_step_50_batchnorm={
            str(k): v for k, v in sweep["peaks"]["batchnorm"].items()
        },
        largest_lr_that_trains_plain=top_lr("plain"),
        largest_lr_that_trains_batchnorm=top_lr("batchnorm"),
    )
    held = [
        top_lr("batchnorm", i) > top_lr("plain", i)
        and all(trains("batchnorm", lr, i) for lr in LRS if trains("plain", lr, i))
        for i in range(len(char_setup.seeds))
    ]
    evidence.seeds(run=len(held), held=sum(held))
    assert all(held), (
        f"{sweep['model']}: expected BatchNorm to train at every lr the plain model trains at, "
        f"and at a higher one; largest lr that trains: plain {top_lr('plain')}, BatchNorm "
        f"{top_lr('batchnorm')}; final losses {finals}"
    )
