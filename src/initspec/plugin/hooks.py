"""The pytest plugin that turns spec tests into claim verdicts.

A test names the claims it checks with ``@pytest.mark.claim("lab01.uniform-fails")`` and judges
them through the ``evidence`` fixture (:class:`initspec.plugin.evidence.Evidence`): each
``evidence.check(...)`` judges and records a criterion, met or not, and when the test returns
the plugin raises :class:`~initspec.judging.judge.ClaimNotMet` if any criterion is not met, else
:class:`~initspec.judging.judge.ClaimUndecided` if any is undecided (:meth:`Evidence.conclude`).

A test's outcome gives its claims' verdict:

- passed -> ``holds``;
- ``ClaimNotMet`` in a test the registry lists as known not to hold (a claim's ``known``) -> its
  verdict,
  ``refuted`` or ``conditional`` (a conditional entry needs the test to have named the condition
  with ``evidence.condition(...)``; without one the claim gets ``error``). Listed tests run as
  strict xfails that expect ``ClaimNotMet`` and nothing else;
- ``ClaimNotMet`` in a test not listed -> ``refuted``, and the run is red;
- ``ClaimUndecided`` (listed or not) -> ``inconclusive``: reported, the test shows as skipped,
  the run is not red;
- a listed test that passes (strict xpass) -> ``holds``, with a note that it is listed but now
  holds, and the run is red;
- any other exception, listed or not, -> ``error`` and the run is red. That includes a plain
  ``assert`` that fails: it is the test's own sanity check (of its setup, its data), not the
  claim's criterion, so its failure says the test could not measure;
- skipped -> ``not-run``; an exception in a fixture (setup or teardown) -> ``error``.

``require_criteria`` (ini option, default false): when true, a claim test that finishes (or
raises ``ClaimNotMet``/``ClaimUndecided``) without having recorded a criterion through
``evidence.check`` gives ``error``. While it is false, tests that still judge with plain
``assert`` keep their old reading: a failed ``assert`` counts as the claim not met (``refuted``,
or the listed verdict), and a test need not record a criterion.

Options: ``--tier quick|document`` (or ``INITSPEC_TIER``), ``--seed-base N``, ``--reports-dir``,
``--known-failures``, ``--no-claims-report``. At the end of the session the controller process
(also under pytest-xdist) writes ``reports/claims.json`` and ``reports/index.md`` with the commit
the run measured.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import json
import os
import re
import tempfile
from collections.abc import Generator, Iterable
from pathlib import Path

import pytest

from initspec.claims.known_failures import (
    KnownFailure,
    load_known_failures,
    registry_known_failures,
)
from initspec.claims.registry import CLAIMS, get_claim
from initspec.judging.judge import ClaimNotMet, ClaimUndecided
from initspec.judging.outcome import TIERS, Criterion, SensitivityRow, TestOutcome
from initspec.plugin.evidence import Evidence, current_seed_base, current_tier
from initspec.plugin.reports_dir import check_reports_dir
from initspec.plugin.session_cache import computed_once
from initspec.report import orphans, pending
from initspec.report.run_summary import claims_summary, not_written_summary
from initspec.report.store import Stored, store_report
from initspec.runtime.artifacts import git_commit, strict
from initspec.runtime.interrupts import stop_when_orphaned
from initspec.training.devices import DEVICE_ENV, DeviceError, use_device
from initspec.training.parallel import default_workers

__all__ = ["ClaimTestError", "Evidence", "computed_once", "load_known_failures"]

_PROPERTY = "initspec"
_EVIDENCE = pytest.StashKey[Evidence]()
_KNOWN = pytest.StashKey[KnownFailure]()
REQUIRE_CRITERIA = "require_criteria"
REQUIRE_READINGS = "require_readings"


def _source_documents(claim_ids: list[str]) -> list[str]:
    """The source documents (file names) of the claims a test names, for its quotes."""
    names = {CLAIMS[c].source.document for c in claim_ids if c in CLAIMS}
    return sorted(name for name in names if name)


class ClaimTestError(Exception):
    """A claim test that cannot give a verdict as written (no criterion, no condition)."""


def _seed_base(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("initspec")
    group.addoption("--reports-dir", default=None, help="where to write claims.json and index.md")
    group.addoption(
        "--known-failures",
        default=None,
        help="TOML file or directory of known claim failures, in place of the registry's",
    )
    group.addoption("--no-claims-report", action="store_true", help="do not write the report")
    group.addoption(
        "--tier",
        dest="initspec_tier",
        choices=TIERS,
        default=None,
        help="quick (default; also $INITSPEC_TIER): short horizons; document: the documents' own",
    )
    group.addoption(
        "--device",
        dest="initspec_device",
        default=None,
        help=f"train on cpu (default), cuda or cuda:N (also ${DEVICE_ENV})",
    )
    group.addoption(
        "--seed-base",
        dest="initspec_seed_base",
        type=_seed_base,
        default=0,
        help="add N to every data and weight seed the suite uses (default 0)",
    )
    parser.addini(
        REQUIRE_READINGS,
        type="bool",
        default=False,
        help="every criterion must say its reading (printed, stated, interpreted, assumed)",
    )
    parser.addini(
        REQUIRE_CRITERIA,
        type="bool",
        default=False,
        help="a claim test that records no criterion (evidence.check) gives the claim 'error'",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "claim(*ids): the catalog claims this test checks")
    config.addinivalue_line("markers", "slow: a test that trains for long; run in the full tier")
    current_tier(config)  # a bad $INITSPEC_TIER stops the run before anything is collected
    try:  # so does a bad $INITSPEC_WORKERS, before a training fixture fails on it
        default_workers()
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None
    try:  # a device that is not there, too: one line and exit code 2, as the labs' command
        use_device(config.getoption("initspec_device", None))
    except DeviceError as error:
        pytest.exit(f"initspec: error: {error}", returncode=2)
    if not config.getoption("--no-claims-report"):
        try:  # a report that cannot be written: one line and exit code 2, before any test runs
            check_reports_dir(reports_dir(config))
        except ValueError as error:
            pytest.exit(f"initspec: error: {error}", returncode=2)
    config.pluginmanager.register(ClaimCollector(config), "initspec-claim-collector")
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        # A pytest-xdist worker whose controller is killed stops, instead of training on unseen.
        stop_when_orphaned(os.getppid(), name=f"initspec [{workerinput.get('workerid', '?')}]")


def reports_dir(config: pytest.Config) -> Path:
    option = config.getoption("--reports-dir")
    return Path(option) if option else config.rootpath / "reports"


def requires_criteria(config: pytest.Config) -> bool:
    return bool(config.getini(REQUIRE_CRITERIA))


def _not_met_types(config: pytest.Config) -> tuple[type[BaseException], ...]:
    """The exceptions that say a claim's criterion is not met (see the module docstring)."""
    return (ClaimNotMet,) if requires_criteria(config) else (ClaimNotMet, AssertionError)


