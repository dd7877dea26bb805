"""Benchmarks of initspec's training steps against this machine's fp32 matmul throughput.

Run with ``tox -e bench`` (``pytest bench/ --benchmark-only``). Each benchmark puts what it
measured in ``benchmark.extra_info``: the summary at the end prints it, one line a benchmark
(achieved GFLOP/s of the step, the machine's matmul GFLOP/s, and their ratio).
"""

from __future__ import annotations

from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # Timing runs say nothing about claims: leave reports/claims.json alone.
    config.option.no_claims_report = True


def _format(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    session = getattr(config, "_benchmarksession", None)
    benchmarks = getattr(session, "benchmarks", None) or []
    if not benchmarks:
        return
    terminalreporter.section("initspec throughput")
    for bench in benchmarks:
        info = ", ".join(
            f"{key} {_format(value)}" for key, value in sorted(bench.extra_info.items())
        )
        terminalreporter.write_line(f"{bench.name}: {info}")
