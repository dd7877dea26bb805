"""The pytest plugin that turns spec tests into claim verdicts.

A test names the claims it checks with ``@pytest.mark.claim("lab01.uniform-fails")`` and
reports what it measured through the ``evidence`` fixture. The test's outcome gives the
verdict: passed -> holds; a known failure (``spec/known_failures/*.toml``, applied as a strict
xfail) -> refuted, or conditional where the test named the condition under which the claim
does hold; an unexpected assertion failure -> refuted (and the run is red); any other
exception -> error; skipped -> not-run. At the end of the session the controller process
writes ``reports/claims.json`` and ``reports/index.md``.
"""

from __future__ import annotations

import datetime
import json
import os
import pickle
import re
import tomllib
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from filelock import FileLock

from initspec.artifacts import strict
from initspec.claims import CLAIMS, get_claim
from initspec.report import TestOutcome, write_report

_PROPERTY = "initspec"
_EVIDENCE = pytest.StashKey["Evidence"]()


class Evidence:
    """What a test measured: figures, seed counts, the condition a claim needs, artifacts."""

    def __init__(self, artifact_dir: Path, reports_dir: Path) -> None:
        self.figures: dict[str, Any] = {}
        self.seeds_run = 0
        self.seeds_held = 0
        self.condition_text: str | None = None
        self.artifacts: list[str] = []
        self._artifact_dir = artifact_dir
        self._reports_dir = reports_dir

    def record(self, **figures: Any) -> None:
        """Record measured figures (JSON-able values; NaN becomes null)."""
        self.figures.update(strict(figures))

    def seeds(self, run: int, held: int) -> None:
        """Record that the claim was judged over ``run`` seeds and held in ``held``."""
        if not 0 <= held <= run:
            raise ValueError(f"held ({held}) must lie in [0, run={run}]")
        self.seeds_run, self.seeds_held = run, held

    def condition(self, text: str) -> None:
        """Name the unstated condition under which the claim does hold (verdict conditional)."""
        self.condition_text = text

    @property
    def artifact_dir(self) -> Path:
        """A directory of this test's own (no two tests share one), created on first use."""
        self._artifact_dir.mkdir(parents=True, exist_ok=True)
        return self._artifact_dir

    def artifact(self, path: Path) -> Path:
        """Register a file the test wrote, so the report links to it."""
        path = Path(path).resolve()
        try:
            self.artifacts.append(path.relative_to(self._reports_dir.resolve()).as_posix())
        except ValueError:
            self.artifacts.append(str(path))
        return path


T = TypeVar("T")


