"""PyTorch's defaults, checked on the installed PyTorch: Linear's init and BatchNorm1d's arguments.

nn.Linear draws from the global generator; each check forks it and seeds it (shifted by
``--seed-base``), so the test neither depends on nor disturbs anyone else's random state.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from initspec.judging.judge import judge
from initspec.models.norms import BatchNorm1d
from initspec.plugin.evidence import every, interpreted, stated
from initspec.plugin.hooks import Evidence

from .cases import property_test, record_worst

LINEAR_DEFAULT = (
    "PyTorch linear and convolutional modules expose fan_in/fan_out-derived initialization "
    "defaults that sample weights from uniform distributions scaled by 1/sqrt(fan_in) (or "
    "variants) and initialize biases to zero if enabled."
)
# A draw of n values from the distribution under test exceeds a Kolmogorov-Smirnov distance
# of 3 / sqrt(n) with probability below 1e-7 (Kolmogorov's limit law): beyond it, the values
# are not from that distribution.
KS_LIMIT = 3.0
# "scaled by 1/sqrt(fan_in)" fills the interval: a million uniform draws come within 1e-5 of
# its ends; 0.1 % short of the end is not the interval (test-only reading).
REACHES_THE_BOUND = 0.999
# The variance of a million uniform draws has a relative standard error under 0.1 %; 1 % is
# "the uniform's variance" (test-only reading).
VARIANCE_TOLERANCE = 0.01
WEIGHT_SEEDS = range(5)
FAN_INS = [1, 10, 256, 1024]
LINEAR_ZERO_BIAS = "initialize biases to zero if enabled"
LINEAR_WEIGHTS = interpreted(
    "scaled by 1/sqrt(fan_in) read as uniform on [-1/sqrt(fan_in), 1/sqrt(fan_in)]"
)
# The modules the lecture's sentence names: linear and convolutional (fan_in 64 each).
MODULES: dict[str, Callable[[], nn.Module]] = {
    "nn.Linear": lambda: nn.Linear(64, 4096),
    "nn.Conv1d": lambda: nn.Conv1d(16, 4096, kernel_size=4),
    "nn.Conv2d": lambda: nn.Conv2d(4, 4096, kernel_size=4),
}


def zero_bias_fraction(make: Callable[[], nn.Module], seed: int) -> float:
    """The fraction of a freshly built module's bias entries that are exactly zero."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        bias = make().bias
    assert isinstance(bias, torch.Tensor), "expected a module with a bias"
    return bias.detach().eq(0).double().mean().item()


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


def ks_bound(n: int) -> float:
    return KS_LIMIT / math.sqrt(n)


@pytest.mark.claim("lecture.torch-linear-default")
@property_test
@given(fan_in=st.integers(1, 2048), fan_out=st.integers(1, 64), seed=st.integers(0, 2**16))
def test_linear_weights_lie_within_one_over_sqrt_fan_in(
    evidence: Evidence, seed_base: int, fan_in: int, fan_out: int, seed: int
) -> None:
    weight = seeded_linear(fan_in, fan_out, seed_base + seed).weight.detach()
    ratio = weight.abs().max().item() * math.sqrt(fan_in)
    record_worst(evidence, worst_max_abs_weight_over_bound=ratio)
    evidence.check(
        "largest abs(W) of nn.Linear over 1/sqrt(fan_in)",
        ratio,
        comparison="<=",
        bound=1.0,
        document=LINEAR_DEFAULT,
        reading=LINEAR_WEIGHTS,
    )


@pytest.mark.claim("lecture.torch-linear-default")
def test_linear_weights_are_uniform_on_the_whole_interval(
    evidence: Evidence, seed_base: int
) -> None:
    fan_in, fan_out = 256, 4096
    bound = 1 / math.sqrt(fan_in)
    # kaiming_uniform_ with a = sqrt(5): gain sqrt(2 / (1 + 5)), bound gain * sqrt(3 / fan_in).
    kaiming_bound = nn.init.calculate_gain("leaky_relu", math.sqrt(5)) * math.sqrt(3 / fan_in)
    seeds = [seed_base + seed for seed in WEIGHT_SEEDS]
    weights = [seeded_linear(fan_in, fan_out, seed).weight.detach() for seed in seeds]
    reach = [w.abs().max().item() / bound for w in weights]
    variance_ratio = [w.var().item() / (bound**2 / 3) for w in weights]
    ks = [ks_distance_from_uniform(w, bound) for w in weights]
    evidence.record(
        seeds=seeds,
        fan_in=fan_in,
        draws_per_seed=fan_in * fan_out,
        bound=bound,
        kaiming_uniform_a_sqrt5_bound=kaiming_bound,
    )
    evidence.check(
        "kaiming_uniform_(a=sqrt(5))'s bound over 1/sqrt(fan_in)",
        kaiming_bound / bound,
        comparison="in",
        bound=[1 - 1e-12, 1 + 1e-12],
        document=LINEAR_DEFAULT,
        reading=LINEAR_WEIGHTS,
    )
    # Each seed is an independent draw of the default init: every one must look uniform.
    evidence.check(
        "KS distance of the weights from U(-1/sqrt(fan_in), 1/sqrt(fan_in))",
        ks,
        comparison="<=",
        bound=ks_bound(fan_in * fan_out),
        document=LINEAR_DEFAULT,
        reading=LINEAR_WEIGHTS,
    )
    evidence.check(
        "largest abs(W) over 1/sqrt(fan_in) (the draws reach the bound)",
        reach,
        comparison="in",
        bound=[REACHES_THE_BOUND, 1.0],
        document=LINEAR_DEFAULT,
        reading=LINEAR_WEIGHTS,
    )
    evidence.check(
        "Var(W) over the uniform's 1 / (3 fan_in)",
        variance_ratio,
        comparison="in",
        bound=[1 - VARIANCE_TOLERANCE, 1 + VARIANCE_TOLERANCE],
        document=LINEAR_DEFAULT,
        reading=LINEAR_WEIGHTS,
    )


