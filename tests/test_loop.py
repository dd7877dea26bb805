"""The one training loop (initspec.training.loop.run_steps), apart from any model.

A scripted step strategy gives each member's loss at every step, so these tests see what the
loop alone does: record each loss, stop a member at its first non-finite loss (and tell the
strategy so), stop the run when no member is left, read the probes of live members only on
probe steps, and report progress as the mean loss of the members still training.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest
import torch

from initspec.runtime.interrupts import STOP, Interrupted
from initspec.training.loop import Steps, StepsRun, TrainConfig, run_steps

NAN, INF = math.nan, math.inf


class Scripted:
    """Member k's loss at step s is ``script[s][k]``; its probe reads ``10 * s + k``."""

    probe_names = ("p",)

    def __init__(self, script: Sequence[Sequence[float]]) -> None:
        self.script = script
        self.members = len(script[0])
        self.step = -1
        self.stopped: list[int] = []
        self.updates: list[tuple[int, bool]] = []

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> list[float]:
        self.step += 1
        return list(self.script[self.step])

    def stop(self, member: int) -> None:
        self.stopped.append(member)

    def update(self, probe: bool) -> list[dict[str, float]]:
        self.updates.append((self.step, probe))
        return [{"p": 10.0 * self.step + k} if probe else {} for k in range(self.members)]


def run(
    script: Sequence[Sequence[float]],
    probe_every: int = 1,
    training: Sequence[bool] | None = None,
) -> tuple[Scripted, StepsRun, list[tuple[int, float]]]:
    steps = Scripted(script)
    seen: list[tuple[int, float]] = []
    batch = (torch.zeros(1), torch.zeros(1))
    config = TrainConfig(steps=len(script), probe_every=probe_every)
    done = run_steps(
        steps,
        [batch] * len(script),
        config,
        lambda step, loss: seen.append((step, loss)),
        training,
    )
    return steps, done, seen


def test_a_scripted_strategy_is_a_steps() -> None:
    steps: Steps = Scripted([[1.0]])  # mypy checks that it satisfies the protocol
    assert steps.members == 1, f"expected one member, got {steps.members}"


def test_every_finite_loss_is_recorded_and_every_step_updates() -> None:
    steps, done, seen = run([[3.0], [2.0], [1.0]])
    assert done.losses == [[3.0, 2.0, 1.0]], f"expected the three losses, got {done.losses}"
    assert done.first_nan == [None], f"expected no non-finite step, got {done.first_nan}"
    assert steps.updates == [(0, True), (1, True), (2, True)], f"got updates {steps.updates}"
    assert seen == [(0, 3.0), (1, 2.0), (2, 1.0)], f"expected progress per step, got {seen}"


def test_one_member_stops_at_its_first_non_finite_loss_without_an_update() -> None:
    steps, done, seen = run([[3.0], [INF], [1.0]])
    assert done.losses == [[3.0, None, None]], f"expected None from step 1, got {done.losses}"
    assert done.first_nan == [1], f"expected first non-finite step 1, got {done.first_nan}"
    assert steps.stopped == [0], f"expected the strategy told of member 0, got {steps.stopped}"
    assert steps.updates == [(0, True)], f"expected no update at or after step 1: {steps.updates}"
    assert seen == [(0, 3.0), (1, INF)], f"expected the diverged loss reported, got {seen}"


def test_a_stacked_member_stops_alone_and_the_rest_train_on() -> None:
    steps, done, seen = run([[4.0, 2.0], [NAN, 1.0], [NAN, 0.5]])
    assert done.losses == [[4.0, None, None], [2.0, 1.0, 0.5]], f"got {done.losses}"
    assert done.first_nan == [1, None], f"expected member 0 stopped at 1, got {done.first_nan}"
    assert steps.stopped == [0], f"expected member 0 stopped once, got {steps.stopped}"
    assert [loss for _, loss in seen] == [3.0, 1.0, 0.5], f"expected live means, got {seen}"
    assert done.probed == [{"p": [(0, 0.0)]}, {"p": [(0, 1.0), (1, 11.0), (2, 21.0)]}], (
        f"expected a stopped member's probes no longer recorded, got {done.probed}"
    )


def test_the_run_ends_when_the_last_member_stops() -> None:
    steps, done, seen = run([[1.0, 1.0], [NAN, 2.0], [NAN, INF], [NAN, 3.0]])
    assert done.first_nan == [1, 2], f"expected stops at 1 and 2, got {done.first_nan}"
    assert steps.step == 2, f"expected no forward after step 2, got {steps.step}"
    assert math.isnan(seen[-1][1]) and seen[-1][0] == 2, f"expected NaN at step 2, got {seen}"


def test_probes_are_read_every_probe_every_steps() -> None:
    steps, done, _ = run([[1.0]] * 5, probe_every=2)
    assert [probe for _, probe in steps.updates] == [True, False, True, False, True], (
        f"expected probes at steps 0, 2, 4; got {steps.updates}"
    )
    assert done.probed == [{"p": [(0, 0.0), (2, 20.0), (4, 40.0)]}], f"got {done.probed}"


def test_a_member_that_does_not_train_records_nothing() -> None:
    _, done, seen = run([[NAN, 1.0], [NAN, 2.0]], training=[False, True])
    assert done.losses == [[None, None], [1.0, 2.0]], f"got {done.losses}"
    assert done.first_nan == [None, None], f"expected no stop recorded, got {done.first_nan}"
    assert [loss for _, loss in seen] == [1.0, 2.0], f"got {seen}"


def test_a_stop_request_ends_the_run_within_a_step() -> None:
    STOP.set()
    try:
        with pytest.raises(Interrupted):
            run([[1.0], [1.0]])
    finally:
        STOP.clear()
