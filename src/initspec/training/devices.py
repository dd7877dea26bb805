"""Where training runs: the CPU (the default) or a CUDA GPU (``--device``, ``INITSPEC_DEVICE``).

Every random draw stays on the CPU: weights are initialised, data made and batch orders drawn
with CPU generators, so a seed gives the same initial weights and the same batches on every
device. Only training moves: each training loop moves its model and data to
:func:`current_device`, trains there, and moves the model back to the CPU, so callers read
weights and results as they would after a CPU run.

On a GPU the arithmetic differs from the CPU's in the last bits (other kernels, other orders of
summation), so results agree with a CPU run to rounding, not byte for byte; the verdicts and the
labs' JSON, rounded as they are written, are what to compare. cuDNN is not involved (the models
are matmuls and elementwise ops), and ``torch.use_deterministic_algorithms`` is left off: the
ops used have deterministic CUDA kernels, so one GPU run repeats itself.
"""

from __future__ import annotations

import os

import torch

DEVICE_ENV = "INITSPEC_DEVICE"
DEVICES = ("cpu", "cuda")


class DeviceError(ValueError):
    """A device that is not known or not present: the message is one line for the user."""


_chosen: torch.device | None = None


def parse_device(text: str) -> torch.device:
    """The device ``text`` names (``cpu``, ``cuda`` or ``cuda:N``), checked to be present."""
    name = text.strip()
    kind, _, index = name.partition(":")
    if kind not in DEVICES or (index and (kind != "cuda" or not index.isdecimal())):
        raise DeviceError(f"unknown device {text!r}: expected cpu, cuda or cuda:N")
    if kind == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(f"device {name!r}: no CUDA GPU is available to this torch")
        if index and int(index) >= torch.cuda.device_count():
            count = torch.cuda.device_count()
            raise DeviceError(f"device {name!r}: this machine has {count} CUDA device(s)")
    return torch.device(name)


def use_device(text: str | None) -> torch.device:
    """Choose the device for this process's training (None: ``$INITSPEC_DEVICE``, else cpu)."""
    global _chosen
    _chosen = parse_device(text) if text is not None else _from_environment()
    return _chosen


def current_device() -> torch.device:
    """The device training runs on: the one chosen, else ``$INITSPEC_DEVICE``, else the CPU."""
    return _chosen if _chosen is not None else _from_environment()


def _from_environment() -> torch.device:
    text = os.environ.get(DEVICE_ENV, "").strip()
    if not text:
        return torch.device("cpu")
    try:
        return parse_device(text)
    except DeviceError as error:
        raise DeviceError(f"{DEVICE_ENV}: {error}") from None
