"""BatchNorm in training mode: batch statistics, gamma and beta, epsilon, the redundant bias.

Each property is checked on initspec's BatchNorm1d and on torch.nn.BatchNorm1d, over batch
sizes, feature counts and input scales that hypothesis draws, in float64 so that rounding
does not blur the statement (float32 is covered by the comparison with torch). Each example
re-checks the same criteria: the report shows the last example, the failing one if one fails.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn
from torch.nn import functional as F

from initspec.models.norms import BatchNorm1d
from initspec.plugin.evidence import interpreted, stated
from initspec.plugin.hooks import Evidence

from .cases import BATCHNORMS, CharBatchNormRuns, property_test, record_worst

EPS = 1e-5
# Features whose batch variance is at least this are judged for unit variance: there eps
# shifts the output variance v / (v + eps) from 1 by at most 1e-3.
JUDGED_VARIANCE = 1e-2
# "zero mean and unit variance": in float64 the mean is zero up to rounding (1e-9 of a unit
# output); the variance is v / (v + eps), within 1e-3 of 1 on judged features, 2e-3 with rounding.
ZERO_MEAN = 1e-9
UNIT_VARIANCE = 2e-3
# An identity in float64 (x_hat at init, a cancelled bias) holds to rounding: 1e-9.
FLOAT64_IDENTITY = 1e-9
# "Training can reshape each feature's distribution": gamma or beta moved by more than 0.01 in
# some feature (test-only reading; gamma starts at 1, beta at 0).
RESHAPED = 0.01
# A bias that receives zero gradient stays at its init: float32 rounding of the (exactly zero)
# gradient moves it by far less than 1e-4 (test-only bound; the hidden weights' drift is
# recorded beside it).
STAYS_PUT = 1e-4


def draw_batch(batch: int, features: int, scale: float, shift: float, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, features, generator=generator, dtype=torch.float64)
    return x * scale + shift


def rounding_bound(z: torch.Tensor, upstream: torch.Tensor) -> torch.Tensor:
    """Per feature, how far from zero rounding alone can put a sum over the batch of gradients
    that is zero in exact arithmetic ("receive zero gradients").

    The gradient summed over the batch would have size s = sum(abs(dL/dy)) / sigma if the
    batch statistics were constants (sigma = sqrt(var + eps)). Summing n terms rounds by at
    most n * u of their total (u: the dtype's machine epsilon), and centring z costs a factor
    1 + max(abs(z)) / sigma: the bound is n * u * s * (1 + max(abs(z)) / sigma). A gradient
    that is not zero is of order s, far above the bound while n * u * (1 + max(abs(z)) / sigma)
    is small.
    """
    sigma = torch.sqrt(z.var(dim=0, unbiased=False) + EPS)
    size = upstream.abs().sum(dim=0) / sigma
    conditioning = 1 + z.abs().max(dim=0).values / sigma
    return z.shape[0] * torch.finfo(z.dtype).eps * size * conditioning


def make_batchnorm(impl: str, features: int, **kwargs: float) -> nn.Module:
    return BATCHNORMS[impl](features, **kwargs).double().train()


batches = st.integers(2, 256)
feature_counts = st.integers(1, 64)
scales = st.floats(0.5, 100.0)
shifts = st.floats(-100.0, 100.0)
seeds = st.integers(0, 2**16)

STANDARDISES = (
    "subtracting the batch mean and dividing by the batch standard deviation, producing "
    "per-feature activations with zero mean and unit variance across the mini-batch"
)


@pytest.mark.claim("lecture.bn-standardises")
@pytest.mark.parametrize("impl", BATCHNORMS)
@property_test
@given(batch=batches, features=feature_counts, scale=scales, shift=shifts, seed=seeds)
def test_training_mode_gives_each_feature_zero_mean_and_unit_variance(
    evidence: Evidence,
    seed_base: int,
    impl: str,
    batch: int,
    features: int,
    scale: float,
    shift: float,
    seed: int,
) -> None:
    x = draw_batch(batch, features, scale, shift, seed_base + seed)
    y = make_batchnorm(impl, features)(x).detach()
    judged = x.var(dim=0, unbiased=False) >= JUDGED_VARIANCE
    mean_error = y.mean(dim=0).abs().max().item()
    var_error = (
        (y[:, judged].var(dim=0, unbiased=False) - 1).abs().max().item() if judged.any() else 0.0
    )
    record_worst(evidence, worst_abs_mean=mean_error, worst_abs_variance_minus_1=var_error)
    evidence.check(
        "largest per-feature batch mean of the output",
        mean_error,
        comparison="<=",
        bound=ZERO_MEAN,
        document=STANDARDISES,
        reading=interpreted(
            "the words as a bound, within the tolerance this module's constants state and justify"
        ),
    )
    evidence.check(
        "largest per-feature abs(batch variance - 1) of the output",
        var_error,
        comparison="<=",
        bound=UNIT_VARIANCE,
        document=STANDARDISES,
        reading=interpreted(
            "the words as a bound, within the tolerance this module's constants state and justify"
        ),
    )


@pytest.mark.claim("lecture.bn-standardises")
@pytest.mark.parametrize("impl", BATCHNORMS)
@property_test
@given(batch=batches, features=feature_counts, scale=scales, shift=shifts, seed=seeds)
def test_gradients_flow_through_the_batch_statistics(
    evidence: Evidence,
    seed_base: int,
    impl: str,
    batch: int,
    features: int,
    scale: float,
    shift: float,
    seed: int,
) -> None:
    # Because the batch mean is part of the graph, the input gradient of every feature sums to
    # zero over the batch: moving the whole batch by a constant cannot change the output.
    x = draw_batch(batch, features, scale, shift, seed_base + seed).requires_grad_()
    upstream = draw_batch(batch, features, 1.0, 0.0, seed_base + seed + 1)
    (make_batchnorm(impl, features)(x) * upstream).sum().backward()
    assert x.grad is not None
    grad = x.grad
    relative_sum = (grad.sum(dim=0).abs() / rounding_bound(x.detach(), upstream)).max().item()
    record_worst(evidence, worst_gradient_sum_over_rounding=relative_sum)
    document = "The operation is differentiable and inserted into the computational graph"
    evidence.check(
        "the input gradient is finite and not zero",
        bool(torch.isfinite(grad).all() and grad.abs().sum() > 0),
        comparison="==",
        bound=True,
        document=document,
        reading=stated(),
    )
    evidence.check(
        "largest per-feature sum of the input gradient over the batch, over its rounding bound",
        relative_sum,
        comparison="<=",
        bound=1.0,
        document=document,
        reading=interpreted(
            "the words as a bound, within the tolerance this module's constants state and justify"
        ),
    )


@pytest.mark.claim("lecture.bn-standardises")
@pytest.mark.parametrize("impl", BATCHNORMS)
def test_batchnorm_passes_gradcheck(evidence: Evidence, seed_base: int, impl: str) -> None:
    bn = BATCHNORMS[impl](3).double().train()
    generator = torch.Generator().manual_seed(seed_base)
    x = torch.randn(6, 3, dtype=torch.float64, generator=generator).requires_grad_()
    evidence.check(
        "autograd's gradient matches the numerical one (torch.autograd.gradcheck)",
        torch.autograd.gradcheck(bn, (x,), raise_exception=False),
        comparison="==",
        bound=True,
        document="so gradients flow through the normalization",
        reading=stated(),
    )


@pytest.mark.claim("lecture.bn-gamma-beta")
@pytest.mark.parametrize("impl", BATCHNORMS)
@property_test
@given(batch=batches, features=feature_counts, scale=scales, shift=shifts, seed=seeds)
def test_gamma_one_and_beta_zero_at_init_so_the_output_is_the_standardised_input(
    evidence: Evidence,
    seed_base: int,
    impl: str,
    batch: int,
    features: int,
    scale: float,
    shift: float,
    seed: int,
) -> None:
    bn = make_batchnorm(impl, features)
    x = draw_batch(batch, features, scale, shift, seed_base + seed)
    standardised = (x - x.mean(dim=0)) / torch.sqrt(x.var(dim=0, unbiased=False) + EPS)
    difference = (bn(x).detach() - standardised).abs().max().item()
    record_worst(evidence, worst_abs_difference_from_standardised=difference)
    document = "Initialize gamma to ones and beta to zeros so the initial behavior is unit Gaussian"
    evidence.check(
        "gamma is 1 in every feature at init",
        bool(bn.get_parameter("weight").eq(1).all()),
        comparison="==",
        bound=True,
        document=document,
        reading=stated(),
    )
    evidence.check(
        "beta is 0 in every feature at init",
        bool(bn.get_parameter("bias").eq(0).all()),
        comparison="==",
        bound=True,
        document=document,
        reading=stated(),
    )
    evidence.check(
        "largest difference of the output at init from the standardised input",
        difference,
        comparison="<=",
        bound=FLOAT64_IDENTITY,
        document=document,
        reading=interpreted(
            "the words as a bound, within the tolerance this module's constants state and justify"
        ),
    )


@pytest.mark.claim("lecture.bn-gamma-beta")
def test_training_reshapes_gamma_and_beta(
    evidence: Evidence, char_batchnorm_runs: CharBatchNormRuns
) -> None:
    char_batchnorm_runs.horizon(evidence)
    gamma_moves, beta_moves = [], []
    for run in char_batchnorm_runs.runs:
        bn = run.model.norm
        assert isinstance(bn, BatchNorm1d)
        gamma_moves.append((bn.get_parameter("weight") - 1).abs().max().item())
        beta_moves.append(bn.get_parameter("bias").abs().max().item())
    evidence.record(weight_seeds=[run.seed for run in char_batchnorm_runs.runs])
    # What training does on the lecture's model: every seed.
    document = "Training can reshape each feature’s distribution via backpropagation"
    evidence.check(
        "largest abs(gamma - 1) after training",
        gamma_moves,
        comparison=">",
        bound=RESHAPED,
        document=document,
        reading=interpreted(
            "the words as a bound, within the tolerance this module's constants state and justify"
        ),
    )
    evidence.check(
        "largest abs(beta) after training",
        beta_moves,
        comparison=">",
        bound=RESHAPED,
        document=document,
        reading=interpreted(
            "the words as a bound, within the tolerance this module's constants state and justify"
        ),
    )


EPS_DOCUMENT = (
    "a small epsilon in the denominator to avoid division-by-zero when variance is extremely "
    "small, ensuring numerical stability"
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
    evidence: Evidence,
    seed_base: int,
    impl: str,
    batch: int,
    features: int,
    value: float,
    seed: int,
) -> None:
    x = draw_batch(batch, features, 1.0, 0.0, seed_base + seed)
    x[:, 0] = value  # the batch variance of feature 0 is (about) zero
    x.requires_grad_()
    bn = make_batchnorm(impl, features)
    y = bn(x)
    y.sum().backward()
    assert x.grad is not None
    record_worst(evidence, worst_abs_constant_feature_output=y[:, 0].abs().max().item())
    evidence.check(
        "the output is finite with a constant feature",
        bool(torch.isfinite(y).all()),
        comparison="==",
        bound=True,
        document=EPS_DOCUMENT,
        reading=stated(),
    )
    evidence.check(
        "the input gradient is finite with a constant feature",
        bool(torch.isfinite(x.grad).all()),
        comparison="==",
        bound=True,
        document=EPS_DOCUMENT,
        reading=stated(),
    )


@pytest.mark.claim("lecture.bn-eps")
@property_test
@given(batch=batches, value=st.integers(-1000, 1000))
def test_without_eps_a_constant_feature_gives_nan(
    evidence: Evidence, batch: int, value: int
) -> None:
    # Integers: the batch mean is exact, the variance exactly 0, and 0 / sqrt(0) is NaN.
    x = torch.full((batch, 1), float(value))
    y = BatchNorm1d(1, eps=0.0).train()(x)
    evidence.check(
        "without eps, every output of a constant feature is NaN",
        bool(torch.isnan(y).all()),
        comparison="==",
        bound=True,
        document=EPS_DOCUMENT,
        reading=stated(),
    )


@pytest.mark.claim("lecture.bn-eps")
def test_torch_refuses_eps_zero_in_training(evidence: Evidence) -> None:
    try:
        nn.BatchNorm1d(1, eps=0.0).train()(torch.full((4, 1), 2.0))
        message = ""
    except ValueError as error:
        message = str(error)
    evidence.record(error_message=message)
    evidence.check(
        "torch.nn.BatchNorm1d refuses eps = 0 in training",
        "eps must be positive" in message,
        comparison="==",
        bound=True,
        document=EPS_DOCUMENT,
        reading=stated(),
    )


BIAS_REDUNDANT = (
    "those biases are cancelled by the BatchNorm mean subtraction and therefore become "
    "redundant and receive zero gradients"
)


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
    seed_base: int,
    impl: str,
    dtype: torch.dtype,
    batch: int,
    fan_in: int,
    features: int,
    seed: int,
) -> None:
    generator = torch.Generator().manual_seed(seed_base + seed)
    weight = torch.randn(features, fan_in, generator=generator, dtype=dtype)
    bias = torch.randn(features, generator=generator, dtype=dtype).requires_grad_()
    x = torch.randn(batch, fan_in, generator=generator, dtype=dtype)
    upstream = torch.randn(batch, features, generator=generator, dtype=dtype)
    z = F.linear(x, weight, bias)  # the Linear just before the BatchNorm
    bn = BATCHNORMS[impl](features).to(dtype).train()
    (bn(z) * upstream).sum().backward()
    assert bias.grad is not None
    bias_grad = bias.grad.norm().item()
    relative = (bias.grad.abs() / rounding_bound(z.detach(), upstream)).max().item()
    record_worst(evidence, worst_bias_grad_norm=bias_grad, worst_bias_grad_over_rounding=relative)
    evidence.check(
        "the bias's gradient over its rounding bound (largest feature)",
        relative,
        comparison="<=",
        bound=1.0,
        document=BIAS_REDUNDANT,
        reading=interpreted(
            "the words as a bound, within the tolerance this module's constants state and justify"
        ),
    )


@pytest.mark.claim("lecture.bn-bias-redundant")
@pytest.mark.parametrize("impl", BATCHNORMS)
@property_test
@given(shift=st.floats(-100, 100), seed=seeds)
def test_a_bias_before_batchnorm_is_cancelled(
    evidence: Evidence, seed_base: int, impl: str, shift: float, seed: int
) -> None:
    z = draw_batch(32, 8, 1.0, 0.0, seed_base + seed)
    bn = make_batchnorm(impl, 8)
    difference = (bn(z + shift) - bn(z)).abs().max().item()
    record_worst(evidence, worst_output_change=difference)
    evidence.check(
        "largest change of the output when a bias is added before BatchNorm",
        difference,
        comparison="<=",
        bound=FLOAT64_IDENTITY,
        document=BIAS_REDUNDANT,
        reading=interpreted(
            "the words as a bound, within the tolerance this module's constants state and justify"
        ),
    )


@pytest.mark.claim("lecture.bn-bias-redundant")
def test_the_hidden_bias_stays_put_through_training(
    evidence: Evidence, char_batchnorm_runs: CharBatchNormRuns
) -> None:
    char_batchnorm_runs.horizon(evidence)
    runs = char_batchnorm_runs.runs
    drifts = [
        (run.model.hidden.bias.detach() - run.initial_hidden_bias).abs().max().item()
        for run in runs
    ]
    evidence.record(
        weight_seeds=[run.seed for run in runs],
        largest_hidden_weight_drift=[
            (run.model.hidden.weight.detach() - run.initial_hidden_weight).abs().max().item()
            for run in runs
        ],
    )
    # What training does to the bias on the lecture's model: every seed.
    evidence.check(
        "largest drift of the hidden bias (just before BatchNorm) from its init",
        drifts,
        comparison="<=",
        bound=STAYS_PUT,
        document=BIAS_REDUNDANT,
        reading=interpreted(
            "the words as a bound, within the tolerance this module's constants state and justify"
        ),
    )