def _claim_ids(item: pytest.Item) -> list[str]:
    return [claim_id for mark in item.iter_markers("claim") for claim_id in mark.args]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    option = config.getoption("--known-failures")
    known = load_known_failures(Path(option)) if option else registry_known_failures()
    raises = _not_met_types(config)
    tier = current_tier(config)
    for item in items:
        for claim_id in _claim_ids(item):
            if claim_id not in CLAIMS:
                try:
                    get_claim(claim_id)
                except KeyError as error:
                    raise pytest.UsageError(f"{item.nodeid}: {error.args[0]}") from None
            entry = known.get(claim_id)
            if entry is not None and entry.applies_to(item.name, tier):
                item.stash[_KNOWN] = entry
                reason = entry.reason or (
                    f"known not to hold: {entry.verdict} (initspec.claims.registry)"
                )
                item.add_marker(pytest.mark.xfail(strict=True, raises=raises, reason=reason))


def _safe_name(nodeid: str) -> str:
    name = nodeid.split("::", 1)[-1]
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")[:120]


@pytest.fixture(scope="session")
def tier(pytestconfig: pytest.Config) -> str:
    """The run's tier, ``quick`` or ``document`` (``--tier``, ``$INITSPEC_TIER``)."""
    return current_tier(pytestconfig)


@pytest.fixture(scope="session")
def seed_base(pytestconfig: pytest.Config) -> int:
    """``--seed-base``: add it to every data and weight seed (0 unless asked)."""
    return current_seed_base(pytestconfig)


