"""How ``pytest spec/`` shares its tests between its two pytest-xdist workers (the root
conftest.py): a spec directory is one unit of work, run whole by one worker, so that no worker
waits for a training setup the other is computing; harness tests go a module at a time."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QUIET = ("--no-claims-report", "-p", "no:cacheprovider")  # the inner run writes no report
LINE = re.compile(r"^\[(gw\d+)\] \[\s*\d+%\] PASSED ((?:spec/[^/]+|tests)/[^:]+)::")


def test_a_spec_directory_runs_whole_on_one_worker() -> None:
    pytest.importorskip("xdist")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    modules = ["spec/mechanics/test_fan_in.py", "spec/mechanics/test_gains.py"]
    harness = ["tests/test_atomic.py", "tests/test_judge.py"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *modules, *harness, "-v", "-n", "2", *QUIET],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"the inner run failed:\n{result.stdout[-3000:]}"
    workers: dict[str, set[str]] = defaultdict(set)
    for line in result.stdout.splitlines():
        match = LINE.match(line)
        if match:
            workers[match.group(2)].add(match.group(1))
    assert set(workers) == set(modules + harness), f"expected every module to run: {dict(workers)}"
    mechanics = set().union(*(workers[module] for module in modules))
    assert len(mechanics) == 1, f"spec/mechanics ran on {sorted(mechanics)}, expected one worker"
    for module in harness:
        assert len(workers[module]) == 1, f"{module} ran on {sorted(workers[module])}, expected one"