@pytest.mark.claim("lecture.torch-linear-default")
def test_linear_weights_are_kaiming_uniform_with_a_sqrt5(
    evidence: Evidence, seed_base: int
) -> None:
    seed = seed_base + 3
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        expected = nn.init.kaiming_uniform_(torch.empty(32, 100), a=math.sqrt(5))
    evidence.check(
        "nn.Linear(100, 32)'s weights equal kaiming_uniform_(a=sqrt(5)) drawn from the same seed",
        torch.equal(seeded_linear(100, 32, seed).weight.detach(), expected),
        comparison="==",
        bound=True,
        document=LINEAR_DEFAULT,
        reading=LINEAR_WEIGHTS,
    )


@pytest.mark.claim("lecture.torch-linear-default")
def test_linear_biases_are_zero(evidence: Evidence, seed_base: int) -> None:
    biases = [seeded_linear(fan_in, 4096, seed_base).bias.detach() for fan_in in FAN_INS]
    evidence.record(
        fan_ins=FAN_INS,
        zero_fraction_per_fan_in=[(b == 0).double().mean().item() for b in biases],
        max_abs_bias=[b.abs().max().item() for b in biases],
        one_over_sqrt_fan_in=[1 / math.sqrt(n) for n in FAN_INS],
        bias_std=[b.std().item() for b in biases],
    )
    # "linear and convolutional modules": the same words re-judged on the convolutions.
    for name, module in MODULES.items():
        evidence.sensitivity(
            "module",
            name,
            [
                judge(
                    f"fraction of {name}'s biases that are exactly zero",
                    zero_bias_fraction(module, seed_base),
                    comparison="==",
                    bound=1.0,
                    rule=every(),
                    document=LINEAR_ZERO_BIAS,
                    reading=stated(),
                )
            ],
        )
    # The document: every bias starts at zero.
    evidence.check(
        f"fraction of nn.Linear's biases that are exactly zero (4096 at each fan_in {FAN_INS})",
        torch.cat(biases).eq(0).double().mean().item(),
        comparison="==",
        bound=1.0,
        document=LINEAR_ZERO_BIAS,
        reading=stated(),
    )


# The arguments the lecture names; it gives no default values (PyTorch's are recorded).
BATCHNORM_ARGUMENTS = ("eps", "momentum", "affine", "track_running_stats")
BN_DOCUMENT = (
    "BatchNorm modules expose useful arguments and defaults: ... epsilon (for numerical "
    "stability). ... momentum (for running statistics updates). ... affine flag (whether to "
    "learn gamma/beta). ... track_running_stats (whether to maintain running mean/variance)."
)
BN_READING = stated("the lecture names the arguments and says they have defaults; no values")


@pytest.mark.claim("lecture.torch-bn-defaults")
@pytest.mark.parametrize("argument", BATCHNORM_ARGUMENTS)
def test_torch_batchnorm1d_exposes_the_argument_with_a_default(
    evidence: Evidence, argument: str
) -> None:
    parameter = inspect.signature(nn.BatchNorm1d).parameters.get(argument)
    default = None if parameter is None else parameter.default
    evidence.record(
        torch_version=torch.__version__,
        signature_default=repr(default),
        instance_value=repr(getattr(nn.BatchNorm1d(4), argument, None)),
        initspec_value=repr(getattr(BatchNorm1d(4), argument, None)),
    )
    evidence.check(
        f"nn.BatchNorm1d takes {argument} with a default",
        parameter is not None and default is not inspect.Parameter.empty,
        comparison="==",
        bound=True,
        document=BN_DOCUMENT,
        reading=BN_READING,
    )


@pytest.mark.claim("lecture.torch-bn-defaults")
def test_affine_and_tracking_mean_gamma_beta_and_running_buffers(evidence: Evidence) -> None:
    bn = nn.BatchNorm1d(4)
    bare = nn.BatchNorm1d(4, affine=False, track_running_stats=False)
    evidence.check(
        "affine=True (the default) gives gamma and beta; affine=False gives none",
        bn.weight is not None and bn.bias is not None and bare.weight is None,
        comparison="==",
        bound=True,
        document="affine flag (whether to learn gamma/beta)",
        reading=stated(),
    )
    evidence.check(
        "track_running_stats=True (the default) keeps running statistics; False keeps none",
        bn.running_mean is not None and bn.running_var is not None and bare.running_mean is None,
        comparison="==",
        bound=True,
        document="track_running_stats (whether to maintain running mean/variance)",
        reading=stated(),
    )
