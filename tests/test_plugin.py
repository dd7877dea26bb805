"""The claim plugin: markers, verdicts, known failures, tiers, seeds and the report it feeds.

Each test runs pytest on a small throw-away suite (pytester) and reads the report it wrote.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from initspec.claims.registry import CLAIMS

pytest_plugins = ["pytester"]

HEADER = """
import pytest
from initspec.plugin.evidence import ClaimNotMet, ClaimUndecided, at_least, every, mean_ci
"""

# Every verdict rule at once, judged the converted way (require_criteria on).
SUITE = (
    HEADER
    + """
@pytest.mark.claim("lab01.uniform-variance")
def test_passes(evidence):
    evidence.horizon(steps=100, document_steps=1000)
    evidence.check("variance", [0.083, 0.084, 0.082], comparison="in", bound=[0.08, 0.09],
                   document="Var = 1/12")

@pytest.mark.claim("lab01.xavier-slow")
def test_not_met_unlisted(evidence):
    evidence.check("final loss", [0.6, 0.5, 0.7], comparison="<", bound=0.1)

@pytest.mark.claim("lab01.ordering")
def test_crashes(evidence):
    raise RuntimeError("boom")

@pytest.mark.claim("lab01.depth-24")
def test_skipped(evidence):
    pytest.skip("not in this tier")

@pytest.mark.claim("lab01.kaiming-trains")
def test_known_refuted(evidence):
    evidence.check("final loss", [float("nan")] * 3, comparison="<", bound=0.05)

@pytest.mark.claim("lab01.lr-too-high")
def test_known_conditional(evidence):
    evidence.condition("for Xavier and Kaiming only")
    evidence.check_all("lower lr stops NaN", [True, True, False])

@pytest.mark.claim("lab01.same-batches")
def test_known_but_now_holds(evidence):
    evidence.check_all("same batches", [True, True, True])

@pytest.mark.claim("lab01.uniform-fails")
def test_known_but_crashes(evidence):
    evidence.check("loss", 1.0, comparison=">", bound=0.5)
    raise TypeError("unsupported operand")

@pytest.mark.claim("lab01.uniform-failure-mode")
def test_undecided(evidence):
    evidence.check("loss", [0.0, 0.2, 0.1], comparison="<", bound=0.1, rule=mean_ci())

@pytest.mark.claim("lab01.task-linearly-separable")
def test_conditional_without_condition(evidence):
    evidence.check("accuracy", 0.5, comparison=">=", bound=0.99)

@pytest.mark.claim("lab01.shallow-all-train")
def test_sanity_check_fails(evidence):
    assert 3 == 4, "the data has the wrong shape"

@pytest.mark.claim("lab03.gelu-gain")
def test_records_no_criterion(evidence):
    evidence.record(gain=1.53)

def test_without_claim():
    assert True
"""
)

KNOWN = """
["lab01.kaiming-trains"]
verdict = "refuted"
reason = "the loss is NaN on every seed"

["lab01.lr-too-high"]
verdict = "conditional"
reason = "dropping the learning rate stops divergence only for Xavier and Kaiming"

["lab01.same-batches"]
verdict = "refuted"
reason = "the runs see different batches"

["lab01.uniform-fails"]
verdict = "refuted"
reason = "uniform init trains"

["lab01.task-linearly-separable"]
verdict = "conditional"
reason = "separable only in some dimensions"
"""

STRICT = ("-o", "require_criteria=true")


@pytest.fixture(autouse=True)
def no_tier_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The throw-away suites run in this process: an INITSPEC_TIER around it must not leak in."""
    monkeypatch.delenv("INITSPEC_TIER", raising=False)


def run_suite(
    pytester: pytest.Pytester, *args: str, suite: str = SUITE, known: str = KNOWN
) -> pytest.RunResult:
    pytester.makepyfile(test_suite=suite)
    known_path = pytester.path / "known.toml"
    known_path.write_text(known)
    return pytester.runpytest(
        "-p",
        "initspec.plugin.hooks",
        "-p",
        "no:randomly",
        f"--known-failures={known_path}",
        f"--reports-dir={pytester.path / 'reports'}",
        *args,
    )


