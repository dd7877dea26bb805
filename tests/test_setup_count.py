"""The spec's progress lines say how many of the run's training setups have ended, of how many,
and an ETA for the rest (:mod:`initspec.plugin.setup_count`)."""

from __future__ import annotations

from typing import Any

import pytest

from initspec.plugin.session_cache import computed_once
from initspec.plugin.setup_count import SetupCount, trains

pytest_plugins = ["pytester"]
PLUGINS = ("-p", "initspec.plugin.hooks", "-p", "initspec.plugin.progress", "-p", "no:randomly")
TWO_SETUPS = """
import pytest
from initspec.experiments.init_ablation import AblationConfig, run_ablation
from initspec.plugin.hooks import computed_once

def _train(tmp_path_factory, key, steps):
    config = AblationConfig(depth=2, width=8, steps=steps)
    return computed_once(tmp_path_factory, key, lambda: run_ablation(config, 0))

@pytest.fixture(scope="session")
def first(tmp_path_factory):
    return _train(tmp_path_factory, "first-setup", 10)

@pytest.fixture(scope="session")
def second(tmp_path_factory):
    return computed_once(tmp_path_factory, "second-setup", lambda: 2)

@pytest.fixture(scope="session")
def not_a_setup():
    return 3

def test_first(first, not_a_setup):
    assert len(first.runs) == 3

def test_second(second, first):
    assert second == 2
"""


def helper(tmp_path_factory: Any) -> int:
    return int(computed_once(tmp_path_factory, "k", lambda: 1))


def via_helper(tmp_path_factory: Any) -> int:
    return helper(tmp_path_factory)


def nested(tmp_path_factory: Any) -> int:
    def inner() -> int:
        return int(computed_once(tmp_path_factory, "k", lambda: 1))

    return inner()


def plain() -> int:
    return 3


def test_a_setup_is_a_fixture_that_trains_directly_nested_or_through_a_helper() -> None:
    assert trains(helper) and trains(via_helper) and trains(nested), "expected each to train"
    assert not trains(plain), "a fixture that calls neither trains nothing"


def test_the_status_counts_the_setups_and_estimates_the_rest() -> None:
    count = SetupCount(3)
    assert count.status().startswith("run: 0/3 training setups done"), count.status()
    assert "ETA unknown until a setup ends" in count.status(), count.status()
    count.ended("a")
    assert count.status().startswith("run: 1/3 training setups done"), count.status()
    assert "ETA " in count.status() and "unknown" not in count.status(), count.status()
    count.ended("b")
    count.ended("c")
    count.ended("d")  # one more than collected (a setup inside a test): the total follows
    assert count.status().startswith("run: 4/4 training setups done"), count.status()


def test_pytest_says_each_setups_place_in_the_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    pytester.makepyfile(test_setups=TWO_SETUPS)
    result = pytester.runpytest(*PLUGINS, "--no-claims-report", "-p", "no:xdist")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "initspec: training setup first-setup ...",
            "initspec: first-setup: 3 runs, 30 steps trained in *; run: 1/2 training setups done*",
            "initspec: second-setup: 0 runs, 0 steps trained in *; run: 2/2 training setups "
            "done, * so far, ETA 0.0 s",
        ]
    )


def test_xdist_workers_count_each_others_setups(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    pytester.makepyfile(test_setups=TWO_SETUPS)
    result = pytester.runpytest_subprocess(*PLUGINS, "--no-claims-report", "-n", "1")
    result.assert_outcomes(passed=2)
    result.stderr.fnmatch_lines(
        [
            "[[]gw0] initspec: first-setup: *; run: 1/2 training setups done*",
            "[[]gw0] initspec: second-setup: *; run: 2/2 training setups done*",
        ]
    )