def computed_once(
    tmp_path_factory: pytest.TempPathFactory, key: str, compute: Callable[[], T]
) -> T:
    """``compute()`` once per test session, also under pytest-xdist.

    A session-scoped fixture runs once per process; under xdist the first worker to need ``key``
    computes it and leaves a pickle in the session's shared temporary directory, and the other
    workers wait for it and load it, so no training setup runs twice.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return compute()
    path = Path(tmp_path_factory.getbasetemp()).parent / f"initspec-{key}.pickle"
    with FileLock(str(path) + ".lock"):
        if path.exists():
            loaded: T = pickle.loads(path.read_bytes())
            return loaded
        value = compute()
        path.write_bytes(pickle.dumps(value))
        return value


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("initspec")
    group.addoption("--reports-dir", default=None, help="where to write claims.json and index.md")
    group.addoption(
        "--known-failures", default=None, help="TOML file or directory of known claim failures"
    )
    group.addoption("--no-claims-report", action="store_true", help="do not write the report")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "claim(*ids): the catalog claims this test checks")
    config.addinivalue_line("markers", "slow: a test that trains for long; run in the full tier")
    config.pluginmanager.register(ClaimCollector(config), "initspec-claim-collector")


def reports_dir(config: pytest.Config) -> Path:
    option = config.getoption("--reports-dir")
    return Path(option) if option else config.rootpath / "reports"


def load_known_failures(path: Path) -> dict[str, dict[str, Any]]:
    """Known failures by claim ID, from a TOML file or a directory of them.

    Each entry is ``["<claim id>"]`` with ``reason = "..."`` (the measured figures that
    contradict the claim) and optionally ``tests = ["name substring", ...]`` to restrict the
    strict xfail to some of the claim's tests.
    """
    files = sorted(path.glob("*.toml")) if path.is_dir() else [path] if path.exists() else []
    table: dict[str, dict[str, Any]] = {}
    for file in files:
        with file.open("rb") as handle:
            loaded = tomllib.load(handle)
        for claim_id, entry in loaded.items():
            try:
                get_claim(claim_id)
            except KeyError as error:
                raise pytest.UsageError(f"{file}: {error.args[0]}") from None
            if not isinstance(entry, dict) or not isinstance(entry.get("reason"), str):
                raise pytest.UsageError(f"{file}: [{claim_id!r}] needs a string 'reason'")
            if claim_id in table:
                raise pytest.UsageError(f"{file}: {claim_id!r} is listed twice")
            table[claim_id] = entry
    return table


def _claim_ids(item: pytest.Item) -> list[str]:
    return [claim_id for mark in item.iter_markers("claim") for claim_id in mark.args]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    option = config.getoption("--known-failures")
    path = Path(option) if option else config.rootpath / "spec" / "known_failures"
    known = load_known_failures(path)
    for item in items:
        for claim_id in _claim_ids(item):
            if claim_id not in CLAIMS:
                try:
                    get_claim(claim_id)
                except KeyError as error:
                    raise pytest.UsageError(f"{item.nodeid}: {error.args[0]}") from None
            entry = known.get(claim_id)
            if entry is None:
                continue
            tests = entry.get("tests")
            if tests is None or any(name in item.name for name in tests):
                item.add_marker(pytest.mark.xfail(strict=True, reason=entry["reason"]))


def _safe_name(nodeid: str) -> str:
    name = nodeid.split("::", 1)[-1]
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")[:120]


@pytest.fixture
def evidence(request: pytest.FixtureRequest) -> Evidence:
    """Record what this test measured; see :class:`Evidence`."""
    item = request.node
    root = reports_dir(request.config)
    ev = Evidence(root / "artifacts" / _safe_name(item.nodeid), root)
    item.stash[_EVIDENCE] = ev
    return ev


def _strict_xpass(report: pytest.TestReport) -> bool:
    return report.failed and str(report.longrepr).startswith("[XPASS(strict)]")


def _verdict(item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo[None]) -> str:
    if report.when != "call":
        return "error" if report.failed else "not-run"
    if report.passed or _strict_xpass(report):
        return "holds"  # a strict xfail that passed: the claim now holds
    if hasattr(report, "wasxfail"):
        ev = item.stash.get(_EVIDENCE, None)
        return "conditional" if ev is not None and ev.condition_text else "refuted"
    if report.skipped:
        return "not-run"
    if call.excinfo is not None and call.excinfo.errisinstance(AssertionError):
        return "refuted"
    return "error"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    claims = _claim_ids(item)
    if not claims:
        return
    verdict = _verdict(item, report, call)
    if report.when != "call" and verdict == "not-run" and not report.skipped:
        return  # a setup or teardown that went fine says nothing
    ev = item.stash.get(_EVIDENCE, None)
    note = None
    if report.when == "call" and _strict_xpass(report):
        note = "listed in spec/known_failures/ but now holds: remove the entry"
    elif report.when == "call" and hasattr(report, "wasxfail"):
        note = report.wasxfail  # the known failure's reason: the figures that contradict it
    payload = {
        "nodeid": report.nodeid,
        "claims": claims,
        "verdict": verdict,
        "evidence": ev.figures if ev else {},
        "seeds_run": ev.seeds_run if ev else 0,
        "seeds_held": ev.seeds_held if ev else 0,
        "condition": ev.condition_text if ev else None,
        "artifacts": ev.artifacts if ev else [],
        "note": note,
    }
    report.user_properties.append((_PROPERTY, json.dumps(payload, allow_nan=False)))


class ClaimCollector:
    """Gathers every test's claim outcome in the controlling process and writes the report."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.outcomes: list[TestOutcome] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # Called in the controller for every report, also for those of pytest-xdist workers.
        for name, value in report.user_properties:
            if name == _PROPERTY and isinstance(value, str):
                self.outcomes.append(TestOutcome(**json.loads(value)))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        config = self.config
        if hasattr(config, "workerinput") or config.getoption("--no-claims-report"):
            return  # an xdist worker: the controller writes the report
        if config.getoption("collectonly"):
            return
        now = datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()
        write_report(reports_dir(config), self.outcomes, now)