def load_report(pytester: pytest.Pytester) -> dict[str, dict[str, Any]]:
    text = (pytester.path / "reports" / "claims.json").read_text()
    report = json.loads(text, parse_constant=lambda token: pytest.fail(f"non-strict {token}"))
    return {entry["id"]: entry for entry in report["claims"]}


def verdicts(pytester: pytest.Pytester) -> dict[str, str]:
    return {claim_id: entry["verdict"] for claim_id, entry in load_report(pytester).items()}


def test_verdicts_follow_the_rules(pytester: pytest.Pytester) -> None:
    result = run_suite(pytester, *STRICT)
    expected = {
        "lab01.uniform-variance": "holds",
        "lab01.xavier-slow": "refuted",  # ClaimNotMet, not listed
        "lab01.ordering": "error",  # a crash
        "lab01.depth-24": "not-run",
        "lab01.kaiming-trains": "refuted",  # ClaimNotMet, listed refuted
        "lab01.lr-too-high": "conditional",  # ClaimNotMet, listed conditional, condition named
        "lab01.same-batches": "holds",  # listed, but now holds
        "lab01.uniform-fails": "error",  # listed, but a TypeError: a crash is never a verdict
        "lab01.uniform-failure-mode": "inconclusive",  # ClaimUndecided
        "lab01.task-linearly-separable": "error",  # listed conditional, no condition named
        "lab01.shallow-all-train": "error",  # a plain assert: the test's own sanity check
        "lab03.gelu-gain": "error",  # no criterion recorded (require_criteria)
    }
    measured = verdicts(pytester)
    assert {claim_id: measured[claim_id] for claim_id in expected} == expected
    # Failed: the unlisted refutation, the crashes, the strict xpass, the conditional without a
    # condition, the sanity check and the test without a criterion. Skipped: the skip and the
    # undecided claim. Xfailed: the listed refutation and the listed conditional.
    result.assert_outcomes(passed=2, failed=7, skipped=2, xfailed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_notes_say_why(pytester: pytest.Pytester) -> None:
    run_suite(pytester, *STRICT)
    claims = load_report(pytester)

    def note(claim_id: str) -> str:
        (only,) = claims[claim_id]["notes"]
        return str(only)

    assert "known.toml but now holds: remove the entry" in note("lab01.same-batches")
    assert note("lab01.kaiming-trains") == "the loss is NaN on every seed"
    assert note("lab01.uniform-fails") == "TypeError: unsupported operand"
    assert note("lab01.uniform-failure-mode").startswith("inconclusive: loss: undecided")
    assert "named no condition" in note("lab01.task-linearly-separable")
    assert note("lab01.shallow-all-train").startswith("a test's own sanity check failed")
    assert "recorded no criterion" in note("lab03.gelu-gain")
    page = (pytester.path / "reports" / "claims" / "lab01.kaiming-trains.md").read_text()
    assert "the loss is NaN on every seed" in page, "a known failure's reason is not on its page"


LISTED = (
    HEADER
    + """
@pytest.mark.claim("lab01.kaiming-trains")
def test_known_refuted(evidence):
    evidence.check("final loss", [0.2, 0.3, 0.25], comparison="<", bound=0.05)

@pytest.mark.claim("lab01.lr-too-high")
def test_known_conditional(evidence):
    evidence.condition("for Xavier and Kaiming only")
    evidence.check_all("lower lr stops NaN", [True, True, False])

@pytest.mark.claim("lab01.uniform-variance")
def test_passes(evidence):
    evidence.check("variance", 1 / 12, comparison="in", bound=[0.08, 0.09])
"""
)


def test_listed_claims_not_met_keep_the_run_green(pytester: pytest.Pytester) -> None:
    result = run_suite(pytester, *STRICT, suite=LISTED)
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=1, xfailed=2)
    measured = verdicts(pytester)
    assert measured["lab01.kaiming-trains"] == "refuted"
    assert measured["lab01.lr-too-high"] == "conditional"
    assert load_report(pytester)["lab01.lr-too-high"]["conditions"] == [
        "for Xavier and Kaiming only"
    ]


