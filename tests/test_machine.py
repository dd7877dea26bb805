"""initspec.runtime.machine: what a result records of the machine it was measured on."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from initspec.runtime.machine import describe, machine

KEYS = {"cpu", "cores", "torch_cpu_capability", "torch", "numpy", "blas", "python"}


def test_machine_names_the_cpu_kernels_and_libraries() -> None:
    info = machine()
    assert set(info) >= KEYS, f"expected keys {sorted(KEYS)}; got {sorted(info)}"
    assert all(isinstance(value, str) and value for value in info.values()), info
    line = describe(info)
    assert info["cpu"] in line and info["torch_cpu_capability"] in line, line


def test_portable_kernels_show_in_the_record() -> None:
    """ATEN_CPU_CAPABILITY=default runs ATen's portable kernels: the record must say so."""
    env = {**os.environ, "ATEN_CPU_CAPABILITY": "default"}
    code = "import json; from initspec.runtime.machine import machine; print(json.dumps(machine()))"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    info = json.loads(done.stdout)
    assert info["torch_cpu_capability"] == "DEFAULT", f"expected DEFAULT; recorded {info}"
    assert info["ATEN_CPU_CAPABILITY"] == "default", info
