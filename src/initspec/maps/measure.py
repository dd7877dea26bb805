"""Maps: where a headline claim holds, over a grid of its setup, with the theory's lines beside.

A claim is a point (gain 5/3, 12 layers, U[-0.5, 0.5]); a map measures the same model, with the
same training code and seeds as the claim's tests, over a grid around it:

* ``blog-tanh``: the post's tanh MLP (hidden 100, no bias, plain SGD lr 0.075, batch 32;
  initspec.experiments.propagation.char_gain_run), gain x depth: the per-layer gradient std
  ratio at init and whether the post's loop trains it ("trains": final 50-step mean at most 80 %
  of ln V). Theory: the chi1 = 1 line (gain 1 without bias: initspec.theory.critical_sigma_w2)
  and the trainable-depth curve 6 xi_c (Schoenholz et al. 2017).
* ``lab01-relu``: lab 01's ReLU MLP (width 256, SGD momentum 0.9, lr 1e-3, batch 64;
  initspec.experiments.init_ablation.run_ablation), uniform weights U[-a, a] given as a multiple
  m of Kaiming's sigma_w2 = 2 (sigma_w2 = 256 a^2 / 3 = 2 m) x depth: NaN, flat at chance,
  trains, or neither. Theory: the per-layer growth m of the second moment (initspec.theory:
  sigma_w2 / 2), and m = 1, Kaiming's line.
* ``lab03-blocks``: lab 03's chain of blocks (RMSNorm, Linear(256, 1024), GeLU, Linear(1024,
  256); initspec.experiments.residual_depth.train_variant), plain and residual, inner init
  scale x blocks: the layer-1 gradient norm at the claim's horizon of 100 steps ("drops below
  1e-7 within ~100 steps") and the first step below 1e-7, with the 1e-7 line and the residual
  claim's healthy range [1e-3, 1e-1].

Each map has a coarse grid (what the spec runs: tests/test_maps.py) and a full grid (``initspec
map NAME``). A map's JSON: ``{name, axes, measured, theory, seeds, steps, marks}``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

MAP_NAMES = ("blog-tanh", "lab01-relu", "lab03-blocks")


@dataclass(frozen=True)
class Grid:
    """The values of the two axes, the seeds and the training steps of one run of a map."""

    x: tuple[float, ...]
    y: tuple[int, ...]
    seeds: tuple[int, ...]
    steps: int


@dataclass(frozen=True)
class MapSpec:
    """One map: its axes, its grids, how one cell is measured and what the theory draws."""

    name: str
    title: str
    x_label: str
    y_label: str
    coarse: Grid
    full: Grid
    # (x, y, seed, steps, seed_base) -> the cell's measured values (JSON-able); seed_base picks
    # the data split as the claims' tests do (--seed-base), seed the weights and batches
    measure: Callable[[float, int, int, int, int], dict[str, Any]]
    theory: Callable[[Grid], dict[str, Any]]
    marks: tuple[tuple[float, int, str], ...]  # the documents' points: (x, y, label)


@dataclass
class MapResult:
    """A map measured: every cell's values per seed, the theory beside, and how it was run."""

    name: str
    title: str
    axes: dict[str, Any]
    measured: list[dict[str, Any]]  # one entry per (x, y, seed)
    theory: dict[str, Any]
    seeds: list[int]
    steps: int
    marks: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "axes": self.axes,
            "measured": self.measured,
            "theory": self.theory,
            "seeds": self.seeds,
            "steps": self.steps,
            "marks": self.marks,
        }


# -- blog-tanh -----------------------------------------------------------------------------


def _blog_cell(gain: float, depth: int, seed: int, steps: int, seed_base: int) -> dict[str, Any]:
    from initspec.data.corpus import default_splits
    from initspec.experiments.propagation import char_gain_run

    vocab, splits = default_splits(seed_base)  # the split the blog's claims train on
    from initspec import theory

    run = char_gain_run(vocab, splits, gain=gain, depth=depth, seed=seed, steps=steps)
    # The theory's ratio for the same finite depth from the embedding's second moment 1.
    first = theory.profile("tanh", gain, depth).gradient_std[0]
    return {
        "gradient_std_ratio": run.gradient_std_ratio,
        "theory_gradient_std_ratio": first ** (1 / (depth - 1)) if depth > 1 else 1.0,
        "final_loss": run.final_loss,
        "trains": run.trains,
        "outcome": "trains" if run.trains else "does not train",
    }


def _blog_theory(grid: Grid) -> dict[str, Any]:
    from initspec import theory

    gains = _fine(min(grid.x), max(grid.x))
    return {
        "critical_gain": math.sqrt(theory.critical_sigma_w2("tanh", 0.0)),
        "gain": gains,
        "gradient_std_ratio": [theory.gradient_std_ratio("tanh", g) for g in gains],
        "trainable_depth": [
            _finite(theory.trainable_depth("tanh", g * g)) for g in gains
        ],  # 6 xi_c; None where it diverges
    }


