"""The init ablation (lab 01): same data, same architecture, same optimizer; only the init differs.

A ReLU MLP (by default lab 01's: 12 Linear layers, hidden 256, no norm, no residual) trains
with SGD (momentum 0.9, lr 1e-3, batch 64, 1000 steps) on the toy task, once per init:
uniform U[-0.5, 0.5], Xavier N(0, 1/n_in) and Kaiming N(0, 2/n_in). ``norm`` puts a norm
layer after every hidden Linear (lab 02's stand-in); without it the model is lab 01's.

Seeds: the data (examples and batch order) use ``seed`` for every run; the weights of the i-th
init use ``weight_seed(seed, i) = 100 * seed + 1 + i`` (modulo 2**64, torch's seed range), so
the inits are independent draws and never share the data seed.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from torch import nn

from initspec.data.toy import Dataset, toy_data
from initspec.experiments.options import (
    FLOAT32_MAX,
    FLOAT32_MIN,
    MAX_STEPS,
    TORCH_SEEDS,
    check_options,
    check_positive_float32,
    option,
)
from initspec.metrics import final_loss, flatline_step, loss_slope
from initspec.models.activations import ACTIVATIONS
from initspec.models.inits import get_init
from initspec.models.mlp import build_mlp, chance_loss
from initspec.models.norms import NORMS as NORM_LAYERS
from initspec.runtime.artifacts import round_floats
from initspec.runtime.progress import step_printer
from initspec.training.loop import TrainConfig, TrainResult, train
from initspec.training.parallel import side_by_side

NORMS = tuple(NORM_LAYERS)  # the norm layers lab 02 puts after every hidden Linear
INIT_HELP = (
    "comma-separated init schemes: uniform (U[-0.5, 0.5]), uniform:A (uniform on [-A, A], "
    "for example uniform:0.05), xavier (N(0, 1/n_in)), kaiming (N(0, 2/n_in) for ReLU), "
    "torch-default"
)


@dataclass(frozen=True)
class AblationConfig:
    """The lab's setup ("The setup" and Block A); it checks itself on construction."""

    depth: int = option(12, "number of Linear layers of the MLP", low=1, high=10_000)
    width: int = option(256, "hidden width", low=1, high=1_000_000)
    activation: str = option(
        "relu", "activation after every hidden Linear", choices=tuple(ACTIVATIONS)
    )
    steps: int = option(1000, "training steps", low=1, high=MAX_STEPS)
    lr: float = option(1e-3, "learning rate of SGD", low=FLOAT32_MIN, high=FLOAT32_MAX)
    inits: tuple[str, ...] = option(
        ("uniform", "xavier", "kaiming"), INIT_HELP, flag="--init", metavar="NAME[,NAME...]"
    )
    momentum: float = 0.9
    batch_size: int = 64

    def __post_init__(self) -> None:
        check_options(self)
        for name in self.inits:
            if name.startswith("uniform:"):
                try:
                    bound = float(name.split(":", 1)[1])
                except ValueError:
                    raise ValueError(f"--init {name}: A in uniform:A must be a number") from None
                check_positive_float32(f"--init {name}: A in uniform:A", bound)
            try:
                get_init(name)
            except ValueError as error:
                raise ValueError(f"--init: {error}") from None

    def train_config(self, data_seed: int) -> TrainConfig:
        return TrainConfig(
            steps=self.steps,
            batch_size=self.batch_size,
            lr=self.lr,
            momentum=self.momentum,
            data_seed=data_seed,
        )

    def build_model(
        self, init: str, data: Dataset, weight_seed: int, norm: str | None = None
    ) -> nn.Sequential:
        """The lab's MLP for ``data`` with ``init``, a ``norm`` layer or none, and its seed."""
        return build_mlp(
            depth=self.depth,
            width=self.width,
            in_dim=data.in_dim,
            out_dim=data.num_classes,
            activation=self.activation,
            init=init,
            norm=norm,
            seed=weight_seed,
        )

    def parameters(self, in_dim: int = 256, out_dim: int = 2) -> int:
        """Weights and biases of one model (the toy task: 256 inputs, 2 classes; no norm)."""
        sizes = [in_dim] + [self.width] * (self.depth - 1) + [out_dim]
        return sum(n_in * n_out + n_out for n_in, n_out in itertools.pairwise(sizes))


DEFAULTS = AblationConfig()


def weight_seed(seed: int, index: int) -> int:
    """The weight seed of the ``index``-th init: independent of the data seed ``seed``."""
    return (100 * seed + 1 + index) % TORCH_SEEDS


