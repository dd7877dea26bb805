"""Exactly-zero output weights: do they stall symmetry breaking?

With W2 = 0 and b2 = 0 the hidden layer gets exactly zero gradient at step 0 (dL/dh = W2^T
dL/dlogits), but W2 itself gets dL/dW2 = dL/dlogits h^T, which differs per hidden unit as
long as the hidden activations differ. So a zero output layer may only delay learning by a
step. The lecture's statement is tested as written (zero W2 stalls compared with small W2);
the case where it does stall (a zero hidden layer as well) is measured beside it.
"""

from __future__ import annotations

import statistics

import pytest
import torch
from torch.nn import functional as F

from initspec.charmodel import blog_config, build_char_mlp
from initspec.train import train

STEPS = 300
STALL_MARGIN = 0.05  # nats of final loss by which "stalled" must trail the small-weight run
# case -> (output weight scale, zero the hidden layer too); hidden: W1 x 0.1, b1 = 0
CASES = {"small": (0.01, False), "zero": (0.0, False), "all-zero": (0.0, True)}


@pytest.fixture(scope="module")
def runs(char_data, char_setup) -> dict[str, list[dict[str, float]]]:
    vocab, splits = char_data
    x, y = splits.train.x[:32], splits.train.y[:32]
    results: dict[str, list[dict[str, float]]] = {}
    for case, (scale, zero_hidden) in CASES.items():
        results[case] = []
        for seed in char_setup.seeds:
            model = build_char_mlp(vocab.size, init="hidden-fix", seed=seed)
            with torch.no_grad():
                model.output.weight.mul_(scale / 0.1)
                if zero_hidden:
                    model.hidden.weight.zero_()
            F.cross_entropy(model(x), y).backward()  # type: ignore[no-untyped-call]
            hidden_grad = model.hidden.weight.grad.abs().max().item()  # type: ignore[union-attr]
            output_grad = model.output.weight.grad.abs().max().item()  # type: ignore[union-attr]
            model.zero_grad(set_to_none=True)
            result = train(model, splits.as_dataset(), blog_config(STEPS, data_seed=seed))
            losses = result.finite_losses
            results[case].append(
                {
                    "step0_hidden_grad_max": hidden_grad,
                    "step0_output_grad_max": output_grad,
                    "loss_steps_0_10": statistics.mean(losses[:10]),
                    "loss_last_50": statistics.mean(losses[-50:]),
                    "val_loss": result.val_loss if result.val_loss is not None else 99.0,
                    "output_weight_rank": float(torch.linalg.matrix_rank(model.output.weight)),
                }
            )
    return results


@pytest.mark.claim("lecture.symmetry-breaking")
def test_exactly_zero_output_weights_stall_learning(runs, char_setup, corpus, evidence) -> None:
    small, zero, all_zero = runs["small"], runs["zero"], runs["all-zero"]
    stalled = [
        z["val_loss"] > s["val_loss"] + STALL_MARGIN for s, z in zip(small, zero, strict=True)
    ]
    evidence.record(
        **corpus,
        steps=STEPS,
        stall_margin=STALL_MARGIN,
        val_small_w2=[r["val_loss"] for r in small],
        val_zero_w2=[r["val_loss"] for r in zero],
        val_zero_w2_and_w1=[r["val_loss"] for r in all_zero],
        step0_hidden_grad_zero_w2=[r["step0_hidden_grad_max"] for r in zero],
        step0_output_grad_zero_w2=[r["step0_output_grad_max"] for r in zero],
        output_rank_zero_w2=[r["output_weight_rank"] for r in zero],
        output_rank_all_zero=[r["output_weight_rank"] for r in all_zero],
    )
    evidence.seeds(run=len(char_setup.seeds), held=sum(stalled))
    # The case where zero weights do stall: the hidden layer zero as well (h = tanh(0) = 0).
    all_zero_stalls = all(
        a["val_loss"] > s["val_loss"] + STALL_MARGIN and a["output_weight_rank"] == 0
        for s, a in zip(small, all_zero, strict=True)
    )
    if all_zero_stalls:
        evidence.condition(
            "only when the hidden layer is zero too: then h = 0, W2 gets no gradient and stays "
            "0, and the model can learn only the output bias (the unigram loss); zero output "
            "weights over a random hidden layer cost one step and train like small ones"
        )
    assert all(stalled), (
        f"expected exactly-zero output weights to trail small (x 0.01) ones by > {STALL_MARGIN} "
        f"in val loss after {STEPS} steps; small {[r['val_loss'] for r in small]}, zero "
        f"{[r['val_loss'] for r in zero]}"
    )
