"""The snapshot tolerances pass other CPU kernels' last bits and fail real changes.

``tests/data/kernel_sets.json`` holds the snapshot tests' lab results computed under four kernel
sets on one machine (ATen AVX2, ATen ``default``, MKL's SSE4.2 code path, both):
every other set must agree with the AVX2 results within the tolerance its snapshot uses, and lab
01's loss figure drawn from each set must match the AVX2 one as a picture. A real change must
fail: a series in another colour, a curve moved by 1 %, a missing series, a loss changed in its
third significant digit.
"""

from __future__ import annotations

import copy
import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from initspec.plotting.curves import plot_loss_curves
from initspec.snapshots.images import compare_png
from initspec.snapshots.numbers import compare_documents
from initspec.snapshots.tolerances import FIGURE_RMS, RESULTS, SAMPLES, for_results

DATA = Path(__file__).parent / "data" / "kernel_sets.json"
REFERENCE = "AVX2"


@cache
def kernel_sets() -> dict[str, dict[str, Any]]:
    sets: dict[str, dict[str, Any]] = json.loads(DATA.read_text())["kernel_sets"]
    return sets


OTHERS = ["ATEN_CPU_CAPABILITY=default", "MKL_CBWR=COMPATIBLE MKL_ENABLE_INSTRUCTIONS=SSE4_2"]
OTHERS.append("all three")
FILES = sorted(json.loads(DATA.read_text())["kernel_sets"][REFERENCE])


def results(name: str, kernels: str = REFERENCE) -> Any:
    return copy.deepcopy(kernel_sets()[kernels][name])


def test_the_kernel_sets_differ() -> None:
    """The data shows a spread at all (else the tests below would prove nothing)."""
    for kernels in OTHERS:
        differing = [name for name in FILES if results(name, kernels) != results(name)]
        assert len(differing) >= 5, f"{kernels}: only {differing} differ from AVX2's"


@pytest.mark.parametrize("kernels", OTHERS)
@pytest.mark.parametrize("name", FILES)
def test_other_kernels_results_within_tolerance(name: str, kernels: str) -> None:
    tolerance = for_results(name)
    found = compare_documents(results(name), results(name, kernels), tolerance)
    assert not found, (
        f"{name} under {kernels}: expected agreement within {tolerance.describe()}, "
        f"measured {[change.describe() for change in found[:5]]}"
    )


def _scaled(losses: list[float | None], factor: float) -> list[float | None]:
    return [None if value is None else value * factor for value in losses]


def _third_digit_changed(value: float) -> float:
    """``value`` with one unit more (or less, from a 9) in its third significant digit."""
    unit = 10.0 ** (math.floor(math.log10(abs(value))) - 2)
    digit = int(abs(value) / unit) % 10
    return value - unit if digit == 9 else value + unit


