"""The model library's building blocks: seeded data, inits by formula, the trainer's bookkeeping."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from initspec.data.toy import batch_order, toy_data
from initspec.metrics import flatline_step, loss_slope
from initspec.models.gains import gain, known_nonlinearities
from initspec.models.mlp import build_mlp, linear_layers
from initspec.runtime.artifacts import atomic_directory, dumps
from initspec.training.loop import TrainConfig, train


def test_toy_data_is_seeded_and_labelled_by_the_first_ten_entries() -> None:
    a, b = toy_data(seed=3), toy_data(seed=3)
    assert torch.equal(a.x_train, b.x_train) and torch.equal(a.y_val, b.y_val)
    labels = (a.x_train[:, :10].sum(dim=1) >= 0).long()
    assert torch.equal(labels, a.y_train)
    assert a.x_train.shape == (1000, 256) and a.x_val.shape == (200, 256)


@given(
    n=st.integers(10, 300),
    batch=st.integers(1, 10),
    steps=st.integers(1, 100),
    seed=st.integers(0, 9),
)
def test_batch_order_depends_on_the_data_seed_alone(
    n: int, batch: int, steps: int, seed: int
) -> None:
    order = batch_order(n, batch, steps, seed)
    assert order.shape == (steps, batch)
    assert torch.equal(order, batch_order(n, batch, steps, seed))
    per_epoch = n // batch
    first_epoch = order[:per_epoch].flatten()
    assert len(set(first_epoch.tolist())) == len(first_epoch), "an epoch repeated an example"


@pytest.mark.parametrize("init", ["uniform", "xavier", "kaiming", "torch-default", "uniform:0.05"])
def test_weight_seed_makes_models_identical_or_independent(init: str) -> None:
    def weights(seed: int) -> torch.Tensor:
        model = build_mlp(depth=3, width=32, in_dim=8, out_dim=2, init=init, seed=seed)
        return linear_layers(model)[1].weight

    assert torch.equal(weights(1), weights(1))
    assert not torch.equal(weights(1), weights(2))


@pytest.mark.parametrize(
    ("init", "expected_variance"),
    [("uniform", 1 / 12), ("xavier", 1 / 512), ("kaiming", 2 / 512), ("torch-default", 1 / 1536)],
)
def test_init_variance_matches_its_formula(init: str, expected_variance: float) -> None:
    model = build_mlp(depth=2, width=512, in_dim=512, out_dim=512, init=init, seed=0)
    variance = linear_layers(model)[0].weight.var().item()
    assert math.isclose(variance, expected_variance, rel_tol=0.02), (
        f"{init}: expected Var(W) = {expected_variance:.3g}, measured {variance:.3g}"
    )


@pytest.mark.parametrize(
    "kwargs",
    [{"depth": 0}, {"init": "glorot"}, {"activation": "swish"}, {"norm": "groupnorm"}],
    ids=["depth-0", "unknown-init", "unknown-activation", "unknown-norm"],
)
def test_bad_model_arguments_raise_one_clear_error(kwargs: dict[str, object]) -> None:
    arguments: dict[str, object] = {"depth": 2, "width": 4, "in_dim": 4, "out_dim": 2} | kwargs
    with pytest.raises(ValueError, match=r"depth|init|activation|norm"):
        build_mlp(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize("lr", [0.0, -1e-3, float("nan"), float("inf")])
def test_bad_learning_rates_are_rejected(lr: float) -> None:
    with pytest.raises(ValueError, match="learning rate"):
        TrainConfig(lr=lr)


def test_training_stops_at_the_first_non_finite_loss() -> None:
    data = toy_data(seed=0, n_train=128, n_val=32, dim=16)
    model = build_mlp(depth=6, width=64, in_dim=16, out_dim=2, init="uniform:3", seed=0)
    result = train(model, data, TrainConfig(steps=50, batch_size=32, lr=1.0))
    assert result.first_nan_step is not None, f"expected a blow-up; losses {result.losses[:5]}"
    assert all(loss is None for loss in result.losses[result.first_nan_step :])
    assert all(loss is not None for loss in result.losses[: result.first_nan_step])
    assert result.val_loss is None


def test_flatline_means_flat_at_the_given_level() -> None:
    flat = [0.9, 0.8] + [math.log(2)] * 200
    assert flatline_step(flat, level=math.log(2)) == 2
    assert flatline_step([1e-4] * 200, level=math.log(2)) is None, "converged is not flat"
    assert flatline_step([None] * 200, level=math.log(2)) is None


def test_loss_slope_is_the_least_squares_slope() -> None:
    line = [1.0 - 0.001 * step for step in range(500)]
    slope = loss_slope(list(line), last=200)
    assert slope is not None and math.isclose(slope, -0.001, rel_tol=1e-9)


def test_json_is_strict() -> None:
    assert dumps({"a": float("nan"), "b": [float("inf"), 1.0]}) == (
        '{\n  "a": null,\n  "b": [\n    null,\n    1.0\n  ]\n}\n'
    )


def test_atomic_directory_leaves_nothing_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "lab"
    with pytest.raises(RuntimeError), atomic_directory(target) as staging:
        (staging / "half.json").write_text("{")
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []
    with atomic_directory(target) as staging:
        (staging / "whole.json").write_text("{}")
    assert [p.name for p in target.iterdir()] == ["whole.json"]


@pytest.mark.parametrize("nonlinearity", known_nonlinearities())
def test_every_known_nonlinearity_has_a_positive_gain(nonlinearity: str) -> None:
    value = gain(nonlinearity)
    assert math.isfinite(value) and value > 0, f"gain({nonlinearity!r}) = {value}"
