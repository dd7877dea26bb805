"""The machine a result was measured on: CPU model, torch's CPU kernels, library versions, BLAS.

Another CPU runs other SIMD kernels (AVX-512, AVX2, or ATen's portable ``default``) and another
BLAS code path, so its numbers differ in the last bits. Every manifest, ``bench.json`` and the
claims report record this, so that a reader can tell why two runs' numbers differ.
"""

from __future__ import annotations

import os
import platform
import re
from functools import cache
from pathlib import Path


def _cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux), else what ``platform`` knows."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    match = re.search(r"^model name\s*:\s*(.+)$", text, flags=re.MULTILINE)
    if match:
        return " ".join(match.group(1).split())
    return platform.processor() or platform.machine() or "unknown"


def _blas(torch_config: str) -> str:
    """The BLAS torch was built with (``BLAS_INFO`` in ``torch.__config__.show()``)."""
    match = re.search(r"BLAS_INFO=([^,\s]+)", torch_config)
    return match.group(1) if match else "unknown"


@cache
def machine() -> dict[str, str]:
    """Where this process computes: ``cpu``, ``cores``, ``torch_cpu_capability`` (the ATen
    kernels in use, e.g. ``AVX512``, ``AVX2`` or ``DEFAULT``), ``torch``, ``numpy``, ``blas``,
    ``python`` and the environment settings that change the kernels' bits
    (``ATEN_CPU_CAPABILITY``, ``MKL_CBWR``, ``MKL_ENABLE_INSTRUCTIONS``, where set)."""
    import numpy
    import torch

    info = {
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count() or 0),
        "torch_cpu_capability": str(torch.backends.cpu.get_cpu_capability()),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "blas": _blas(torch.__config__.show()),
        "python": platform.python_version(),
    }
    for name in ("ATEN_CPU_CAPABILITY", "MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS"):
        if os.environ.get(name):
            info[name] = os.environ[name]
    return info


def describe(info: dict[str, str]) -> str:
    """One line for a report's header: ``CPU (kernels AVX2; torch 2.13.0, BLAS mkl)``."""
    return (
        f"{info.get('cpu', 'unknown CPU')} (kernels {info.get('torch_cpu_capability', '?')}; "
        f"torch {info.get('torch', '?')}, numpy {info.get('numpy', '?')}, "
        f"BLAS {info.get('blas', '?')})"
    )
