"""The blog post's training recipe for its character models: plain SGD (no momentum), batch 32,
learning rate 0.1, and the loss on the first batch that recipe draws (the post's step-0 loss)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from initspec.data.corpus import CharSplits
from initspec.data.toy import batch_order
from initspec.training.loop import TrainConfig

# The post's optimisation: plain SGD (no momentum), batch 32, lr 0.1 (decayed x0.1 halfway).
BLOG_BATCH_SIZE = 32
BLOG_LR = 0.1


def blog_config(
    steps: int, *, lr: float = BLOG_LR, data_seed: int = 0, probe_every: int = 1
) -> TrainConfig:
    """A :class:`TrainConfig` for the post's loop: plain SGD, batch 32."""
    return TrainConfig(
        steps=steps,
        batch_size=BLOG_BATCH_SIZE,
        lr=lr,
        momentum=0.0,
        data_seed=data_seed,
        probe_every=probe_every,
    )


@torch.no_grad()
def first_batch_loss(model: nn.Module, splits: CharSplits, data_seed: int = 0) -> float:
    """The loss on the first training batch the trainer would draw (the post's step-0 loss)."""
    index = batch_order(len(splits.train), BLOG_BATCH_SIZE, 1, data_seed)[0]
    logits = model(splits.train.x[index])
    return float(F.cross_entropy(logits, splits.train.y[index]).item())