def _artifacts_root(config: pytest.Config) -> Path:
    """The reports directory; with ``--no-claims-report``, one in pytest's temporary directory,
    so that a run that writes no report changes nothing under ``reports/``."""
    if config.getoption("--no-claims-report"):
        factory: pytest.TempPathFactory | None = getattr(config, "_tmp_path_factory", None)
        if factory is not None:
            return factory.getbasetemp() / "reports"
        return Path(tempfile.gettempdir()) / f"initspec-reports-{os.getpid()}"
    return reports_dir(config)


def artifact_dir(config: pytest.Config, nodeid: str, tier: str) -> Path:
    """Where a test's figures go: ``artifacts/<test>/`` for the document tier, and
    ``artifacts/quick/<test>/`` for the quick tier, so that a quick run never draws over the
    figures a document-tier verdict of record shows."""
    base = _artifacts_root(config) / "artifacts"
    return (base if tier == "document" else base / tier) / _safe_name(nodeid)


@pytest.fixture
def evidence(request: pytest.FixtureRequest) -> Evidence:
    """Judge this test's claim and record what it measured; see :class:`Evidence`."""
    item = request.node
    tier = current_tier(request.config)
    ev = Evidence(
        artifact_dir(request.config, item.nodeid, tier),
        _artifacts_root(request.config),
        tier=tier,
        seed_base=current_seed_base(request.config),
        documents=_source_documents(_claim_ids(item)),
        require_readings=bool(request.config.getini(REQUIRE_READINGS)),
    )
    item.stash[_EVIDENCE] = ev
    return ev


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """After a claim test: no criterion, or a conditional entry without a condition, is an error."""
    if not _claim_ids(item):
        return (yield)
    try:
        result = yield
        ev = item.stash.get(_EVIDENCE, None)
        if ev is not None:
            ev.conclude()  # every criterion is judged; the verdict comes from all of them
    except (ClaimNotMet, ClaimUndecided, AssertionError) as raised:
        _check_judged(item, raised)
        raise
    _check_judged(item, None)
    return result


def _check_judged(item: pytest.Item, raised: BaseException | None) -> None:
    ev = item.stash.get(_EVIDENCE, None)
    judging = raised is None or isinstance(raised, (ClaimNotMet, ClaimUndecided))
    if judging and requires_criteria(item.config) and not (ev and ev.criteria):
        raise ClaimTestError(
            "the claim test recorded no criterion: judge the claim with evidence.check(...) "
            "(require_criteria is on)"
        ) from raised
    entry = item.stash.get(_KNOWN, None)
    not_met = raised is not None and isinstance(raised, _not_met_types(item.config))
    rows = ev.sensitivity_rows if ev else []
    holding = [row for row in rows if row.verdict == "holds"]
    if not_met and holding and (entry is None or entry.verdict == "refuted"):
        # Refuted means it fails under every reasonable reading and assumed value.
        raise ClaimTestError(
            f"{', '.join(_claim_ids(item))} fails as judged but holds with "
            f"{'; '.join(f'{row.parameter} = {row.value}' for row in holding)}: a claim that "
            "holds under some assumed values and fails under others is conditional "
            "(list it so: known=Known('conditional', ...) in initspec.claims.registry)"
        ) from raised
    if not_met and entry and entry.verdict == "conditional" and not (ev and ev.condition_text):
        if ev is not None and holding:
            ev.condition(sensitivity_condition(rows))
        else:
            lister = entry.file.name if entry.file is not None else "initspec.claims.registry"
            raise ClaimTestError(
                f"{lister} lists {entry.claim_id} as conditional, but the test named "
                "no condition: call evidence.condition(...) or record the sensitivity rows "
                "where the claim does hold"
            ) from raised


def sensitivity_condition(rows: list[SensitivityRow]) -> str:
    """The condition a claim's sensitivity rows name: per parameter, the values at which it
    holds and those at which it fails (or is undecided)."""
    parts = []
    for parameter in dict.fromkeys(row.parameter for row in rows):
        by_verdict: dict[str, list[str]] = {}
        for row in rows:
            if row.parameter == parameter:
                by_verdict.setdefault(row.verdict, []).append(row.value)
        said = [f"{verdict} at {', '.join(values)}" for verdict, values in by_verdict.items()]
        parts.append(f"{parameter}: {'; '.join(said)}")
    return "; ".join(parts)


