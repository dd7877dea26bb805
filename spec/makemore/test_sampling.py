"""Sampling: autoregressive, stops at the end token, and after training gives name-like strings.

The trained models are the shared runs' hidden-fix models (``char_runs``: the document's
200,000 steps in the document tier, the first 3,000 in the quick tier). "Name-like" is measured
with a character bigram model fitted on 90 % of the names (add-one smoothing): the mean
log-likelihood per character (end token included) of the samples, against the held-out real
names and against samples from the same model untrained.
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

COUNT = 50  # names sampled per seed
MAX_LENGTH = 50  # a sample that reaches this many characters has not stopped
# Test-only readings of "name-like strings", against held-out real names:
LENGTH_TOLERANCE = 2.0  # a mean length within 2 characters of theirs
NAME_LIKE = 0.25  # a bigram log-likelihood per character within 0.25 nats of theirs
LEARNED = 0.5  # and 0.5 nats per character above the untrained model's samples
HELD_OUT = 0.1  # the bigram model is fitted on 90 % of the names, real names scored on the rest


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
    char_runs, char_data: tuple[Vocabulary, CharSplits], char_setup, seed_base, corpus, evidence
) -> None:
    vocab, _ = char_data
    names = load_names()
    shuffled = random.Random(seed_base).sample(names, len(names))
    cut = int((1 - HELD_OUT) * len(names))
    score = bigram_scorer(vocab, shuffled[:cut])
    real = shuffled[cut:]
    real_score = statistics.mean(score(name) for name in real)
    real_length = statistics.mean(len(n) for n in real)
    known = set(names)
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
                "ended": all(len(n) < MAX_LENGTH for n in trained),
                "alphabet_ok": all(set(n) <= set(vocab.itos[1:]) for n in trained),
                "mean_length": statistics.mean(len(n) for n in trained),
                "bigram_ll": statistics.mean(score(n) for n in trained),
                "untrained_bigram_ll": statistics.mean(score(n) for n in untrained),
                "untrained_mean_length": statistics.mean(len(n) for n in untrained),
                "copied_from_corpus": sum(n in known for n in trained) / COUNT,
            }
        )
    evidence.horizon(steps=char_setup.steps, document_steps=char_setup.document_steps)
    evidence.record(
        **corpus,
        model="the hidden fix (W2 x 0.1, b2 = 0, W1 x 0.1, b1 = 0), trained",
        samples_per_seed=COUNT,
        real_bigram_ll=real_score,
        real_mean_length=real_length,
        per_seed=rows,
        examples=examples,
    )
    # Each criterion is what sampling from a trained model does: every seed.
    evidence.check_all(
        f"every sample ends with the end token before {MAX_LENGTH} characters",
        [row["ended"] for row in rows],
        document="repeat until a termination token is produced",
    )
    evidence.check_all(
        "every sample uses only the names' letters",
        [row["alphabet_ok"] for row in rows],
        document="Append the sampled token to the context window",
    )
    evidence.check(
        "samples' mean length minus real names' mean length",
        [row["mean_length"] - real_length for row in rows],
        comparison="in",
        bound=[-LENGTH_TOLERANCE, LENGTH_TOLERANCE],
        document="yields name-like strings",
        unit="characters",
    )
    evidence.check(
        "samples' bigram log-likelihood per character minus real names'",
        [row["bigram_ll"] - real_score for row in rows],
        comparison=">",
        bound=-NAME_LIKE,
        document="yields name-like strings",
        unit="nats",
    )
    evidence.check(
        "trained samples' bigram log-likelihood per character minus the untrained model's",
        [row["bigram_ll"] - row["untrained_bigram_ll"] for row in rows],
        comparison=">",
        bound=LEARNED,
        document="after training yields name-like strings",
        unit="nats",
    )
