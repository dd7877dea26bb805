"""A lab's ``manifest.json``: what ran, with which seeds, libraries and machine, and what came out.

Here, beside the labs, because it asks torch for the device and the machine's kernels; the strict
JSON and ``git_commit`` it uses (:mod:`initspec.runtime.artifacts`) import no torch.
"""

from __future__ import annotations

from collections.abc import Mapping

from initspec.runtime.artifacts import JSONValue, git_commit, library_versions
from initspec.runtime.machine import machine
from initspec.training.devices import current_device
from initspec.training.parallel import default_workers


def manifest(
    *,
    lab: str,
    config: Mapping[str, JSONValue],
    seeds: Mapping[str, JSONValue],
    results_summary: Mapping[str, JSONValue],
    wall_time_s: float,
) -> dict[str, JSONValue]:
    """The standard manifest: what ran, with which seeds and libraries, and what came out.

    Everything but the ``"run"`` block is a function of the seed, the options and the code:
    two runs with the same seed write it byte for byte the same. The ``"run"`` block describes
    the particular run: ``wall_time_s``, ``git_commit``, ``versions``, ``runs_side_by_side`` and
    the ``device`` it trained on (a GPU's results agree with the CPU's to rounding, not bytes),
    and the ``machine`` (:func:`initspec.runtime.machine.machine`: CPU model, torch's CPU kernels,
    torch and numpy versions, BLAS), whose kernels decide a result's last bits.
    Every training run does its ops on one thread (``threads_per_run``), so how many ran side by
    side does not change a result.
    """
    return {
        "lab": lab,
        "config": dict(config),
        "seeds": dict(seeds),
        "results_summary": dict(results_summary),
        "threads_per_run": 1,
        "run": {
            "wall_time_s": round(wall_time_s, 3),
            "git_commit": git_commit(),
            "versions": library_versions(),
            "runs_side_by_side": default_workers(),
            "device": str(current_device()),
            "machine": dict(machine()),
        },
    }