@pytest.mark.parametrize("error", ["TypeError('x')", "KeyError('x')", "ValueError('x')"])
def test_a_crash_in_a_listed_test_is_an_error_and_red(
    pytester: pytest.Pytester, error: str
) -> None:
    suite = (
        HEADER
        + f"""
@pytest.mark.claim("lab01.kaiming-trains")
def test_known_refuted(evidence):
    raise {error}
"""
    )
    result = run_suite(pytester, *STRICT, suite=suite)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(failed=1)
    assert verdicts(pytester)["lab01.kaiming-trains"] == "error"


def test_a_crash_in_a_fixture_of_a_listed_test_is_an_error(pytester: pytest.Pytester) -> None:
    suite = (
        HEADER
        + """
@pytest.fixture
def runs():
    raise RuntimeError("training setup failed")

@pytest.mark.claim("lab01.kaiming-trains")
def test_known_refuted(runs, evidence):
    evidence.check("loss", 1.0, comparison="<", bound=0.05)
"""
    )
    result = run_suite(pytester, *STRICT, suite=suite)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert verdicts(pytester)["lab01.kaiming-trains"] == "error"


def test_an_undecided_claim_is_inconclusive_and_not_red(pytester: pytest.Pytester) -> None:
    suite = (
        HEADER
        + """
@pytest.mark.claim("lab01.kaiming-trains")
def test_listed_but_undecided(evidence):
    evidence.check("loss", [0.0, 0.2, 0.1], comparison="<", bound=0.1, rule=mean_ci())

@pytest.mark.claim("lab01.xavier-slow")
def test_undecided_at_the_cap(evidence):
    values = {0: 0.0, 1: 0.2, 2: 0.1, 3: 0.05, 4: 0.15}
    evidence.check_seeds("loss", values.__getitem__, seeds=range(3), cap=5,
                         comparison="<", bound=0.1)
"""
    )
    result = run_suite(pytester, *STRICT, "-rs", suite=suite)
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["*inconclusive: loss: undecided*t interval*"])
    claims = load_report(pytester)
    for claim_id in ("lab01.kaiming-trains", "lab01.xavier-slow"):
        assert claims[claim_id]["verdict"] == "inconclusive"
    (criterion,) = claims["lab01.xavier-slow"]["criteria"]
    assert criterion["outcome"] == "undecided" and criterion["run"] == 5, criterion
    low, high = criterion["interval"]
    assert low < 0.1 < high, "an undecided t interval straddles the bound"
    (figures,) = claims["lab01.xavier-slow"]["evidence"].values()
    assert figures["seeds_measured"] == {"loss": [0, 1, 2, 3, 4]}


def test_criteria_tier_and_horizon_are_in_the_report(pytester: pytest.Pytester) -> None:
    run_suite(pytester, *STRICT)
    claims = load_report(pytester)
    entry = claims["lab01.uniform-variance"]
    (criterion,) = entry["criteria"]
    assert criterion["name"] == "variance" and criterion["comparison"] == "in"
    assert criterion["bound"] == [0.08, 0.09] and criterion["measured"] == [0.083, 0.084, 0.082]
    assert (criterion["held"], criterion["run"], criterion["outcome"]) == (3, 3, "held")
    assert criterion["rule"] == "every seed" and criterion["document"] == "Var = 1/12"
    assert criterion["margin"] is not None and criterion["margin"] > 0
    assert entry["seeds"] == {"run": 3, "held": 3}
    assert (entry["tier"], entry["steps"], entry["document_steps"]) == ("quick", 100, 1000)
    assert "commit" in entry
    refuted = claims["lab01.kaiming-trains"]["criteria"][0]
    assert refuted["measured"] == [None, None, None] and refuted["held"] == 0, "NaN is null"
    assert refuted["outcome"] == "not-met"


