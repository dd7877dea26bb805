"""Training from the naive init and from the fixed inits: hockey stick, speed, final loss.

The runs come from the session fixture ``char_runs``: the post's first model at each init,
three weight seeds, ``steps`` steps of plain SGD (lr 0.1, batch 32). Per-step losses
are noisy, so every comparison reads window means.
"""

from __future__ import annotations

import math
import statistics
from typing import Any

import pytest

from initspec.metrics import first_mean_below, window_mean

EARLY = 100  # the hockey stick's window: the first 100 steps
SMOOTH = 50  # window of the moving mean used to read "steps to reach a level"


def early_drop(run: Any) -> float:
    """Mean loss of the first 5 steps minus the mean around step ``EARLY``."""
    return window_mean(run.losses, 0, 5) - window_mean(run.losses, EARLY - 10, EARLY + 10)


def logit_std_at(run: Any, step: int) -> float:
    return min(run.logit_std, key=lambda pair: abs(pair[0] - step))[1]


@pytest.mark.claim("lecture.hockey-stick")
@pytest.mark.parametrize("fix", ["output-fix", "hidden-fix"])
def test_extreme_logits_give_a_hockey_stick_that_the_fix_removes(
    char_runs, char_setup, fix: str, corpus, evidence
) -> None:
    steps, seeds = char_setup.steps, char_setup.seeds
    log_v = math.log(int(corpus["vocab_size"]))  # type: ignore[call-overload]
    rows = []
    for seed in seeds:
        naive, fixed = char_runs["naive", seed], char_runs[fix, seed]
        rows.append(
            {
                "naive_early_drop": early_drop(naive),
                "fixed_early_drop": early_drop(fixed),
                # while the naive run is worse than a uniform guess it is only undoing its
                # overconfidence: nothing it has learned shows in the loss yet
                "naive_steps_above_log_v": first_mean_below(naive.losses, log_v, SMOOTH),
                "fixed_steps_above_log_v": first_mean_below(fixed.losses, log_v, SMOOTH),
                "naive_logit_std_0": logit_std_at(naive, 0),
                "naive_logit_std_after": logit_std_at(naive, EARLY),
                "fixed_logit_std_0": logit_std_at(fixed, 0),
                "fixed_logit_std_after": logit_std_at(fixed, EARLY),
            }
        )
    evidence.record(**corpus, fix=fix, steps=steps, window=EARLY, per_seed=rows)
    held = [
        row["fixed_early_drop"] < 0.2 * row["naive_early_drop"]
        and row["naive_logit_std_after"] < row["naive_logit_std_0"]
        and row["fixed_logit_std_after"] >= row["fixed_logit_std_0"]
        and (row["fixed_steps_above_log_v"] or steps) < (row["naive_steps_above_log_v"] or steps)
        for row in rows
    ]
    evidence.seeds(run=len(seeds), held=sum(held))
    assert all(held), (
        f"expected the naive run's first {EARLY} steps to drop >= 5x more than the {fix} run's "
        "while its logits shrink (and the fixed run's do not), and the naive run to sit above "
        f"log V = {log_v:.3f} longer; measured {rows}"
    )


@pytest.mark.claim("blog.init-fixes-converge")
def test_fixed_init_converges_faster_and_lower(char_runs, char_setup, corpus, evidence) -> None:
    steps, seeds = char_setup.steps, char_setup.seeds
    level = math.log(int(corpus["vocab_size"])) - 0.5  # type: ignore[call-overload]
    rows = []
    for seed in seeds:
        naive, fixed = char_runs["naive", seed], char_runs["hidden-fix", seed]
        rows.append(
            {
                "naive_steps_to_level": first_mean_below(naive.losses, level, SMOOTH),
                "fixed_steps_to_level": first_mean_below(fixed.losses, level, SMOOTH),
                "naive_final_train": window_mean(naive.losses, steps - 200, steps),
                "fixed_final_train": window_mean(fixed.losses, steps - 200, steps),
                "naive_val": naive.val_loss,
                "fixed_val": fixed.val_loss,
            }
        )
    evidence.record(
        **corpus,
        steps=steps,
        doc_steps=200_000,
        level=level,
        level_rule="log V - 0.5, read on a 50-step moving mean",
        per_seed=rows,
    )
    held = [
        (row["fixed_steps_to_level"] or steps) < (row["naive_steps_to_level"] or steps)
        and row["fixed_final_train"] < row["naive_final_train"]
        and row["fixed_val"] < row["naive_val"]
        for row in rows
    ]
    evidence.seeds(run=len(seeds), held=sum(held))
    assert all(held), (
        f"expected the fixed init (W x 0.1, b = 0 in both layers) to reach loss {level:.2f} "
        f"sooner and to end with lower train and val loss than the naive init; measured {rows}"
    )


@pytest.mark.claim("lecture.val-loss-improves")
def test_fixed_init_ends_with_lower_validation_loss(
    char_runs, char_setup, corpus, evidence
) -> None:
    steps, seeds = char_setup.steps, char_setup.seeds
    val = {
        init: [char_runs[init, seed].val_loss for seed in seeds]
        for init in ("naive", "output-fix", "hidden-fix")
    }
    means = {init: statistics.mean(losses) for init, losses in val.items()}
    evidence.record(
        **corpus,
        steps=steps,
        doc_steps=200_000,
        doc_value="2.17 -> 2.10 (original -> all fixes; lecture's names file, V = 27)",
        doc_naive=2.17,
        doc_fixed=2.10,
        measured_naive=means["naive"],
        measured_output_fix=means["output-fix"],
        measured_fixed=means["hidden-fix"],
        measured_per_seed=val,
        note="at equal, short training the gap is far wider than the lecture's 0.07",
    )
    held = [f < n for n, f in zip(val["naive"], val["hidden-fix"], strict=True)]
    evidence.seeds(run=len(seeds), held=sum(held))
    assert all(held), (
        "expected the fixed init's validation loss below the naive init's at equal steps "
        f"({steps}); measured naive {val['naive']}, fixed {val['hidden-fix']}"
    )
