"""A lab's README never contradicts its own JSON: labs 01, 02 and 03, run with options other
than their defaults (fewer steps, a subset of the inits or variants, shallower).

The README generator reads every number it states from the JSON files as written and returns
where it read each one (:class:`initspec.labs.lab.Stated`). Here each statement is checked
against the files on disk: its text is in the README, and the value at its path, written in
its format, is that text. Every decimal number in the README must be one of them (or one of
the few constants of the documents' setups), so no number can come from anywhere else; and a
variant that did not run is said not to have run, with nothing predicted or measured for it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from initspec.labs import LABS
from initspec.labs.lab import Stated, lookup
from initspec.labs.writer import write_lab
from initspec.plotting.formatting import fmt


class Case(NamedTuple):
    key: str
    options: dict[str, Any]


# Uniform init at width 256 and depth 8 overflows to NaN within the first steps (lab 02's
# no-norm rows, and lab 01's deeper run): the diverged wording is exercised too.
CASES = {
    "01-subset-of-inits": Case(
        "01", {"steps": 50, "depth": 3, "width": 32, "inits": ("xavier", "kaiming")}
    ),
    "01-one-step": Case("01", {"steps": 1, "depth": 2, "width": 32}),
    "01-uniform-diverges": Case(
        "01", {"steps": 30, "depth": 8, "width": 256, "inits": ("uniform", "xavier")}
    ),
    "01-tanh": Case("01", {"steps": 20, "depth": 2, "width": 32, "activation": "tanh"}),
    "02-two-inits": Case(
        "02", {"steps": 30, "depth": 8, "width": 256, "inits": ("kaiming", "uniform")}
    ),
    "03-residual-only": Case("03", {"steps": 40, "depth": 3, "width": 32, "use_residual": "yes"}),
    "03-plain-only": Case("03", {"steps": 40, "depth": 2, "width": 32, "use_residual": "no"}),
}
# Numbers of the documents' setups that the READMEs quote as constants, not measurements:
# the uniform init's bound, lab 03's GeLU gain and momentum, chance (ln 2, labs 02 and 03),
# and lab 03's gradient levels (1e-7 vanished, [1e-3, 1e-1] healthy).
CONSTANTS = {"0.5", "-0.5", "1.7", "0.9", "0.6931", "1e-7", "1e-3", "1e-1"}
DECIMAL = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?e[+-]?\d+|(?<![\w.])-?\d+\.\d+")


class Lab(NamedTuple):
    readme: str
    documents: dict[str, Any]
    stated: tuple[Stated, ...]


def write(case: Case, out: Path) -> Lab:
    lab = LABS[case.key]
    config = lab.config(**case.options)
    written = write_lab(lab, config, 0, out, progress=False)
    documents = {path.name: json.loads(path.read_text()) for path in written.path.glob("*.json")}
    return Lab((written.path / "README.md").read_text(), documents, written.stated)


@pytest.fixture(scope="module")
def labs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Lab]:
    return {name: write(case, tmp_path_factory.mktemp(name)) for name, case in CASES.items()}


@pytest.mark.parametrize("name", CASES)
def test_every_stated_number_reads_so_in_the_json_on_disk(labs: dict[str, Lab], name: str) -> None:
    lab = labs[name]
    assert lab.stated, "the README states no number"
    for stated in lab.stated:
        value = lookup(lab.documents[stated.file], stated.path, stated.file)
        assert fmt(value, stated.spec) == stated.text, f"{stated} but the file holds {value!r}"
        assert stated.text in lab.readme, f"{stated} is not in the README"


@pytest.mark.parametrize("name", CASES)
def test_every_decimal_number_in_the_readme_was_read_from_the_json(
    labs: dict[str, Lab], name: str
) -> None:
    lab = labs[name]
    allowed = {stated.text for stated in lab.stated} | CONSTANTS
    stray = sorted({token for token in DECIMAL.findall(lab.readme) if token not in allowed})
    assert not stray, f"numbers in the README that no JSON file holds: {stray}"


def test_lab01_says_uniform_was_not_run_and_predicts_nothing_for_it(labs: dict[str, Lab]) -> None:
    readme = labs["01-subset-of-inits"].readme
    assert "1. Uniform init (U[-0.5, 0.5]) was not run" in readme
    assert "Uniform fails harder" not in readme
    assert "| uniform |" not in readme
    assert "Measured: final loss" in readme  # question 4 measured the inits that ran


def test_lab01_under_tanh_makes_no_relu_prediction(labs: dict[str, Lab]) -> None:
    """The document's depth predictions reason from ReLU's factor 1/2; under another activation
    the README must not repeat them as if they applied."""
    readme = labs["01-tanh"].readme
    assert "halves at every ReLU layer" not in readme, "a ReLU prediction under --activation tanh"
    for init in ("Uniform", "Xavier", "Kaiming"):
        assert f"   - {init}: no prediction under tanh" in readme, f"{init}: expected no prediction"


def test_lab01_never_reads_a_slope_over_more_steps_than_were_run(labs: dict[str, Lab]) -> None:
    readme = labs["01-subset-of-inits"].readme
    assert "200" not in readme, "a 50-step run has no last 200 steps"
    assert "slope over all 50 steps" in readme
    assert "3. Over all 50 steps (steps 0 to 49)" in readme


def test_lab01_one_step_gives_every_final_loss_and_no_slope(labs: dict[str, Lab]) -> None:
    lab = labs["01-one-step"]
    runs = lab.documents["manifest.json"]["results_summary"]["runs"]
    assert "not run" not in lab.readme, "every init ran"
    assert f"Xavier {fmt(runs['xavier']['final_loss'])}" in lab.readme
    assert "3. A run of one step has no slope" in lab.readme


def test_lab01_diverged_runs_are_said_to_have_diverged(labs: dict[str, Lab]) -> None:
    lab = labs["01-uniform-diverges"]
    summary = lab.documents["manifest.json"]["results_summary"]
    step = summary["runs"]["uniform"]["first_nan_step"]
    assert step is not None, "the case is meant to diverge"
    assert f"1. Uniform init produced its first NaN loss at step {step}." in lab.readme
    deep_step = summary["deeper"]["runs"]["uniform"]["first_nan_step"]
    assert f"Measured: NaN at step {deep_step} (at 8 layers: step {step})" in lab.readme


def test_lab02_gives_a_diverged_run_no_slope(labs: dict[str, Lab]) -> None:
    lab = labs["02-two-inits"]
    uniform = lab.documents["manifest.json"]["results_summary"]["none"]["uniform"]
    assert uniform["first_nan_step"] is not None, "the case is meant to diverge"
    row = next(line for line in lab.readme.splitlines() if line.startswith("| none | uniform |"))
    assert "diverged" in row and fmt(uniform["slope_last_200"], ".3g") not in lab.readme
    assert "xavier" not in lab.readme.split("## What it shows")[1], "xavier did not run"


def test_lab02_no_norm_rows_are_lab01_at_the_same_options(
    labs: dict[str, Lab], tmp_path: Path
) -> None:
    lab02 = labs["02-two-inits"]
    lab01 = write(Case("01", CASES["02-two-inits"].options), tmp_path)
    runs01 = lab01.documents["manifest.json"]["results_summary"]["runs"]
    runs02 = lab02.documents["manifest.json"]["results_summary"]["none"]
    for init in CASES["02-two-inits"].options["inits"]:
        for key in ("first_nan_step", "final_loss", "val_loss", "val_accuracy"):
            assert runs01[init][key] == runs02[init][key], f"{init} {key}: lab 01 and lab 02"


def test_lab03_says_which_variant_did_not_run(labs: dict[str, Lab]) -> None:
    residual_only = labs["03-residual-only"].readme
    assert "1. The plain variant was not run" in residual_only
    assert "The double-depth run was not made" in residual_only
    assert "100" not in residual_only, "no 100-block run at depth 3"
    plain_only = labs["03-plain-only"].readme
    assert "3. The residual variant was not run" in plain_only
    assert "at 4 blocks:" in plain_only, "the double-depth run has twice the lab's 2 blocks"
