"""A spec directory's training on a Dask LocalCluster of 2 single-thread workers against 1.

``cluster_2_workers_speedup`` in ``reports/bench.json``: the wall time of ``pytest spec/DIR -n 0
--tier TIER --scheduler ADDRESS`` with one worker process, divided by the same with two (the
same session, one after the other, each cluster started and its workers' imports done before
the clock starts). The directory and tier are ``$INITSPEC_BENCH_CLUSTER_DIR`` (default
``mechanics``) and ``$INITSPEC_BENCH_CLUSTER_TIER`` (default ``document``, the document tier of
the issue that asked for the number; ``quick`` takes minutes instead of hours); both are in
``extra_info``. Skipped without the extra ``distributed``.

Two workers can do at most twice the work of one; less where a directory's runs are few or
uneven (its longest run bounds the time), where the runs' results are large to send back, or
where the machine's cores are busy with other work.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

distributed = pytest.importorskip(
    "distributed", reason="the extra `distributed` (Dask) is not installed"
)

ROOT = Path(__file__).resolve().parent.parent
DIRECTORY = os.environ.get("INITSPEC_BENCH_CLUSTER_DIR", "mechanics")
TIER = os.environ.get("INITSPEC_BENCH_CLUSTER_TIER", "document")


def warm(client: Any) -> None:
    """Each worker imports what the spec's runs need before the clock starts."""

    def load() -> None:
        pass

    client.run(load)


@pytest.mark.parametrize("workers", [1, 2], ids=["1-worker", "2-workers"])
def test_bench_cluster_spec_directory(benchmark: Any, workers: int, tmp_path: Path) -> None:
    with (
        distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as local,
        distributed.Client(local, set_as_default=False) as client,
    ):
        warm(client)
        command = [
            sys.executable, "-m", "pytest", f"spec/{DIRECTORY}", "-n", "0", "-q",
            "-p", "no:cacheprovider", f"--tier={TIER}", f"--scheduler={local.scheduler_address}",
            f"--reports-dir={tmp_path / 'reports'}",
        ]  # fmt: skip

        def run() -> subprocess.CompletedProcess[str]:
            return subprocess.run(command, cwd=ROOT, capture_output=True, text=True)

        done = benchmark.pedantic(run, rounds=1, iterations=1)
    assert done.returncode == 0, (
        f"expected the spec to run, exit {done.returncode}: {done.stdout[-800:]}"
    )
    ran = [line for line in done.stdout.splitlines() if "training runs on" in line]
    assert ran, f"expected the cluster to have run the training: {done.stdout[-800:]}"
    benchmark.extra_info.update(directory=DIRECTORY, tier=TIER, workers=workers, ran=ran[0])
