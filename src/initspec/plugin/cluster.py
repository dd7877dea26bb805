"""``pytest spec/ --scheduler ADDRESS`` (or ``$INITSPEC_SCHEDULER``): every training run of the
session is a task on the Dask cluster at ADDRESS (:mod:`initspec.training.cluster`); the tests judge
what comes back, here. Without an address this plugin does nothing and Dask is not imported.

Every process of the session connects: the controller first, before anything is collected, so
that a scheduler that cannot be reached, Dask not installed, or a worker with other versions
stops the run with one line and exit code 2 before any training; then each pytest-xdist worker,
whose training fixtures send their runs. The cluster's progress lines go where the training
setups' lines go (:mod:`initspec.plugin.progress`).
"""

from __future__ import annotations

import pytest

from initspec.runtime.progress import session_sink
from initspec.training.cluster import (
    SCHEDULER_VARIABLE,
    Cluster,
    ClusterError,
    connect,
    scheduler_address,
)
from initspec.training.parallel import Dispatcher, set_dispatcher

_CLUSTER = pytest.StashKey[Cluster]()
_PREVIOUS = pytest.StashKey[Dispatcher | None]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("initspec").addoption(
        "--scheduler",
        dest="initspec_scheduler",
        default=None,
        metavar="ADDRESS",
        help=f"train every run as a task on the Dask scheduler at ADDRESS (also "
        f"${SCHEDULER_VARIABLE}); needs initspec[distributed]",
    )


def _say(text: str) -> None:
    sink = session_sink()
    if sink is not None:
        sink(f"initspec: {text}")


@pytest.hookimpl(trylast=True)  # after initspec.plugin.progress has set the lines' sink
def pytest_configure(config: pytest.Config) -> None:
    try:
        address = scheduler_address(config.getoption("initspec_scheduler", None))
        if address is None:
            return
        cluster = connect(address, _say)
    except ClusterError as error:
        pytest.exit(f"initspec: error: {error}", returncode=2)
    config.stash[_CLUSTER] = cluster
    config.stash[_PREVIOUS] = set_dispatcher(cluster.run)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _CLUSTER in config.stash:
        set_dispatcher(config.stash[_PREVIOUS])
        config.stash[_CLUSTER].close()
        del config.stash[_CLUSTER]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Under ``-n 0``: how many runs the cluster ran, on how many worker processes."""
    cluster = terminalreporter.config.stash.get(_CLUSTER, None)
    if cluster is not None and cluster.ran:
        workers = len(set(cluster.ran))
        terminalreporter.write_line(
            f"initspec: the Dask cluster at {cluster.address} ran {len(cluster.ran)} training "
            f"runs on {workers} worker process{'' if workers == 1 else 'es'}"
        )
