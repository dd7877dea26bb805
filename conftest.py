"""Root conftest: loads the initspec pytest plugins (verdicts; training progress), fixes
hypothesis for reproducibility, and orders and groups the spec's tests for pytest-xdist."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import settings

from initspec.plugin.examples import pin_examples
from initspec.training.threads import single_thread

pytest_plugins = [
    "initspec.plugin.hooks",
    "initspec.plugin.progress",
    "initspec.plugin.cluster",
    "initspec.snapshots.plugin",  # the snapshot review page: cleared at the start, named at the end
]

# Derandomized, and blind to the constants of the modules loaded so far, so that the same commit
# gives the same examples (and verdicts, and worst cases) every run, whatever else it runs.
settings.register_profile("initspec", derandomize=True, deadline=None, max_examples=50)
settings.load_profile("initspec")
pin_examples()


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread() -> Iterator[None]:
    """The whole session on one intra-op thread (set before any other fixture trains): the
    models are small, and a result must not depend on the machine's core count."""
    with single_thread():
        yield


# The spec's directories, the one whose training costs most first (quick tier, 2-core machine:
# lab 03's setups 2 min 13 s, lab 02's norm runs and sweeps 2 min 15 s, lab 01's 1 min 13 s,
# makemore's about 1 min). Under pytest-xdist each spec directory is one unit of work, run
# whole by one worker, so that no worker waits for a training setup another is computing; the
# harness tests (tests/) go a module at a time to whichever worker is free and fill the end of
# the run (a module whole, so that its fixtures are computed once).
SCHEDULE = ("lab03", "lab02", "lab01", "makemore", "mechanics", "theory", "tests")
BY_MODULE = {"tests"}


def _spec_directory(nodeid: str) -> str | None:
    parts = nodeid.split("::", 1)[0].split("/")
    if parts[0] == "tests" and len(parts) > 1:
        return "tests"
    return parts[1] if len(parts) > 2 and parts[0] == "spec" else None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = _spec_directory(item.nodeid)
        return SCHEDULE.index(name) if name in SCHEDULE else len(SCHEDULE)

    items.sort(key=rank)  # stable: each directory keeps its own order


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads -n
def pytest_cmdline_main(config: pytest.Config) -> None:
    """``--snapshot-update`` runs in one process: syrupy's workers would each rewrite the
    snapshot files they share (and could not tell an unused snapshot from another worker's)."""
    if config.getoption("--snapshot-update", default=False) and config.getoption(
        "numprocesses", default=None
    ):
        config.option.numprocesses = 0
        config.option.dist = "no"


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadscope`` (pyproject's addopts): a unit of work is a spec directory."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SpecScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            name = _spec_directory(nodeid)
            if name in BY_MODULE:
                return nodeid.split("::", 1)[0]
            return name if name in SCHEDULE else nodeid

    return SpecScheduling(config, log)