def test_require_criteria_off_reads_asserts_as_before(pytester: pytest.Pytester) -> None:
    suite = (
        HEADER
        + """
@pytest.mark.claim("lab01.uniform-variance")
def test_passes_without_criterion(evidence):
    evidence.record(variance=1 / 12)
    evidence.seeds(run=5, held=5)

@pytest.mark.claim("lab01.xavier-slow")
def test_assert_unlisted(evidence):
    assert 0.6 < 0.1, "expected final loss < 0.1; measured 0.6"

@pytest.mark.claim("lab01.kaiming-trains")
def test_assert_listed(evidence):
    assert False, "expected a low loss; measured NaN"

@pytest.mark.claim("lab01.lr-too-high")
def test_assert_listed_conditional(evidence):
    evidence.condition("for Xavier and Kaiming only")
    assert False
"""
    )
    result = run_suite(pytester, suite=suite)
    result.assert_outcomes(passed=1, failed=1, xfailed=2)
    claims = load_report(pytester)
    assert {k: claims[k]["verdict"] for k in ("lab01.uniform-variance", "lab01.xavier-slow")} == {
        "lab01.uniform-variance": "holds",
        "lab01.xavier-slow": "refuted",
    }
    assert claims["lab01.kaiming-trains"]["verdict"] == "refuted"
    assert claims["lab01.lr-too-high"]["verdict"] == "conditional"
    assert claims["lab01.uniform-variance"]["seeds"] == {"run": 5, "held": 5}


def test_require_criteria_on_makes_a_test_without_one_an_error(
    pytester: pytest.Pytester,
) -> None:
    suite = (
        HEADER
        + """
@pytest.mark.claim("lab01.uniform-variance")
def test_passes_without_criterion(evidence):
    evidence.record(variance=1 / 12)

@pytest.mark.claim("lab01.xavier-slow")
def test_raises_without_criterion(evidence):
    raise ClaimNotMet("not met, by hand")

@pytest.mark.claim("lab01.ordering")
def test_without_evidence():
    pass
"""
    )
    result = run_suite(pytester, *STRICT, suite=suite)
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(["*ClaimTestError: the claim test recorded no criterion*"])
    measured = verdicts(pytester)
    assert [measured[k] for k in ("lab01.uniform-variance", "lab01.xavier-slow")] == ["error"] * 2
    assert measured["lab01.ordering"] == "error"


SEEDED = """
import pytest
from initspec.plugin.evidence import current_seed_base, current_tier

@pytest.fixture(scope="session")
def setup(pytestconfig):
    return {"seed": current_seed_base(pytestconfig) + 3, "tier": current_tier(pytestconfig)}

@pytest.mark.claim("lab01.uniform-variance")
def test_records_its_seeds(evidence, seed_base, tier, setup):
    evidence.record(fixture_seed=seed_base + 1, conftest_seed=setup["seed"],
                    evidence_seed=evidence.seed_base + 2, tier=tier, setup_tier=setup["tier"])
    evidence.check_seeds("value", lambda seed: float(seed), seeds=[0, 1], cap=2,
                         comparison=">=", bound=0.0)
"""


def seeded_figures(pytester: pytest.Pytester) -> dict[str, Any]:
    (figures,) = load_report(pytester)["lab01.uniform-variance"]["evidence"].values()
    return dict(figures)


def test_seed_base_shifts_every_seed(pytester: pytest.Pytester) -> None:
    run_suite(pytester, *STRICT, suite=SEEDED)
    unshifted = seeded_figures(pytester)
    run_suite(pytester, *STRICT, "--seed-base", "7", suite=SEEDED)
    shifted = seeded_figures(pytester)
    assert unshifted["seeds_measured"] == {"value": [0, 1]}
    assert shifted["seeds_measured"] == {"value": [7, 8]}
    for name in ("fixture_seed", "conftest_seed", "evidence_seed"):
        assert shifted[name] == unshifted[name] + 7, name
    criterion = load_report(pytester)["lab01.uniform-variance"]["criteria"][0]
    assert criterion["measured"] == [7.0, 8.0], "measure() received the shifted seeds"


