"""Shared runs of the character model: trained once per session, judged by several claims.

Every run uses the packaged corpus (census first names, V = 27) and the post's optimisation
(plain SGD, batch 32, lr 0.1). The spec tier trains ``CHAR_STEPS`` steps, not the post's
200,000; each verdict records how many it used.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch
from torch import nn

from initspec.charmodel import CHAR_INITS, blog_config, build_char_mlp
from initspec.corpus import CharSplits, Vocabulary, default_splits
from initspec.train import TrainResult, train

CHAR_STEPS = 3000  # the spec tier's training length (the post trains 200,000)
SEEDS = (0, 1, 2)  # weight seed = data seed of each run
PROBE_EVERY = 10
PROBE_EXAMPLES = 512


@dataclass
class CharRun:
    """One trained single-hidden-layer model and what its training recorded."""

    init: str
    seed: int
    model: nn.Module
    result: TrainResult

    @property
    def losses(self) -> list[float]:
        return self.result.finite_losses

    @property
    def val_loss(self) -> float:
        assert self.result.val_loss is not None, f"{self.init} seed {self.seed} hit NaN"
        return self.result.val_loss

    @property
    def logit_std(self) -> list[tuple[int, float]]:
        return self.result.probes["logit_std"]


@dataclass(frozen=True)
class CharSetup:
    steps: int = CHAR_STEPS
    seeds: tuple[int, ...] = SEEDS


@pytest.fixture(scope="session")
def char_setup() -> CharSetup:
    """The spec tier's training length and seeds (tests read them here, not by import)."""
    return CharSetup()


@pytest.fixture(scope="session")
def char_data() -> tuple[Vocabulary, CharSplits]:
    return default_splits()


@pytest.fixture(scope="session")
def corpus(char_data: tuple[Vocabulary, CharSplits]) -> dict[str, object]:
    """What every verdict records about its data: which corpus and which V."""
    return {"corpus": "census first names (names package)", "vocab_size": char_data[0].size}


@pytest.fixture(scope="session")
def char_runs(char_data: tuple[Vocabulary, CharSplits]) -> dict[tuple[str, int], CharRun]:
    """The post's model under each init ("naive", "output-fix", "hidden-fix"), per seed."""
    vocab, splits = char_data
    probe_x = splits.val.x[:PROBE_EXAMPLES]

    def logit_std(model: nn.Module) -> float:
        with torch.no_grad():
            return float(model(probe_x).std().item())

    runs: dict[tuple[str, int], CharRun] = {}
    for init in CHAR_INITS:
        for seed in SEEDS:
            model = build_char_mlp(vocab.size, init=init, seed=seed)
            config = blog_config(CHAR_STEPS, data_seed=seed, probe_every=PROBE_EVERY)
            result = train(model, splits.as_dataset(), config, {"logit_std": logit_std})
            runs[init, seed] = CharRun(init, seed, model, result)
    return runs
