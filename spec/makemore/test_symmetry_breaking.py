"""Exactly-zero output weights: do they stall symmetry breaking?

With W2 = 0 and b2 = 0 the hidden layer gets exactly zero gradient at step 0 (dL/dh = W2^T
dL/dlogits), but W2 itself gets dL/dW2 = dL/dlogits h^T, which differs per output token (the
targets differ) and per hidden unit (the hidden activations differ). So a zero output layer may
only delay learning by a step. The lecture's statement is tested as written, in its setup (the
output layer of the MLP, over a random hidden layer): the shared runs of ``char_runs`` with
exactly-zero output weights against the same draws with small ones (the post's hidden fix,
W2 x 0.1: inside the lecture's 0.01-0.1), same split and batches. The setup where zero weights
do stall (the hidden weights zero as well, so h = tanh(0) = 0) is measured beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
import torch
from torch.nn import functional as F

from initspec.data.corpus import CharSplits, Vocabulary
from initspec.judging.judge import judge
from initspec.models.charmodel import CharMLP
from initspec.plugin.evidence import Evidence, every, interpreted

if TYPE_CHECKING:
    from spec.common.plans import Plan
    from spec.makemore.conftest import CharRun

# "stall symmetry breaking": a stalled run ends behind the run from small nonzero weights, by
# more than half a tenth of a nat of final validation loss.
STALL_MARGIN = 0.05
STALL_READINGS = (0.01, 0.05, 0.1)
STALL_HOW = (
    "the lecture's bullet is on the output layer's init: zero output weights over a random "
    "hidden layer stall symmetry breaking if the run ends more than {margin:g} nats behind "
    "the one from small nonzero output weights"
)
DOCUMENT = (
    "Keep small nonzero random weights (avoid exact zeroing) so symmetry breaking remains "
    "possible for gradient-based learning."
)
SMALL, ZERO, ALL_ZERO = "hidden-fix", "zero-output", "zero-output-and-hidden"
BATCH = 32  # the post's batch: the step-0 gradients are read on the first 32 windows


def step0_gradients(model: CharMLP, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    """The largest absolute gradient of the hidden and output weights at the first step."""
    F.cross_entropy(model(x), y).backward()  # type: ignore[no-untyped-call]
    hidden, output = model.hidden.weight.grad, model.output.weight.grad
    assert hidden is not None and output is not None, "no gradient reached the weights"
    return {"hidden": hidden.abs().max().item(), "output": output.abs().max().item()}


def behind(runs: dict[tuple[str, int], CharRun], case: str, seed: int) -> float | None:
    """How far ``case``'s final validation loss trails the small-weights run's (None: NaN)."""
    small, other = runs[SMALL, seed].val_loss, runs[case, seed].val_loss
    return None if small is None or other is None else other - small


@pytest.mark.claim("lecture.symmetry-breaking")
def test_exactly_zero_output_weights_stall_learning(
    char_runs: dict[tuple[str, int], CharRun],
    char_setup: Plan,
    char_variants: dict[str, Callable[[int, int], CharMLP]],
    char_data: tuple[Vocabulary, CharSplits],
    seed_splits: dict[int, CharSplits],
    corpus: dict[str, object],
    evidence: Evidence,
) -> None:
    vocab_size, seeds = char_data[0].size, char_setup.seeds
    step0 = {
        case: [
            step0_gradients(
                char_variants[case](vocab_size, seed),
                seed_splits[seed].train.x[:BATCH],
                seed_splits[seed].train.y[:BATCH],
            )
            for seed in seeds
        ]
        for case in (ZERO, ALL_ZERO)
    }
    rank = {
        case: [
            float(torch.linalg.matrix_rank(char_runs[case, s].model.output.weight)) for s in seeds
        ]
        for case in (SMALL, ZERO, ALL_ZERO)
    }
    zero_behind = [behind(char_runs, ZERO, seed) for seed in seeds]
    all_zero_behind = [behind(char_runs, ALL_ZERO, seed) for seed in seeds]
    evidence.horizon(steps=char_setup.steps, document_steps=char_setup.document_steps)
    evidence.record(
        **corpus,
        small_weights="W2 x 0.1, b2 = 0 over the hidden fix (W1 x 0.1, b1 = 0)",
        val_small_w2=[char_runs[SMALL, s].val_loss for s in seeds],
        val_zero_w2=[char_runs[ZERO, s].val_loss for s in seeds],
        val_zero_w2_and_w1=[char_runs[ALL_ZERO, s].val_loss for s in seeds],
        step0_hidden_grad_zero_w2=[g["hidden"] for g in step0[ZERO]],
        step0_output_grad_zero_w2=[g["output"] for g in step0[ZERO]],
        step0_output_grad_zero_w2_and_w1=[g["output"] for g in step0[ALL_ZERO]],
        output_rank_after_training={case: ranks for case, ranks in rank.items()},
    )
    stalled = [gap for gap in all_zero_behind if gap is not None and gap > STALL_MARGIN]
    if len(stalled) == len(seeds) and max(rank[ALL_ZERO]) == 0:
        evidence.record(
            holds_when=(
                "the hidden weights are zero too: then h = 0, W2 gets no gradient and stays 0 "
                "(rank 0 after training), and the run ends "
                f"{min(stalled):.2f}-{max(stalled):.2f} nats behind the small-W2 run"
            )
        )
    for margin in STALL_READINGS:
        evidence.sensitivity(
            "'stall': the zero-W2 run ends behind by more than (nats)",
            margin,
            [
                judge(
                    "final validation loss of the zero-W2 run minus the small-W2 run's",
                    zero_behind,
                    comparison=">",
                    bound=margin,
                    rule=every(),
                    document=DOCUMENT,
                    unit="nats",
                    reading=interpreted(STALL_HOW.format(margin=margin)),
                )
            ],
        )
    evidence.check(
        "final validation loss of the zero-W2 run minus the small-W2 run's",
        zero_behind,
        comparison=">",
        bound=STALL_MARGIN,  # what zero weights do to a run: every seed
        document=DOCUMENT,
        unit="nats",
        reading=interpreted(STALL_HOW.format(margin=STALL_MARGIN)),
    )