def test_tier_is_recorded_from_the_option_or_the_environment(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_suite(pytester, *STRICT, suite=SEEDED)
    assert load_report(pytester)["lab01.uniform-variance"]["tier"] == "quick"
    run_suite(pytester, *STRICT, "--tier", "document", suite=SEEDED)
    entry = load_report(pytester)["lab01.uniform-variance"]
    assert entry["tier"] == "document"
    assert seeded_figures(pytester)["tier"] == seeded_figures(pytester)["setup_tier"] == "document"
    monkeypatch.setenv("INITSPEC_TIER", "document")
    run_suite(pytester, *STRICT, suite=SEEDED)
    assert load_report(pytester)["lab01.uniform-variance"]["tier"] == "document"
    run_suite(pytester, *STRICT, "--tier", "quick", suite=SEEDED)
    entry = load_report(pytester)["lab01.uniform-variance"]
    assert entry["results"]["quick"]["fresh"] is True, "the option wins over the environment"
    assert entry["tier"] == "document", "a quick run keeps the document tier's verdict of record"


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (("--tier", "full"), None, "*--tier*invalid choice*'full'*"),
        (("--seed-base", "-1"), None, "*--seed-base*non-negative integer*"),
        (("--seed-base", "x"), None, "*--seed-base*non-negative integer*"),
        ((), "fast", "*INITSPEC_TIER='fast'*quick, document*"),
    ],
)
def test_bad_tier_or_seed_base_is_a_usage_error(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    env: str | None,
    message: str,
) -> None:
    if env is not None:
        monkeypatch.setenv("INITSPEC_TIER", env)
    result = run_suite(pytester, *args, suite=SEEDED)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert not (pytester.path / "reports").exists(), "nothing may be written"


@pytest.mark.parametrize(
    ("known", "message"),
    [
        ('["lab01.kaiming-trains"]\nreason = "x"\n', "'verdict' must be one of"),
        ('["lab01.kaiming-trains"]\nverdict = "wrong"\nreason = "x"\n', "not 'wrong'"),
        (
            '["lab01.kaiming-trains"]\nverdict = "refuted"\nreason = " "\n',
            "'reason', where given, must be a non-empty",
        ),
        (
            '["lab01.kaiming-trains"]\nverdict = "refuted"\nreason = "x"\nfinal_loss = 0.6\n',
            "unknown key(s) ['final_loss']",
        ),
        (
            '["lab01.kaiming-trains"]\nverdict = "refuted"\nreason = "x"\ntests = "test_a"\n',
            "'tests' must be a non-empty list",
        ),
        ('["lab01.kaiming-trains"]\nverdict = "refuted"\nreason = "x\n', "not valid TOML"),
        ('["no.such-claim"]\nverdict = "refuted"\nreason = "x"\n', "unknown claim ID"),
        ('"lab01.kaiming-trains" = "refuted"\n', "must be a table"),
        (
            '["lab01.kaiming-trains"]\nverdict = "refuted"\nreason = "x"\ntiers = ["slow"]\n',
            "'tiers' must be a non-empty list",
        ),
    ],
)
def test_malformed_known_failures_are_usage_errors(
    pytester: pytest.Pytester, known: str, message: str
) -> None:
    result = run_suite(pytester, suite=LISTED, known=known)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    (line,) = [line for line in result.stderr.lines if line.strip()]
    assert "known.toml" in line and message in line, line
    if "no.such-claim" not in known and "TOML" not in message:
        assert "['lab01.kaiming-trains']" in line, f"the entry is not named: {line}"
    assert not (pytester.path / "reports").exists(), "nothing may be written"