# -- lab01-relu ----------------------------------------------------------------------------


def _uniform_bound(multiple: float, width: int = 256) -> float:
    """The bound a of U[-a, a] whose sigma_w2 = width a^2 / 3 is ``multiple`` x Kaiming's 2."""
    return math.sqrt(3 * 2 * multiple / width)


def _lab01_cell(
    multiple: float, depth: int, seed: int, steps: int, seed_base: int
) -> dict[str, Any]:
    from dataclasses import replace

    from initspec.experiments.init_ablation import DEFAULTS, run_ablation
    from initspec.judging.phrases import final_mean, flat_at_chance, trains

    init = f"uniform:{_uniform_bound(multiple):.6g}"
    config = replace(DEFAULTS, depth=depth, steps=steps, inits=(init,))
    ablation = run_ablation(config, seed)
    run = ablation.runs[init]
    final = final_mean(run.result.losses)
    if run.first_nan_step is not None:
        outcome = "NaN"
    elif trains(final, ablation.chance):
        outcome = "trains"
    elif flat_at_chance(final, ablation.chance):
        outcome = "flat at chance"
    else:
        outcome = "neither"
    return {
        "init": init,
        "first_nan_step": run.first_nan_step,
        "final_loss": final,
        "outcome": outcome,
    }


def _lab01_theory(grid: Grid) -> dict[str, Any]:
    from initspec import theory

    multiples = _fine(min(grid.x), max(grid.x))
    return {
        "kaiming_multiple": 1.0,
        "multiple": multiples,
        "uniform_bound": [_uniform_bound(m) for m in multiples],
        "growth_per_layer": [
            theory.forward_variance_ratio("relu", math.sqrt(2 * m)) for m in multiples
        ],
    }


# -- lab03-blocks --------------------------------------------------------------------------


def _lab03_cell(scale: float, depth: int, seed: int, steps: int, seed_base: int) -> dict[str, Any]:
    from initspec.claims.numbers import LAB03_GELU_GAIN, LAB03_VANISHED
    from initspec.experiments.residual_depth import train_variant
    from initspec.metrics import first_below

    values: dict[str, Any] = {}
    for name, residual in (("plain", False), ("residual", True)):
        run = train_variant(
            seed,
            steps,
            gain=LAB03_GELU_GAIN,
            data_seed=seed_base,
            depth=depth,
            residual=residual,
            inner_scale=scale,
        )
        norms = run.grad_norms
        values[f"{name}_grad_norm"] = norms[-1] if norms else None
        values[f"{name}_first_step_below_1e-7"] = first_below(norms, LAB03_VANISHED)
        values[f"{name}_first_nan_step"] = run.first_nan_step
    vanished = values["plain_first_step_below_1e-7"] is not None
    values["outcome"] = "plain vanishes" if vanished else "plain keeps its gradient"
    return values


def _lab03_theory(grid: Grid) -> dict[str, Any]:
    from initspec.claims.numbers import LAB03_HEALTHY, LAB03_VANISHED

    return {"vanished": LAB03_VANISHED, "healthy": list(LAB03_HEALTHY)}


# Lab 01's uniform inits as multiples of Kaiming's sigma_w2 = 2: 256 a^2 / 3 / 2.
LAB_UNIFORM = 256 * 0.5**2 / 3 / 2  # U[-0.5, 0.5]: 10.67
SMALL_UNIFORM = 256 * 0.05**2 / 3 / 2  # U[-0.05, 0.05]: 0.107

# -- the registry --------------------------------------------------------------------------

