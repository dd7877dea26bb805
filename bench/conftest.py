"""Benchmarks of initspec's training steps against this machine's fp32 matmul throughput.

Run with ``tox -e bench`` (``pytest bench/ --benchmark-only``). Each benchmark puts what it
measured in ``benchmark.extra_info``: the summary at the end prints it, one line a benchmark
(achieved GFLOP/s of the step, the machine's matmul GFLOP/s, and their ratio).

At the end of the session the headline numbers of this run go to ``reports/bench.json``
(:data:`REPORT`), with the machine they were measured on; a number whose benchmark did not run
(``-k`` chose others) is null.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable, Sequence
from typing import Any

import pytest
import torch

from initspec.runtime.artifacts import JSONValue, write_json
from initspec.runtime.machine import machine as initspec_machine

REPORT_PATH = ("reports", "bench.json")

Reading = Callable[[dict[str, Any]], JSONValue]


def _format(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _mean_ms(name: str) -> Reading:
    """A benchmark's mean round time in milliseconds."""
    return lambda found: 1000 * found[name].stats.mean if name in found else None


def _seconds(name: str) -> Reading:
    """A benchmark's mean round time in seconds."""
    return lambda found: float(found[name].stats.mean) if name in found else None


def _info(name: str, key: str) -> Reading:
    """One of a benchmark's ``extra_info`` values."""
    return lambda found: found[name].extra_info.get(key) if name in found else None


def _ratio(numerator: str, denominator: str) -> Reading:
    """The ratio of two benchmarks' mean round times."""

    def read(found: dict[str, Any]) -> float | None:
        if numerator not in found or denominator not in found:
            return None
        return float(found[numerator].stats.mean / found[denominator].stats.mean)

    return read


# reports/bench.json: each key, and how it is read from this run's benchmarks (by name).
REPORT: dict[str, Reading] = {
    "matmul_gflops": _info("test_bench_fp32_matmul", "matmul_gflops"),
    # the hand-written step, two runs side by side (how the spec and lab 03 train)
    "lab03_step_ratio_to_matmul": _info(
        "test_bench_lab03_training_step[hand-side-by-side]", "ratio"
    ),
    # the step's matmuls alone, side by side: the ceiling of the ratio above on this machine
    "lab03_matmuls_only_ratio_to_matmul": _info(
        "test_bench_lab03_training_step[matmuls-only-side-by-side]", "ratio"
    ),
    "lab01_step_ms": _mean_ms("test_bench_lab01_training_step"),
    "charmodel_step_ms_one_seed": _info("test_bench_char_seeds[one-seed]", "ms_per_step"),
    # wall time of a round of 8 seeds stacked into one model over one seed's round
    "charmodel_stacked_8_seeds_ratio": _ratio(
        "test_bench_char_seeds[stacked-8]", "test_bench_char_seeds[one-seed]"
    ),
    # a spec directory's wall time on a Dask LocalCluster of 1 single-thread worker over 2
    # (test_bench_cluster.py: which directory and tier are in its extra_info)
    "cluster_2_workers_speedup": _ratio(
        "test_bench_cluster_spec_directory[1-worker]",
        "test_bench_cluster_spec_directory[2-workers]",
    ),
    # what that speedup timed: the spec directory and the tier, and each wall time in seconds
    "cluster_directory": _info("test_bench_cluster_spec_directory[2-workers]", "directory"),
    "cluster_tier": _info("test_bench_cluster_spec_directory[2-workers]", "tier"),
    "cluster_1_worker_s": _seconds("test_bench_cluster_spec_directory[1-worker]"),
    "cluster_2_workers_s": _seconds("test_bench_cluster_spec_directory[2-workers]"),
}


def pytest_configure(config: pytest.Config) -> None:
    # Timing runs say nothing about claims: leave reports/claims.json alone.
    config.option.no_claims_report = True


def _benchmarks(config: pytest.Config) -> Sequence[Any]:
    session = getattr(config, "_benchmarksession", None)
    return [bench for bench in getattr(session, "benchmarks", None) or [] if bench]


def machine() -> dict[str, JSONValue]:
    """The CPU model, torch's CPU kernels, torch and numpy versions and BLAS
    (:func:`initspec.runtime.machine.machine`), with the cores and threads this run used."""
    return {
        **initspec_machine(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "processor": platform.processor() or platform.machine(),
        "device": "cpu",
        "torch_threads": torch.get_num_threads(),
    }


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write reports/bench.json from this run's benchmarks (nothing if none ran)."""
    benchmarks = _benchmarks(session.config)
    if not benchmarks:
        return
    found = {bench.name: bench for bench in benchmarks}
    report: dict[str, JSONValue] = {key: read(found) for key, read in REPORT.items()}
    report["machine"] = machine()
    report["benchmarks"] = sorted(found)
    write_json(session.config.rootpath.joinpath(*REPORT_PATH), report)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    benchmarks = _benchmarks(config)
    if not benchmarks:
        return
    terminalreporter.section("initspec throughput")
    for bench in benchmarks:
        info = ", ".join(
            f"{key} {_format(value)}" for key, value in sorted(bench.extra_info.items())
        )
        terminalreporter.write_line(f"{bench.name}: {info}")
    path = config.rootpath.joinpath(*REPORT_PATH)
    terminalreporter.write_line(f"wrote {path.relative_to(config.rootpath)}")
