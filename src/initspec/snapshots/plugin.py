"""The review page's pytest hooks: a run starts without an earlier run's page, and ends naming
its own.

At the start of a session (the controller, not an xdist worker) ``index.html`` and ``runs/``
under the review directory (:func:`initspec.snapshots.review.project_review_root`) are removed,
so the page exists after a run only if that run had a snapshot beyond tolerance; the terminal
summary then names it. Loaded by the root ``conftest.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from initspec.snapshots.review import PAGE, clear, project_review_root


def _controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    if _controller(session.config):
        clear(project_review_root(session.config.rootpath))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    page = project_review_root(config.rootpath) / PAGE
    if _controller(config) and page.is_file():
        terminalreporter.write_sep("-", "snapshot review")
        terminalreporter.write_line(f"snapshots beyond tolerance, old | new | diff: {page}")