def _strict_xpass(report: pytest.TestReport) -> bool:
    return report.failed and str(report.longrepr).startswith("[XPASS(strict)]")


def _verdict(item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo[None]) -> str:
    """The verdict a report gives; see the module docstring for the rules."""
    if report.when != "call":
        return "error" if report.failed or hasattr(report, "wasxfail") else "not-run"
    if call.excinfo is not None and call.excinfo.errisinstance(ClaimUndecided):
        return "inconclusive"
    if report.passed or _strict_xpass(report):
        return "holds"  # a strict xfail that passed: the claim now holds
    if hasattr(report, "wasxfail"):
        entry = item.stash.get(_KNOWN, None)
        if entry is not None:
            return entry.verdict
        ev = item.stash.get(_EVIDENCE, None)
        return "conditional" if ev is not None and ev.condition_text else "refuted"
    if report.skipped:
        return "not-run"
    if call.excinfo is not None and call.excinfo.errisinstance(_not_met_types(item.config)):
        return "refuted"
    return "error"


def _note(item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo[None]) -> str | None:
    entry = item.stash.get(_KNOWN, None)
    if report.when == "call" and _strict_xpass(report) and entry is not None:
        if entry.file is None:
            return (
                "listed as known not to hold (its known= in initspec.claims.registry) but now holds"
            )
        try:
            listed = entry.file.resolve().relative_to(item.config.rootpath).as_posix()
        except ValueError:
            listed = str(entry.file)
        return f"listed in {listed} but now holds: remove the entry"
    if hasattr(report, "wasxfail"):
        if entry is not None:
            return entry.reason  # the registry's: None, its criteria say what fails
        return str(report.wasxfail) or None
    excinfo = call.excinfo
    if excinfo is None or report.passed:
        return None
    lines = str(excinfo.value).strip().splitlines()
    first = lines[0] if lines else ""
    if excinfo.errisinstance(ClaimUndecided):
        return f"inconclusive: {first}"
    if excinfo.errisinstance(_not_met_types(item.config)):
        return None  # the claim not met: its criterion (or the figures) say by how much
    if excinfo.errisinstance(AssertionError):
        return f"a test's own sanity check failed: AssertionError: {first}"
    return f"{excinfo.typename}: {first}"


def _mark_inconclusive(item: pytest.Item, report: pytest.TestReport, message: str) -> None:
    """Show an undecided claim test as skipped: reported, but the run is not red."""
    path, line, _ = item.reportinfo()
    report.outcome = "skipped"
    report.longrepr = (str(path), (line or 0) + 1, f"inconclusive: {message}")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # tryfirst: this wrapper runs outside pytest's xfail handling and sees its final report.
    report = yield
    claims = _claim_ids(item)
    if not claims:
        return report
    verdict = _verdict(item, report, call)
    if report.when != "call" and verdict == "not-run" and not report.skipped:
        return report  # a setup or teardown that went fine says nothing
    note = _note(item, report, call)
    if verdict == "inconclusive":
        _mark_inconclusive(item, report, str(call.excinfo.value) if call.excinfo else "")
    ev = item.stash.get(_EVIDENCE, None)
    run, held = ev.counted_seeds() if ev else (0, 0)
    outcome = TestOutcome(
        nodeid=report.nodeid,
        claims=claims,
        verdict=verdict,
        evidence=ev.figures if ev else {},
        seeds_run=run,
        seeds_held=held,
        condition=ev.condition_text if ev else None,
        artifacts=ev.artifacts if ev else [],
        note=note,
        criteria=list(ev.criteria) if ev else [],
        tier=ev.tier if ev else current_tier(item.config),
        steps=ev.steps if ev else None,
        document_steps=ev.document_steps if ev else None,
        sensitivity=list(ev.sensitivity_rows) if ev else [],
    )
    payload = json.dumps(strict(dataclasses.asdict(outcome)), allow_nan=False)
    report.user_properties.append((_PROPERTY, payload))
    return report


def outcome_from_json(text: str) -> TestOutcome:
    """The :class:`TestOutcome` a report's user property carries (also from xdist workers)."""
    data = json.loads(text)
    data["criteria"] = [Criterion(**criterion) for criterion in data.get("criteria", [])]
    data["sensitivity"] = [SensitivityRow(**row) for row in data.get("sensitivity", [])]
    return TestOutcome(**data)


