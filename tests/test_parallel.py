"""Runs side by side (initspec.training.parallel): the same results as one after another, in job
order.

Every run does its ops on one thread whatever runs beside it, so training side by side must
give the same losses and weights bit for bit; the spec's fixtures and the labs rely on it.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time

import pytest
import torch

from initspec.experiments.init_ablation import DEFAULTS, run_ablations
from initspec.training.parallel import default_workers, side_by_side

SMALL = dataclasses.replace(DEFAULTS, depth=5, width=48, steps=40)


def test_side_by_side_training_equals_serial_training_bit_for_bit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    setups = [(SMALL, 0), (SMALL, 1)]
    monkeypatch.setenv("INITSPEC_WORKERS", "1")
    serial = run_ablations(setups)
    monkeypatch.setenv("INITSPEC_WORKERS", "3")
    parallel = run_ablations(setups)
    for one, other in zip(serial, parallel, strict=True):
        for init, run in one.runs.items():
            assert run.result.losses == other.runs[init].result.losses, (
                f"seed {one.seed} {init}: losses differ between serial and side by side"
            )
    assert [a.seed for a in parallel] == [0, 1]


def test_results_come_back_in_job_order_from_several_threads() -> None:
    names: list[str] = []

    def job(index: int) -> int:
        time.sleep(0.01 * (5 - index))  # later jobs finish first
        names.append(threading.current_thread().name)
        return index

    assert side_by_side([functools.partial(job, i) for i in range(5)], workers=2) == list(range(5))
    assert len(set(names)) == 2, f"expected two worker threads, saw {sorted(set(names))}"


def test_each_job_runs_on_one_torch_thread_and_the_setting_comes_back() -> None:
    before = torch.get_num_threads()
    seen = side_by_side([torch.get_num_threads] * 4, workers=2)
    assert seen == [1, 1, 1, 1]
    assert torch.get_num_threads() == before


def test_a_nested_call_runs_inside_its_job() -> None:
    def outer(index: int) -> list[int]:
        jobs = [functools.partial(int.__add__, 10 * index, j) for j in range(3)]
        return side_by_side(jobs, workers=2)

    assert side_by_side([functools.partial(outer, i) for i in range(2)], workers=2) == [
        [0, 1, 2],
        [10, 11, 12],
    ]


def test_a_failing_job_raises_and_the_jobs_not_started_are_cancelled() -> None:
    started: list[int] = []

    def job(index: int) -> int:
        started.append(index)
        if index == 0:
            raise ArithmeticError("job 0 failed")
        time.sleep(0.2)
        return index

    with pytest.raises(ArithmeticError, match="job 0 failed"):
        side_by_side([functools.partial(job, i) for i in range(8)], workers=2)
    assert len(started) < 8, f"every job started after the first failed: {started}"


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5", "²", "\uff13"])
def test_a_bad_worker_count_is_a_value_error(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INITSPEC_WORKERS", value)
    with pytest.raises(ValueError, match="INITSPEC_WORKERS"):
        default_workers()


def test_the_worker_count_defaults_to_the_usable_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INITSPEC_WORKERS", raising=False)
    assert default_workers() >= 1
    monkeypatch.setenv("INITSPEC_WORKERS", "3")
    assert default_workers() == 3