def test_a_claim_listed_in_two_files_is_a_usage_error(pytester: pytest.Pytester) -> None:
    directory = pytester.path / "known"
    directory.mkdir()
    entry = '["lab01.kaiming-trains"]\nverdict = "refuted"\nreason = "x"\n'
    (directory / "a.toml").write_text(entry)
    (directory / "b.toml").write_text(entry)
    pytester.makepyfile(test_suite=LISTED)
    result = pytester.runpytest("-p", "initspec.plugin.hooks", f"--known-failures={directory}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*b.toml*lab01.kaiming-trains*also listed in*a.toml*"])


def test_tests_restricts_an_entry_to_some_tests(pytester: pytest.Pytester) -> None:
    suite = (
        HEADER
        + """
@pytest.mark.claim("lab01.kaiming-trains")
@pytest.mark.parametrize("case", ["low", "high"])
def test_case(evidence, case):
    evidence.check("loss", 0.01 if case == "low" else 1.0, comparison="<", bound=0.05)
"""
    )
    known = '["lab01.kaiming-trains"]\nverdict = "refuted"\nreason = "x"\ntests = ["high"]\n'
    result = run_suite(pytester, *STRICT, suite=suite, known=known)
    result.assert_outcomes(passed=1, xfailed=1)
    assert verdicts(pytester)["lab01.kaiming-trains"] == "refuted"


@pytest.mark.parametrize(
    ("tier", "outcomes", "verdict"),
    [
        # Listed for this tier: the failure is the known one.
        ("quick", {"xfailed": 1}, "refuted"),
        # Not listed for this tier: the same failure is a new one and the run is red.
        ("document", {"failed": 1}, "refuted"),
    ],
)
def test_tiers_restricts_an_entry_to_some_tiers(
    pytester: pytest.Pytester, tier: str, outcomes: dict[str, int], verdict: str
) -> None:
    suite = (
        HEADER
        + """
@pytest.mark.claim("lab01.kaiming-trains")
def test_case(evidence):
    evidence.check("loss", 1.0, comparison="<", bound=0.05)
"""
    )
    known = '["lab01.kaiming-trains"]\nverdict = "refuted"\nreason = "x"\ntiers = ["quick"]\n'
    result = run_suite(pytester, *STRICT, f"--tier={tier}", suite=suite, known=known)
    result.assert_outcomes(**outcomes)
    assert verdicts(pytester)["lab01.kaiming-trains"] == verdict


def test_report_lists_every_claim_with_strict_json(pytester: pytest.Pytester) -> None:
    run_suite(pytester, *STRICT)
    claims = load_report(pytester)
    assert list(claims) == list(CLAIMS)
    (figures,) = claims["lab03.gelu-gain"]["evidence"].values()
    assert math.isclose(figures["gain"], 1.53)
    index = (pytester.path / "reports" / "index.md").read_text()
    rows = [line for line in index.splitlines() if line.startswith("| `")]
    assert len(rows) == len(CLAIMS)


def test_unknown_claim_id_is_a_collection_error(pytester: pytest.Pytester) -> None:
    suite = """
import pytest

@pytest.mark.claim("lab01.uniform-fail")
def test_typo(evidence):
    assert True
"""
    result = run_suite(pytester, suite=suite)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown claim ID 'lab01.uniform-fail'*lab01.uniform-fails*"])


def test_subset_run_keeps_earlier_verdicts_marked_as_earlier(pytester: pytest.Pytester) -> None:
    run_suite(pytester, *STRICT)
    first = load_report(pytester)
    run_suite(pytester, *STRICT, "-k", "test_passes")
    second = load_report(pytester)
    assert second["lab01.uniform-variance"]["fresh"] is True
    kept = second["lab01.kaiming-trains"]
    assert kept["verdict"] == "refuted" and kept["fresh"] is False
    assert kept["measured_at"] == first["lab01.kaiming-trains"]["measured_at"]