@pytest.mark.parametrize(
    "name",
    ["makemore/losses.json", "makemore/final_losses.json", "03/losses.json", "03/grad_norms.json"],
)
def test_a_loss_changed_in_its_third_digit_fails(name: str) -> None:
    """Every number in a file under RESULTS: changed in its third significant digit, it fails."""
    document = results(name)
    numbers: list[tuple[Any, Any]] = []

    def collect(node: Any) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            if isinstance(value, float) and value != 0 and math.isfinite(value):
                numbers.append((node, key))
            elif isinstance(value, (dict, list)):
                collect(value)

    collect(document)
    assert numbers, f"{name} holds no float"
    assert for_results(name) == RESULTS
    for node, key in numbers[:: max(1, len(numbers) // 40)]:
        old = node[key]
        node[key] = _third_digit_changed(old)
        found = compare_documents(results(name), document, RESULTS)
        assert found, f"{name}: {old} -> {node[key]} expected to fail {RESULTS.describe()}"
        node[key] = old


def test_training_curves_fail_a_loss_moved_half_a_percent() -> None:
    """Lab 01's curves (tolerance TRAINING_CURVES, 5e-3): any one loss moved by 0.6 % fails;
    the whole curve moved by 1 % fails at every step."""
    name = "01/losses.json"
    tolerance = for_results(name)
    changed = results(name)
    curve = changed["losses"]["kaiming"]
    curve[30] *= 1.006
    assert compare_documents(results(name), changed, tolerance), "a loss moved 0.6 % passed"
    changed["losses"]["kaiming"] = _scaled(results(name)["losses"]["kaiming"], 1.01)
    found = compare_documents(results(name), changed, tolerance)
    finite = [value for value in curve if value is not None]
    assert len(found) == len(finite), f"expected {len(finite)} steps to fail, {len(found)} did"


def test_a_missing_series_or_sample_fails() -> None:
    name = "01/losses.json"
    changed = results(name)
    del changed["losses"]["xavier"]
    found = compare_documents(results(name), changed, for_results(name))
    assert [change.path for change in found] == ["losses.xavier"], found
    samples = results("makemore/samples.json")
    model = sorted(samples)[0]
    samples[model] = samples[model][:-1]
    found = compare_documents(results("makemore/samples.json"), samples, SAMPLES)
    assert [change.path for change in found] == [f"{model} (length)"], found


def test_integers_and_texts_outside_samples_must_be_equal() -> None:
    old = {"first_nan_step": {"uniform": 3}, "activation": "tanh", "names": ["ab", "cd"]}
    new = {"first_nan_step": {"uniform": 4}, "activation": "relu", "names": ["ab", "ce"]}
    found = {change.path for change in compare_documents(old, new, RESULTS)}
    assert found == {"first_nan_step.uniform", "activation", "names[1]"}, found
    found = {change.path for change in compare_documents(old, new, SAMPLES)}
    assert found == {"first_nan_step.uniform", "activation"}, found
    assert compare_documents({"x": None}, {"x": 0.5}, RESULTS), "a NaN (null) became a number"


# Lab 01's headline figure, as initspec.labs.lab01.loss_figure draws it.
def draw(path: Path, losses: dict[str, Any], colors: dict[str, str] | None = None) -> bytes:
    plot_loss_curves(
        path,
        losses["losses"],
        title="Lab 01, init ablation: 8-layer tanh MLP, width 256",
        nan_steps=losses["first_nan_step"],
        chance_level=math.log(2),
        linear_detail=True,
        colors=colors,
    )
    return path.read_bytes()


@pytest.fixture(scope="module")
def reference_figure(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return draw(tmp_path_factory.mktemp("figure") / "avx2.png", results("01/losses.json"))


@pytest.mark.parametrize("kernels", OTHERS)
def test_other_kernels_figure_within_tolerance(
    reference_figure: bytes, tmp_path: Path, kernels: str
) -> None:
    other = draw(tmp_path / "other.png", results("01/losses.json", kernels))
    assert other != reference_figure, f"{kernels}: the same pixels (no spread to tolerate)"
    comparison = compare_png(reference_figure, other)
    assert comparison.within(FIGURE_RMS), (
        f"{kernels}: expected RMS <= {FIGURE_RMS}, measured {comparison.rms:.3f}"
    )


def _moved(losses: dict[str, Any], factor: float) -> dict[str, Any]:
    moved = copy.deepcopy(losses)
    moved["losses"]["xavier"] = _scaled(moved["losses"]["xavier"], factor)
    return moved


@pytest.mark.parametrize(
    "change",
    ["another colour", "a curve moved by 1 %", "a missing series"],
)
def test_a_real_figure_change_fails(reference_figure: bytes, tmp_path: Path, change: str) -> None:
    losses = results("01/losses.json")
    if change == "another colour":
        changed = draw(tmp_path / "c.png", losses, colors={"kaiming": "tab:purple"})
    elif change == "a curve moved by 1 %":
        changed = draw(tmp_path / "c.png", _moved(losses, 1.01))
    else:
        del losses["losses"]["xavier"]
        changed = draw(tmp_path / "c.png", losses)
    comparison = compare_png(reference_figure, changed)
    assert not comparison.within(FIGURE_RMS), (
        f"{change}: expected RMS > {FIGURE_RMS}, measured {comparison.rms:.3f}"
    )
    assert comparison.diff_png is not None and comparison.changed > 0


def test_figures_of_another_size_fail(reference_figure: bytes, tmp_path: Path) -> None:
    from initspec.snapshots.images import decode_png, encode_png

    pixels = decode_png(reference_figure)
    cropped = encode_png(pixels[:-1])
    comparison = compare_png(reference_figure, cropped)
    assert not comparison.within(FIGURE_RMS) and comparison.diff_png is None
    assert "expected" in comparison.describe(FIGURE_RMS)
