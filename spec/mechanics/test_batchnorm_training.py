"""BatchNorm in training mode: batch statistics, gamma and beta, epsilon, the redundant bias.

Each property is checked on initspec's BatchNorm1d and on torch.nn.BatchNorm1d, over batch
sizes, feature counts and input scales that hypothesis draws, in float64 so that rounding
does not blur the statement (float32 is covered by the comparison with torch).
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn
from torch.nn import functional as F

from initspec.norms import BatchNorm1d
from initspec.pytest_plugin import Evidence

from .cases import BATCHNORMS, CHAR_BN_CONFIG, CharBatchNormRuns, property_test, record_worst

EPS = 1e-5
# Features whose batch variance is at least this are judged for unit variance: there eps
# shifts the output variance v / (v + eps) from 1 by at most 1e-3.
JUDGED_VARIANCE = 1e-2


def draw_batch(batch: int, features: int, scale: float, shift: float, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, features, generator=generator, dtype=torch.float64)
    return x * scale + shift


def undamped_size(z: torch.Tensor, upstream: torch.Tensor) -> torch.Tensor:
    """Per feature, the size sum(abs(dL/dy)) / sqrt(var + eps) that a gradient summed over the
    batch would have if the batch statistics were constants: the scale to judge a zero by."""
    return upstream.abs().sum(dim=0) / torch.sqrt(z.var(dim=0, unbiased=False) + EPS)


def make_batchnorm(impl: str, features: int, **kwargs: float) -> nn.Module:
    return BATCHNORMS[impl](features, **kwargs).double().train()


batches = st.integers(2, 256)
feature_counts = st.integers(1, 64)
scales = st.floats(0.5, 100.0)
shifts = st.floats(-100.0, 100.0)
seeds = st.integers(0, 2**16)


@pytest.mark.claim("lecture.bn-standardises")
@pytest.mark.parametrize("impl", BATCHNORMS)
@property_test
@given(batch=batches, features=feature_counts, scale=scales, shift=shifts, seed=seeds)
def test_training_mode_gives_each_feature_zero_mean_and_unit_variance(
    evidence: Evidence, impl: str, batch: int, features: int, scale: float, shift: float, seed: int
) -> None:
    x = draw_batch(batch, features, scale, shift, seed)
    y = make_batchnorm(impl, features)(x).detach()
    judged = x.var(dim=0, unbiased=False) >= JUDGED_VARIANCE
    mean_error = y.mean(dim=0).abs().max().item()
    var_error = (
        (y[:, judged].var(dim=0, unbiased=False) - 1).abs().max().item() if judged.any() else 0.0
    )
    record_worst(evidence, worst_abs_mean=mean_error, worst_abs_variance_minus_1=var_error)
    assert mean_error <= 1e-9, f"expected per-feature mean 0, measured up to {mean_error:.3g}"
    assert var_error <= 2e-3, f"expected per-feature variance 1, off by up to {var_error:.3g}"


@pytest.mark.claim("lecture.bn-standardises")
@pytest.mark.parametrize("impl", BATCHNORMS)
@property_test
@given(batch=batches, features=feature_counts, scale=scales, shift=shifts, seed=seeds)
def test_gradients_flow_through_the_batch_statistics(
    evidence: Evidence, impl: str, batch: int, features: int, scale: float, shift: float, seed: int
) -> None:
    # Because the batch mean is part of the graph, the input gradient of every feature sums to
    # zero over the batch: moving the whole batch by a constant cannot change the output.
    x = draw_batch(batch, features, scale, shift, seed).requires_grad_()
    upstream = draw_batch(batch, features, 1.0, 0.0, seed + 1)
    (make_batchnorm(impl, features)(x) * upstream).sum().backward()  # type: ignore[no-untyped-call]
    assert x.grad is not None
    grad = x.grad
    relative_sum = (grad.sum(dim=0).abs() / undamped_size(x.detach(), upstream)).max().item()
    record_worst(evidence, worst_relative_gradient_sum=relative_sum)
    assert torch.isfinite(grad).all() and grad.abs().sum() > 0, "expected a finite, non-zero grad"
    assert relative_sum <= 1e-12, (
        f"expected each feature's input gradient to sum to 0 over the batch (the mean is in the "
        f"graph), measured a relative sum of {relative_sum:.3g}"
    )


@pytest.mark.claim("lecture.bn-standardises")
@pytest.mark.parametrize("impl", BATCHNORMS)
def test_batchnorm_passes_gradcheck(impl: str) -> None:
    bn = BATCHNORMS[impl](3).double().train()
    x = torch.randn(6, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    x.requires_grad_()
    assert torch.autograd.gradcheck(bn, (x,)), "autograd's gradient != the numerical one"


@pytest.mark.claim("lecture.bn-gamma-beta")
@pytest.mark.parametrize("impl", BATCHNORMS)
@property_test
@given(batch=batches, features=feature_counts, scale=scales, shift=shifts, seed=seeds)
def test_gamma_one_and_beta_zero_at_init_so_the_output_is_the_standardised_input(
    evidence: Evidence, impl: str, batch: int, features: int, scale: float, shift: float, seed: int
) -> None:
    bn = make_batchnorm(impl, features)
    x = draw_batch(batch, features, scale, shift, seed)
    standardised = (x - x.mean(dim=0)) / torch.sqrt(x.var(dim=0, unbiased=False) + EPS)
    difference = (bn(x).detach() - standardised).abs().max().item()
    record_worst(evidence, worst_abs_difference_from_standardised=difference)
    assert bool((bn.weight == 1).all()), f"expected gamma = 1 at init, got {bn.weight}"
    assert bool((bn.bias == 0).all()), f"expected beta = 0 at init, got {bn.bias}"
    assert difference <= 1e-9, f"expected y = x_hat at init, differs by {difference:.3g}"


@pytest.mark.claim("lecture.bn-gamma-beta")
def test_training_reshapes_gamma_and_beta(
    evidence: Evidence, char_batchnorm_runs: CharBatchNormRuns
) -> None:
    moved = []
    for run in char_batchnorm_runs.runs:
        bn = run.model.norm
        assert isinstance(bn, BatchNorm1d)
        moved.append(((bn.weight - 1).abs().max().item(), bn.bias.abs().max().item()))
    gamma_moves = [gamma for gamma, _ in moved]
    beta_moves = [beta for _, beta in moved]
    held = sum(gamma > 0.01 and beta > 0.01 for gamma, beta in moved)
    evidence.record(
        steps=CHAR_BN_CONFIG.steps,
        max_abs_gamma_minus_1=gamma_moves,
        max_abs_beta=beta_moves,
    )
    evidence.seeds(run=len(moved), held=held)
    assert held == len(moved), (
        f"expected training to move gamma off 1 and beta off 0 (by > 0.01) in every seed, "
        f"measured max |gamma - 1| {gamma_moves}, max |beta| {beta_moves}"
    )


@pytest.mark.claim("lecture.bn-eps")
@pytest.mark.parametrize("impl", BATCHNORMS)
@property_test
@given(
    batch=batches,
    features=feature_counts,
    value=st.floats(-1e3, 1e3),
    seed=seeds,
)
def test_a_constant_feature_gives_a_finite_output_thanks_to_eps(
    evidence: Evidence, impl: str, batch: int, features: int, value: float, seed: int
) -> None:
    x = draw_batch(batch, features, 1.0, 0.0, seed)
    x[:, 0] = value  # the batch variance of feature 0 is (about) zero
    x.requires_grad_()
    bn = make_batchnorm(impl, features)
    y = bn(x)
    y.sum().backward()  # type: ignore[no-untyped-call]
    assert x.grad is not None
    record_worst(evidence, worst_abs_constant_feature_output=y[:, 0].abs().max().item())
    assert torch.isfinite(y).all(), f"expected a finite output with eps={bn.eps}, got {y[:, 0]}"
    assert torch.isfinite(x.grad).all(), "expected a finite gradient"


@pytest.mark.claim("lecture.bn-eps")
@given(batch=batches, value=st.integers(-1000, 1000))
def test_without_eps_a_constant_feature_gives_nan(batch: int, value: int) -> None:
    # Integers: the batch mean is exact, the variance exactly 0, and 0 / sqrt(0) is NaN.
    x = torch.full((batch, 1), float(value))
    y = BatchNorm1d(1, eps=0.0).train()(x)
    assert torch.isnan(y).all(), f"expected NaN without eps, got {y.flatten()[:4]}"


@pytest.mark.claim("lecture.bn-eps")
def test_torch_refuses_eps_zero_in_training() -> None:
    with pytest.raises(ValueError, match="eps must be positive"):
        nn.BatchNorm1d(1, eps=0.0).train()(torch.full((4, 1), 2.0))


@pytest.mark.claim("lecture.bn-bias-redundant")
@pytest.mark.parametrize("impl", BATCHNORMS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
@property_test
@given(
    batch=batches,
    fan_in=st.integers(1, 64),
    features=feature_counts,
    seed=seeds,
)
def test_a_bias_before_batchnorm_gets_zero_gradient(
    evidence: Evidence,
    impl: str,
    dtype: torch.dtype,
    batch: int,
    fan_in: int,
    features: int,
    seed: int,
) -> None:
    generator = torch.Generator().manual_seed(seed)
    weight = torch.randn(features, fan_in, generator=generator, dtype=dtype)
    bias = torch.randn(features, generator=generator, dtype=dtype).requires_grad_()
    x = torch.randn(batch, fan_in, generator=generator, dtype=dtype)
    upstream = torch.randn(batch, features, generator=generator, dtype=dtype)
    z = F.linear(x, weight, bias)  # the Linear just before the BatchNorm
    bn = BATCHNORMS[impl](features).to(dtype).train()
    (bn(z) * upstream).sum().backward()  # type: ignore[no-untyped-call]
    assert bias.grad is not None
    bias_grad = bias.grad.norm().item()
    relative = (bias.grad.abs() / undamped_size(z.detach(), upstream)).max().item()
    record_worst(evidence, worst_bias_grad_norm=bias_grad, worst_relative_bias_grad=relative)
    tolerance = 1e-5 if dtype == torch.float32 else 1e-13
    assert relative <= tolerance, (
        f"expected the bias's gradient to vanish, measured norm {bias_grad:.3g} "
        f"({relative:.3g} of its undamped size)"
    )


@pytest.mark.claim("lecture.bn-bias-redundant")
@pytest.mark.parametrize("impl", BATCHNORMS)
@given(shift=st.floats(-100, 100), seed=seeds)
def test_a_bias_before_batchnorm_is_cancelled(impl: str, shift: float, seed: int) -> None:
    z = draw_batch(32, 8, 1.0, 0.0, seed)
    bn = make_batchnorm(impl, 8)
    difference = (bn(z + shift) - bn(z)).abs().max().item()
    assert difference <= 1e-9, f"adding a bias of {shift:.3g} changed the output by {difference}"


@pytest.mark.claim("lecture.bn-bias-redundant")
def test_the_hidden_bias_stays_put_through_training(
    evidence: Evidence, char_batchnorm_runs: CharBatchNormRuns
) -> None:
    drifts = [
        (run.model.hidden.bias.detach() - run.initial_hidden_bias).abs().max().item()
        for run in char_batchnorm_runs.runs
    ]
    weight_scale = [
        run.model.hidden.weight.detach().abs().mean().item() for run in char_batchnorm_runs.runs
    ]
    held = sum(drift <= 1e-4 for drift in drifts)
    evidence.record(
        steps=CHAR_BN_CONFIG.steps,
        max_hidden_bias_drift=drifts,
        hidden_weight_mean_abs=weight_scale,
    )
    evidence.seeds(run=len(drifts), held=held)
    assert held == len(drifts), (
        f"expected the bias before BatchNorm to stay at its init, measured drifts {drifts}"
    )