def test_xdist_gives_the_same_outcomes(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    run_suite(pytester, *STRICT)
    serial = load_report(pytester)
    (pytester.path / "reports" / "claims.json").unlink()
    run_suite(pytester, *STRICT, "-n", "2")
    parallel = load_report(pytester)
    assert {k: v["verdict"] for k, v in parallel.items()} == {
        k: v["verdict"] for k, v in serial.items()
    }
    assert {k: v["criteria"] for k, v in parallel.items()} == {
        k: v["criteria"] for k, v in serial.items()
    }


def test_artifacts_are_private_to_each_test(pytester: pytest.Pytester) -> None:
    suite = """
import pytest

@pytest.mark.claim("lab01.uniform-variance")
@pytest.mark.parametrize("case", ["a", "b"])
def test_writes(evidence, case):
    path = evidence.artifact_dir / "figure.png"
    assert not path.exists(), "another test wrote here"
    path.write_text(case)
    evidence.artifact(path)
    evidence.check_all("written", [path.exists()])
"""
    result = run_suite(pytester, *STRICT, suite=suite)
    result.assert_outcomes(passed=2)
    artifacts = load_report(pytester)["lab01.uniform-variance"]["artifacts"]
    assert len(artifacts) == 2 and all(Path(a).name == "figure.png" for a in artifacts)
    assert all(a.startswith("artifacts/quick/") for a in artifacts), artifacts


def test_without_a_report_the_figures_stay_out_of_reports(pytester: pytest.Pytester) -> None:
    suite = """
import pytest

@pytest.mark.claim("lab01.uniform-variance")
def test_writes(evidence):
    path = evidence.artifact_dir / "figure.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("drawn")
    evidence.artifact(path)
    evidence.check_all("written", [path.exists()])
"""
    result = run_suite(pytester, *STRICT, "--no-claims-report", suite=suite)
    result.assert_outcomes(passed=1)
    assert not (pytester.path / "reports").exists(), "--no-claims-report wrote under reports/"


def test_the_plugin_module_exports_what_a_conftest_imports_from_it() -> None:
    from initspec.plugin import evidence, hooks, session_cache

    assert hooks.Evidence is evidence.Evidence
    assert hooks.computed_once is session_cache.computed_once


REGISTRY_SUITE = (
    HEADER
    + """
@pytest.mark.claim("lecture.symmetry-breaking")
def test_listed_for_every_test(evidence):
    evidence.check("loss", [0.6, 0.7], comparison="<", bound=0.1)

@pytest.mark.claim("lab03.param-count")
def test_fifty_block_model_size(evidence):
    evidence.check("parameters", [1.0, 1.0], comparison="<", bound=2.0)

@pytest.mark.claim("lab03.param-count")
def test_not_the_listed_one(evidence):
    evidence.check("bytes", [3.0, 3.0], comparison="<", bound=2.0)
"""
)


def test_without_a_file_the_registry_lists_the_known_failures(pytester: pytest.Pytester) -> None:
    """A claim's ``known`` in initspec.claims.registry: its listed tests are strict xfails with the
    registry's verdict and no typed words; a listed test that holds, and an unlisted test of the
    same claim that fails, each make the run red."""
    pytester.makepyfile(test_suite=REGISTRY_SUITE)
    result = pytester.runpytest(
        "-p", "initspec.plugin.hooks", "-p", "no:randomly",
        f"--reports-dir={pytester.path / 'reports'}",
    )  # fmt: skip
    result.assert_outcomes(xfailed=1, failed=2)
    report = load_report(pytester)
    symmetry = report["lecture.symmetry-breaking"]
    assert symmetry["verdict"] == "refuted", symmetry["verdict"]
    assert not symmetry["notes"], f"expected no typed words as the note: {symmetry['notes']}"
    tests = {
        t["test"].split("::")[-1]: t
        for t in report["lab03.param-count"]["results"]["quick"]["tests"]
    }
    listed = tests["test_fifty_block_model_size"]
    assert listed["verdict"] == "holds", listed
    assert "initspec.claims.registry" in (listed["note"] or ""), listed["note"]
    assert tests["test_not_the_listed_one"]["verdict"] == "refuted", tests
