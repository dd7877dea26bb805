"""The maps' coarse grids (what the spec runs; ``initspec map NAME --full`` runs the full ones).

Each coarse map trains through the claims' own code in under a minute of CPU: the blog's tanh
MLP (8 cells of 1000 steps, about 30 CPU-seconds), lab 01's ReLU MLP (6 cells of 300 steps,
about 25) and lab 03's chain (4 cells of 4 and 8 blocks, plain and residual, 100 steps, about
35). Checked: the files and their JSON keys, every cell measured, the theory beside, and
what the measurement says where the claims say it (gain 0.5 at 8 layers vanishes, U[-0.5, 0.5]
at 12 layers hits NaN, Kaiming trains).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from initspec.cli.main import main
from initspec.maps.contents import maps_of
from initspec.maps.measure import SPECS, MapResult, outcome_share, run_map
from initspec.maps.write import write_map

# The blog map's measured per-layer gradient ratio at init within 20 % of the theory's for the
# same depth: width 100 moves one layer's ratio by about sqrt(2 / 100) = 14 %, the geometric mean
# over the layers by less.
RATIO_RTOL = 0.2


PROGRESS: list[tuple[int, int]] = []


@pytest.fixture(scope="module")
def blog(tmp_path_factory: pytest.TempPathFactory) -> tuple[MapResult, Path]:
    result = run_map("blog-tanh", progress=lambda done, total: PROGRESS.append((done, total)))
    out = tmp_path_factory.mktemp("maps")
    write_map(result, out)
    return result, out


def test_progress_knows_its_total_from_the_start(blog: tuple[MapResult, Path]) -> None:
    total = len(blog[0].measured)
    assert PROGRESS[0] == (0, total) and PROGRESS[-1] == (total, total), PROGRESS
    assert [done for done, _ in PROGRESS] == sorted(done for done, _ in PROGRESS)


@pytest.fixture(scope="module")
def lab01(tmp_path_factory: pytest.TempPathFactory) -> tuple[MapResult, Path]:
    result = run_map("lab01-relu")
    out = tmp_path_factory.mktemp("maps")
    write_map(result, out)
    return result, out


@pytest.fixture(scope="module")
def lab03(tmp_path_factory: pytest.TempPathFactory) -> tuple[MapResult, Path]:
    result = run_map("lab03-blocks")
    out = tmp_path_factory.mktemp("maps")
    write_map(result, out)
    return result, out


@pytest.mark.parametrize("which", ["blog", "lab01", "lab03"])
def test_a_map_writes_its_png_json_and_page(which: str, request: pytest.FixtureRequest) -> None:
    result, out = request.getfixturevalue(which)
    for suffix in ("png", "json", "md"):
        path = out / f"{result.name}.{suffix}"
        assert path.is_file() and path.stat().st_size > 0, f"expected {path} written"
    data = json.loads((out / f"{result.name}.json").read_text())
    assert {"axes", "measured", "theory", "seeds", "steps"} <= set(data), sorted(data)
    grid = SPECS[result.name].coarse
    assert len(data["measured"]) == len(grid.x) * len(grid.y) * len(grid.seeds)
    assert data["steps"] == grid.steps and data["seeds"] == list(grid.seeds)
    assert (out / f"{result.name}.png").read_bytes()[:4] == b"\x89PNG"


def test_blog_map_measures_the_theory_ratio_and_the_vanishing_at_gain_half(
    blog: tuple[MapResult, Path],
) -> None:
    result, _ = blog
    for cell in result.measured:
        measured, predicted = cell["gradient_std_ratio"], cell["theory_gradient_std_ratio"]
        assert abs(measured / predicted - 1) <= RATIO_RTOL, (
            f"gain {cell['x']:.3g}, {cell['y']} layers: expected the per-layer gradient ratio "
            f"within {RATIO_RTOL:.0%} of the theory's {predicted:.3f}, measured {measured:.3f}"
        )
    assert result.theory["critical_gain"] == pytest.approx(1.0, abs=1e-6)
    assert outcome_share(result, 5 / 3, 8, "trains") == 1.0, "gain 5/3 at 8 layers should train"
    assert outcome_share(result, 0.5, 8, "trains") == 0.0, "gain 0.5 at 8 layers should not"


def test_lab01_map_separates_nan_flatline_and_training(lab01: tuple[MapResult, Path]) -> None:
    result, _ = lab01
    lab, small = max(SPECS["lab01-relu"].coarse.x), min(SPECS["lab01-relu"].coarse.x)
    assert outcome_share(result, lab, 12, "NaN") == 1.0, "U[-0.5, 0.5] at 12 layers: NaN"
    assert outcome_share(result, 1.0, 12, "trains") == 1.0, "Kaiming at 12 layers: trains"
    assert outcome_share(result, small, 12, "flat at chance") == 1.0, "U[-0.05, 0.05]: flat"
    growth = dict(zip(result.theory["multiple"], result.theory["growth_per_layer"], strict=True))
    assert all(math.isclose(g, m) for m, g in growth.items()), "ReLU growth per layer is m"


def test_lab03_map_measures_both_variants_against_the_1e_7_line(
    lab03: tuple[MapResult, Path],
) -> None:
    result, _ = lab03
    for cell in result.measured:
        for name in ("plain", "residual"):
            norm = cell[f"{name}_grad_norm"]
            assert norm is not None and 0 < norm < math.inf, f"{name} at {cell}: no norm"
    assert result.theory["vanished"] == 1e-7 and result.theory["healthy"] == [1e-3, 1e-1]
    assert maps_of("lab03.plain-grad-vanishes") == ["lab03-blocks"]


def test_an_unknown_map_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["map", "nosuch"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    known = "blog-tanh, lab01-relu, lab03-blocks"
    assert err == [f"initspec: error: unknown map 'nosuch'; known: {known}"], err