SPECS: dict[str, MapSpec] = {
    "blog-tanh": MapSpec(
        name="blog-tanh",
        title="The post's tanh MLP: gain x depth (hidden 100, plain SGD lr 0.075, batch 32)",
        x_label="gain g (W ~ N(0, g^2 / fan_in))",
        y_label="tanh layers",
        coarse=Grid((0.5, 1.0, 5 / 3, 3.0), (2, 8), (0,), 1000),
        full=Grid(
            (0.25, 0.5, 0.75, 1.0, 1.25, 5 / 3, 2.0, 3.0, 4.0),
            (2, 4, 8, 16, 32, 64),
            (0, 1),
            1000,
        ),
        measure=_blog_cell,
        theory=_blog_theory,
        marks=((0.5, 5, "gain 0.5"), (5 / 3, 5, "gain 5/3"), (3.0, 5, "gain 3")),
    ),
    "lab01-relu": MapSpec(
        name="lab01-relu",
        title="Lab 01's ReLU MLP: uniform weight scale x depth (width 256, SGD momentum 0.9)",
        x_label="sigma_w2 as a multiple of Kaiming's 2 (U[-a, a], sigma_w2 = 256 a^2 / 3)",
        y_label="Linear layers",
        coarse=Grid((SMALL_UNIFORM, 1.0, LAB_UNIFORM), (4, 12), (0,), 300),
        full=Grid(
            (1 / 16, SMALL_UNIFORM, 0.25, 0.5, 1.0, 2.0, 4.0, LAB_UNIFORM),
            (2, 4, 8, 12, 24),
            (0, 1),
            1000,
        ),
        measure=_lab01_cell,
        theory=_lab01_theory,
        marks=(
            (LAB_UNIFORM, 12, "U[-0.5, 0.5]"),
            (SMALL_UNIFORM, 12, "U[-0.05, 0.05]"),
            (1.0, 12, "Kaiming's sigma_w2"),  # the same variance, drawn uniform here
            (0.5, 12, "Xavier's sigma_w2"),
        ),
    ),
    "lab03-blocks": MapSpec(
        name="lab03-blocks",
        title="Lab 03's chain of blocks, plain and residual: inner init scale x blocks "
        "(100 steps, SGD momentum 0.9, lr 1e-3)",
        x_label="inner init scale (x the blocks' Kaiming std, GeLU gain 1.7)",
        y_label="blocks",
        coarse=Grid((0.3, 1.0), (4, 8), (0,), 100),
        full=Grid((0.1, 0.3, 1.0, 3.0), (10, 25, 50, 100), (0,), 100),
        measure=_lab03_cell,
        theory=_lab03_theory,
        marks=((1.0, 50, "lab 03: 50 blocks"), (1.0, 100, "100 blocks")),
    ),
}


def get_spec(name: str) -> MapSpec:
    """The map called ``name``; ValueError naming the known ones."""
    try:
        return SPECS[name]
    except KeyError:
        raise ValueError(f"unknown map {name!r}; known: {', '.join(MAP_NAMES)}") from None


def run_map(
    name: str,
    *,
    full: bool = False,
    seed_base: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> MapResult:
    """Measure every cell of the map's coarse (or full) grid, seeds shifted by ``seed_base``;
    cells run side by side (initspec.training.parallel.side_by_side: the same numbers as one by
    one).

    ``progress(done, total)`` is called after each cell (the CLI draws a bar with its ETA)."""
    from initspec.training.parallel import default_workers, dispatching, side_by_side

    spec = get_spec(name)
    grid = spec.full if full else spec.coarse
    seeds = [seed_base + seed for seed in grid.seeds]
    cells = [(x, y, s) for y in grid.y for x in grid.x for s in seeds]
    measured: list[dict[str, Any]] = []
    # cells side by side, one per core, each on one thread; on a cluster (--scheduler), all at once
    chunk = len(cells) if dispatching() else default_workers()
    if progress is not None:
        progress(0, len(cells))  # the bar knows its total (and so its ETA) from the start
    for start in range(0, len(cells), chunk):
        batch = cells[start : start + chunk]
        jobs = [
            lambda x=x, y=y, seed=seed: spec.measure(x, y, seed, grid.steps, seed_base)
            for x, y, seed in batch
        ]
        for (x, y, seed), values in zip(batch, side_by_side(jobs), strict=True):
            measured.append({"x": x, "y": y, "seed": seed, **values})
        if progress is not None:
            progress(len(measured), len(cells))
    return MapResult(
        name=spec.name,
        title=spec.title,
        axes={
            "x": {"label": spec.x_label, "values": list(grid.x)},
            "y": {"label": spec.y_label, "values": list(grid.y)},
            "grid": "full" if full else "coarse",
        },
        measured=measured,
        theory=spec.theory(grid),
        seeds=seeds,
        steps=grid.steps,
        marks=[{"x": x, "y": y, "label": label} for x, y, label in spec.marks],
    )


def outcome_share(result: MapResult, x: float, y: int, outcome: str) -> float:
    """The share of a cell's seeds with ``outcome``."""
    cells = [c for c in result.measured if c["x"] == x and c["y"] == y]
    return sum(bool(c["outcome"] == outcome) for c in cells) / len(cells)


def _fine(low: float, high: float, points: int = 60) -> list[float]:
    """``points`` values from low to high, evenly spaced in log."""
    step = (math.log(high) - math.log(low)) / (points - 1)
    return [math.exp(math.log(low) + i * step) for i in range(points)]


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def cells_of(result: MapResult, key: str) -> Sequence[tuple[float, int, Any]]:
    """(x, y, value of ``key``) per measured cell and seed."""
    return [(c["x"], c["y"], c.get(key)) for c in result.measured]
