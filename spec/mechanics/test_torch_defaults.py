"""PyTorch's defaults, checked on the installed PyTorch: Linear's init and BatchNorm1d's arguments.

nn.Linear draws from the global generator; each check forks it and seeds it, so the test
neither depends on nor disturbs anyone else's random state.
"""

from __future__ import annotations

import inspect
import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from initspec.norms import BatchNorm1d
from initspec.pytest_plugin import Evidence

from .cases import property_test, record_worst


def seeded_linear(fan_in: int, fan_out: int, seed: int) -> nn.Linear:
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return nn.Linear(fan_in, fan_out)


def ks_distance_from_uniform(values: torch.Tensor, bound: float) -> float:
    """Kolmogorov-Smirnov distance between the values and U(-bound, bound)."""
    ordered = values.flatten().double().sort().values
    n = ordered.numel()
    cdf = ((ordered / bound) + 1) / 2
    above = torch.arange(1, n + 1, dtype=torch.float64) / n - cdf
    below = cdf - torch.arange(0, n, dtype=torch.float64) / n
    return max(above.max().item(), below.max().item())


@pytest.mark.claim("lecture.torch-linear-default")
@property_test
@given(fan_in=st.integers(1, 2048), fan_out=st.integers(1, 64), seed=st.integers(0, 2**16))
def test_linear_weights_lie_within_one_over_sqrt_fan_in(
    evidence: Evidence, fan_in: int, fan_out: int, seed: int
) -> None:
    weight = seeded_linear(fan_in, fan_out, seed).weight.detach()
    bound = 1 / math.sqrt(fan_in)
    record_worst(evidence, worst_max_abs_weight_over_bound=weight.abs().max().item() / bound)
    assert weight.abs().max().item() <= bound, (
        f"fan_in={fan_in}: expected |W| <= 1/sqrt(fan_in) = {bound:.4g}, "
        f"measured {weight.abs().max().item():.4g}"
    )


@pytest.mark.claim("lecture.torch-linear-default")
def test_linear_weights_are_uniform_on_the_whole_interval(evidence: Evidence) -> None:
    fan_in = 256
    weight = seeded_linear(fan_in, 4096, seed=0).weight.detach()
    bound = 1 / math.sqrt(fan_in)
    # kaiming_uniform_ with a = sqrt(5): gain sqrt(2 / (1 + 5)), bound gain * sqrt(3 / fan_in).
    kaiming_bound = nn.init.calculate_gain("leaky_relu", math.sqrt(5)) * math.sqrt(3 / fan_in)
    ks = ks_distance_from_uniform(weight, bound)
    variance = weight.var().item()
    evidence.record(
        bound=bound,
        kaiming_uniform_a_sqrt5_bound=kaiming_bound,
        max_abs_over_bound=weight.abs().max().item() / bound,
        variance=variance,
        uniform_variance=bound**2 / 3,
        ks_distance=ks,
    )
    assert math.isclose(kaiming_bound, bound, rel_tol=1e-12), "a=sqrt(5) is not 1/sqrt(fan_in)"
    assert weight.abs().max().item() > 0.999 * bound, "the weights do not reach the bound"
    assert math.isclose(variance, bound**2 / 3, rel_tol=0.01), (
        f"expected Var(W) = 1/(3 fan_in) = {bound**2 / 3:.4g}, measured {variance:.4g}"
    )
    assert ks < 0.003, f"expected uniform weights, KS distance {ks:.4g} (1M draws)"


@pytest.mark.claim("lecture.torch-linear-default")
def test_linear_weights_are_kaiming_uniform_with_a_sqrt5() -> None:
    with torch.random.fork_rng():
        torch.manual_seed(3)
        expected = nn.init.kaiming_uniform_(torch.empty(32, 100), a=math.sqrt(5))
    assert torch.equal(seeded_linear(100, 32, seed=3).weight.detach(), expected)


FAN_INS = [1, 10, 256, 1024]


@pytest.mark.claim("lecture.torch-linear-default")
def test_linear_biases_are_zero(evidence: Evidence) -> None:
    # The lecture: the defaults "initialize biases to zero if enabled".
    biases = [seeded_linear(fan_in, 4096, seed=0).bias.detach() for fan_in in FAN_INS]
    evidence.record(
        fan_ins=FAN_INS,
        zero_fraction=[(b == 0).float().mean().item() for b in biases],
        max_abs_bias=[b.abs().max().item() for b in biases],
        one_over_sqrt_fan_in=[1 / math.sqrt(n) for n in FAN_INS],
        bias_std=[b.std().item() for b in biases],
    )
    nonzero = [int((b != 0).sum()) for b in biases]
    assert not any(nonzero), f"expected zero biases, found {nonzero} non-zero of 4096"


@pytest.mark.claim("lecture.torch-linear-default")
@pytest.mark.parametrize("fan_in", FAN_INS)
def test_linear_biases_are_uniform_within_one_over_sqrt_fan_in(
    evidence: Evidence, fan_in: int
) -> None:
    # What the installed PyTorch does instead of zero biases.
    bias = seeded_linear(fan_in, 4096, seed=0).bias.detach()
    bound = 1 / math.sqrt(fan_in)
    ks = ks_distance_from_uniform(bias, bound)
    evidence.record(bound=bound, max_abs_over_bound=bias.abs().max().item() / bound, ks=ks)
    assert bias.abs().max().item() <= bound, "a bias lies outside U(-1/sqrt(fan_in), ...)"
    assert ks < 0.03, f"expected U(-{bound:.3g}, {bound:.3g}) biases, KS distance {ks:.3g}"


BATCHNORM_DEFAULTS = {"eps": 1e-5, "momentum": 0.1, "affine": True, "track_running_stats": True}


@pytest.mark.claim("lecture.torch-bn-defaults")
@pytest.mark.parametrize(
    ("argument", "documented"), BATCHNORM_DEFAULTS.items(), ids=list(BATCHNORM_DEFAULTS)
)
def test_torch_batchnorm1d_default(evidence: Evidence, argument: str, documented: object) -> None:
    signature_default = inspect.signature(nn.BatchNorm1d).parameters[argument].default
    instance_value = getattr(nn.BatchNorm1d(4), argument)
    evidence.record(
        torch_version=torch.__version__,
        documented=documented,
        signature_default=signature_default,
        instance_value=instance_value,
    )
    assert signature_default == documented and instance_value == documented, (
        f"{argument}: the lecture says {documented}, torch {torch.__version__} has "
        f"{signature_default} (instance: {instance_value})"
    )


@pytest.mark.claim("lecture.torch-bn-defaults")
def test_affine_and_tracking_mean_gamma_beta_and_running_buffers() -> None:
    bn = nn.BatchNorm1d(4)
    assert bn.weight is not None and bn.bias is not None, "affine=True but no gamma, beta"
    assert bn.running_mean is not None and bn.running_var is not None, "no running statistics"
    bare = nn.BatchNorm1d(4, affine=False, track_running_stats=False)
    assert bare.weight is None and bare.running_mean is None


@pytest.mark.claim("lecture.torch-bn-defaults")
def test_initspec_batchnorm_defaults_match_torchs() -> None:
    ours, theirs = BatchNorm1d(4), nn.BatchNorm1d(4)
    assert (ours.eps, ours.momentum) == (theirs.eps, theirs.momentum), (
        f"initspec eps, momentum {(ours.eps, ours.momentum)} != torch's "
        f"{(theirs.eps, theirs.momentum)}"
    )
