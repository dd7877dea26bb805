"""Sampling: autoregressive, stops at the end token, and after training gives name-like strings.

"Name-like" is measured with a character bigram model fitted on the training names (add-one
smoothing): the mean log-likelihood per character (end token included) of the samples,
against held-out real names and against samples from the untrained model.
"""

from __future__ import annotations

import itertools
import random
import statistics
from collections.abc import Callable

import pytest
import torch

from initspec.charmodel import build_char_mlp, sample
from initspec.corpus import CharSplits, Vocabulary, load_names

COUNT = 50
MAX_LENGTH = 50


def bigram_scorer(vocab: Vocabulary, names: list[str]) -> Callable[[str], float]:
    """Mean log-likelihood per character (end token included) under an add-one bigram model."""
    counts = torch.ones(vocab.size, vocab.size)
    for name in names:
        for a, b in itertools.pairwise([0, *vocab.encode(name), 0]):
            counts[a, b] += 1
    log_probs = (counts / counts.sum(dim=1, keepdim=True)).log().tolist()

    def score(name: str) -> float:
        pairs = list(itertools.pairwise([0, *vocab.encode(name), 0]))
        return sum(log_probs[a][b] for a, b in pairs) / len(pairs)

    return score


@pytest.mark.claim("lecture.sampling")
def test_trained_model_samples_name_like_strings_that_end(
    char_runs, char_data: tuple[Vocabulary, CharSplits], char_setup, corpus, evidence
) -> None:
    vocab, _ = char_data
    names = load_names()
    known = set(names)
    shuffled = random.Random(0).sample(names, len(names))
    score = bigram_scorer(vocab, shuffled[: int(0.9 * len(names))])
    real = shuffled[int(0.9 * len(names)) :]
    real_score = statistics.mean(score(name) for name in real)
    rows, examples = [], []
    for seed in char_setup.seeds:
        untrained_model = build_char_mlp(vocab.size, init="hidden-fix", seed=seed)
        trained, untrained = (
            sample(model, vocab, COUNT, seed=seed, max_length=MAX_LENGTH)
            for model in (char_runs["hidden-fix", seed].model, untrained_model)
        )
        examples.extend(trained[:5])
        rows.append(
            {
                "ended": sum(len(n) < MAX_LENGTH for n in trained) / COUNT,
                "mean_length": statistics.mean(len(n) for n in trained),
                "bigram_ll": statistics.mean(score(n) for n in trained),
                "untrained_bigram_ll": statistics.mean(score(n) for n in untrained),
                "untrained_mean_length": statistics.mean(len(n) for n in untrained),
                "copied_from_corpus": sum(n in known for n in trained) / COUNT,
                "alphabet_ok": all(set(n) <= set(vocab.itos[1:]) for n in trained),
            }
        )
    real_length = statistics.mean(len(n) for n in real)
    evidence.record(
        **corpus,
        steps=char_setup.steps,
        samples_per_seed=COUNT,
        real_bigram_ll=real_score,
        real_mean_length=real_length,
        per_seed=rows,
        examples=examples,
    )
    held = [
        row["ended"] == 1.0
        and row["alphabet_ok"]
        and abs(row["mean_length"] - real_length) < 2.0
        and row["bigram_ll"] > real_score - 0.25
        and row["bigram_ll"] > row["untrained_bigram_ll"] + 0.5
        for row in rows
    ]
    evidence.seeds(run=len(rows), held=sum(held))
    assert all(held), (
        "expected every sample to end with '.' and use only a-z, a mean length within 2 of "
        f"real names ({real_length:.2f}) and a bigram log-likelihood per character within "
        f"0.25 of real names ({real_score:.3f}) and 0.5 above the untrained model's; "
        f"measured {rows}"
    )
