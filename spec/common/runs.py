"""Training runs shared by a spec directory's tests: trained once per test session.

Every fixture that trains a setup's seeds side by side names its runs the same way (the setup,
its steps, its seeds), so that two fixtures asking for the same runs share them, also across
pytest-xdist workers (:func:`initspec.plugin.session_cache.computed_once`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import pytest

from initspec.plugin.session_cache import computed_once
from initspec.training.parallel import side_by_side

T = TypeVar("T")


def runs_key(setup: str, steps: int, seeds: Sequence[int]) -> str:
    """The session cache's name for ``setup`` trained ``steps`` steps at ``seeds``."""
    return f"{setup}-{steps}-{'-'.join(map(str, seeds))}"


def trained_once(
    tmp_path_factory: pytest.TempPathFactory,
    setup: str,
    jobs: Sequence[Callable[[], T]],
    *,
    steps: int,
    seeds: Sequence[int],
) -> list[T]:
    """The results of ``jobs`` (one training run each, in order), run side by side the first
    time a test of the session asks for ``setup`` at ``steps`` and ``seeds``."""
    return computed_once(
        tmp_path_factory, runs_key(setup, steps, seeds), lambda: side_by_side(jobs)
    )
