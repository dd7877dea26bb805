"""What the mechanics specs share: the BatchNorm implementations under test, property settings."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, settings
from torch import nn

from initspec.norms import BatchNorm1d
from initspec.pytest_plugin import Evidence

# Every BatchNorm claim is checked on initspec's layer and on PyTorch's.
BATCHNORMS: dict[str, Callable[..., nn.Module]] = {
    "initspec": BatchNorm1d,
    "torch": nn.BatchNorm1d,
}

# Property tests take the function-scoped ``evidence`` fixture; it is shared by all examples
# on purpose (it accumulates the worst case), so hypothesis need not warn about it.
property_test = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


def record_worst(evidence: Evidence, **figures: float) -> None:
    """Keep, for each figure, the largest value seen over a property test's examples."""
    worst = {
        name: value
        for name, value in figures.items()
        if evidence.figures.get(name) is None or value > evidence.figures[name]
    }
    evidence.record(**worst, examples=int(evidence.figures.get("examples", 0)) + 1)