class ClaimCollector:
    """Gathers every test's claim outcome in the controlling process and writes the report.

    A run that judged no claim (harness tests only, every claim test skipped, or interrupted
    before the first verdict) leaves the reports directory as it was, byte for byte, unless
    verdicts of an earlier run wait there to be written (:mod:`initspec.report.pending`). A
    report that cannot be written fails the run (exit code 1 where it would have been 0); its
    verdicts are kept for the next run.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.outcomes: list[TestOutcome] = []
        self.commit: str | None = None
        self.stored: Stored | None = None  # what the report's write did, once it ran
        self._writing = contextlib.ExitStack()  # says that this run will write the report
        self.collected: dict[str, set[str]] = {}  # test module -> its test IDs, if collected

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        if not hasattr(self.config, "workerinput"):
            self.commit = git_commit()  # the code this run measures, before any test runs
            if not self.config.getoption("--no-claims-report"):
                # Its figures are written before the report lists them: not orphans meanwhile.
                self._writing.enter_context(orphans.running(reports_dir(self.config)))

    def _collected(self, nodeids: Iterable[str]) -> None:
        if _collects_whole(self.config):
            for nodeid in nodeids:
                self.collected.setdefault(nodeid.split("::", 1)[0], set()).add(nodeid)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._collected(item.nodeid for item in session.items)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: object, ids: list[str]) -> None:
        self._collected(ids)  # under pytest-xdist the workers collect, and say what

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # Called in the controller for every report, also for those of pytest-xdist workers.
        for name, value in report.user_properties:
            if name == _PROPERTY and isinstance(value, str):
                self.outcomes.append(outcome_from_json(value))

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._writing.close()
        config = self.config
        if hasattr(config, "workerinput") or config.getoption("--no-claims-report"):
            return  # an xdist worker: the controller writes the report
        if config.getoption("collectonly"):
            return
        if exitstatus in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR):
            return  # nothing was judged: a bad option or list of known failures writes nothing
        directory = reports_dir(config)
        measured = any(outcome.verdict != "not-run" for outcome in self.outcomes)
        if not measured and not pending.waiting(directory):
            return  # nothing judged, nothing waiting: the report stays as it is
        now = datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()
        self.stored = store_report(
            directory,
            self.outcomes,
            now,
            commit=self.commit,
            machine=_machine(),
            collected={module: frozenset(ids) for module, ids in self.collected.items()},
        )
        if not self.stored.written and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


# Options that run only some of the tests a module holds.
_SELECTING = ("keyword", "markexpr", "deselect", "lf", "stepwise", "stepwise_skip")


def _collects_whole(config: pytest.Config) -> bool:
    """Whether every test of each collected module runs (no ``-k``, ``-m``, ``--deselect``,
    ``--lf``, ``--sw`` or node IDs): then a test it lacks no longer exists."""
    if any("::" in str(arg) for arg in config.args):
        return False
    return not any(getattr(config.option, name, None) for name in _SELECTING)


def _machine() -> dict[str, str] | None:
    """What this run measured on (:func:`initspec.runtime.machine.machine`), or None if unknown."""
    try:
        from initspec.runtime.machine import machine

        return dict(machine())
    except Exception:  # the report is still written without it
        return None


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    """The run's last section: the claims by verdict, those whose verdict changed, and the
    paths of index.md and index.html (:func:`initspec.report.run_summary.claims_summary`)."""
    if hasattr(config, "workerinput") or config.getoption("collectonly"):
        return
    terminalreporter.write_sep("=", "initspec claims")
    if config.getoption("--no-claims-report"):
        terminalreporter.write_line("the claims report was not written (--no-claims-report)")
    elif exitstatus in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR):
        terminalreporter.write_line("the claims report was not written: nothing was judged")
    else:
        collector = config.pluginmanager.get_plugin("initspec-claim-collector")
        stored = collector.stored if isinstance(collector, ClaimCollector) else None
        directory = reports_dir(config)
        if stored is None:
            lines = [f"no claim was judged in this run: {directory} was left as it was"]
        elif not stored.written:
            lines = not_written_summary(stored)
        else:
            lines = claims_summary(directory, stored.report)
        for line in lines:
            terminalreporter.write_line(line)