@dataclass(frozen=True)
class InitRun:
    """One init's training run and what the lab reads off it."""

    init: str
    weight_seed: int
    result: TrainResult
    flatline_step: int | None  # start of a flat stretch at chance (None: none)

    @property
    def first_nan_step(self) -> int | None:
        return self.result.first_nan_step

    @property
    def final_loss(self) -> float | None:
        """The last step's loss (None after a NaN): :func:`initspec.metrics.final_loss`."""
        return final_loss(self.result.losses)

    def slope(self, window: int) -> float | None:
        """Loss per step, fit over the last ``window`` losses; None after a NaN (a run that hit
        NaN has no slope worth reading, only a few exploding points)."""
        if self.first_nan_step is not None:
            return None
        return loss_slope(self.result.losses, window)

    def summary(self, slope_window: int) -> dict[str, Any]:
        """The run's numbers, its slope over the last ``slope_window`` steps among them."""
        finite = self.result.finite_losses
        return {
            "weight_seed": self.weight_seed,
            "first_nan_step": self.first_nan_step,
            "flatline_step": self.flatline_step,
            "initial_loss": finite[0] if finite else None,
            "final_loss": self.final_loss,
            "min_loss": min(finite) if finite else None,
            "slope_last_200": self.slope(slope_window),
            "val_loss": self.result.val_loss,
            "val_accuracy": self.result.val_accuracy,
        }


@dataclass(frozen=True)
class Ablation:
    """The runs of one ablation, by init name, with the seeds and setup that produced them."""

    config: AblationConfig
    seed: int
    chance: float
    runs: dict[str, InitRun]
    norm: str | None = None


class Setup(NamedTuple):
    """One ablation to train: a config, its data seed, and the norm layer (None: lab 01)."""

    config: AblationConfig
    seed: int
    norm: str | None = None


ModelHook = Callable[[str, nn.Module], None]


def run_ablation(
    config: AblationConfig = DEFAULTS,
    seed: int = 0,
    *,
    norm: str | None = None,
    progress: bool = False,
    on_model: ModelHook | None = None,
) -> Ablation:
    """Train one model per init in ``config.inits``: same data and batches, own weight seed.

    ``on_model(init, model)`` is called on each freshly built model before it trains (tests
    use it to watch the batches each run sees).
    """
    return run_ablations([Setup(config, seed, norm)], progress=progress, on_model=on_model)[0]


def run_ablations(
    setups: Iterable[Setup | tuple[AblationConfig, int]],
    *,
    progress: bool = False,
    on_model: ModelHook | None = None,
) -> list[Ablation]:
    """:func:`run_ablation` for each ``(config, seed[, norm])``, every run of every setup
    trained side by side (:func:`initspec.training.parallel.side_by_side`)."""
    plans = [Setup(*setup) for setup in setups]
    datasets: dict[int, Dataset] = {}
    jobs: list[Callable[[], TrainResult]] = []
    for config, seed, norm in plans:
        if seed not in datasets:
            datasets[seed] = toy_data(seed)
        data = datasets[seed]
        for index, init in enumerate(config.inits):
            model = config.build_model(init, data, weight_seed(seed, index), norm)
            if on_model is not None:
                on_model(init, model)
            label = f"{norm or 'no norm'} {init} depth {config.depth} seed {seed}"
            printer = step_printer(label, config.steps) if progress else None
            train_config = config.train_config(seed)
            jobs.append(functools.partial(train, model, data, train_config, progress=printer))
    # A hook watches the models as they train, here: such runs stay in this process.
    results = iter(side_by_side(jobs, anywhere=on_model is None))

    ablations = []
    for config, seed, norm in plans:
        chance = chance_loss(datasets[seed].num_classes)
        runs: dict[str, InitRun] = {}
        for index, init in enumerate(config.inits):
            result = next(results)
            flat = flatline_step(result.losses, chance)
            runs[init] = InitRun(init, weight_seed(seed, index), result, flat)
        ablations.append(Ablation(config, seed, chance, runs, norm))
    return ablations


def results_summary(
    ablation: Ablation, deeper: Ablation | None = None, *, slope_window: int
) -> dict[str, Any]:
    """Lab 01's three headline numbers, then per-init details (and the deeper rerun's), each
    run's loss slope over its last ``slope_window`` steps among them, rounded to 6 significant
    digits."""
    runs = ablation.runs

    def pick(init: str, key: str) -> Any:
        return runs[init].summary(slope_window)[key] if init in runs else None

    summary: dict[str, Any] = {
        "steps_to_nan_uniform": pick("uniform", "first_nan_step"),
        "final_loss_xavier": pick("xavier", "final_loss"),
        "final_loss_kaiming": pick("kaiming", "final_loss"),
        "chance_loss": ablation.chance,
        "runs": {init: run.summary(slope_window) for init, run in runs.items()},
    }
    if deeper is not None:
        summary["deeper"] = {
            "depth": deeper.config.depth,
            "runs": {init: run.summary(slope_window) for init, run in deeper.runs.items()},
        }
    rounded: dict[str, Any] = round_floats(summary)
    return rounded
