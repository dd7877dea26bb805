"""Fan-in scaling: a linear map multiplies the std by sqrt(fan_in) unless W is scaled down.

The blog's cell (x ~ N(0, 1) in 10 dims times W ~ N(0, 1) of 10 x 200, std "3.17"), the
same for every shape, and the lecture's argument carried through 50 layers: 1/sqrt(fan_in)
keeps a linear stack's scale, sqrt(2/fan_in) keeps a ReLU stack's.
"""

from __future__ import annotations

import itertools
import math
import statistics
from dataclasses import dataclass

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from initspec.metrics import fit_slope
from initspec.pytest_plugin import Evidence

from .cases import property_test, record_worst

SEEDS = range(10)


def output_std(rows: int, fan_in: int, fan_out: int, weight_std: float, seed: int) -> float:
    """std of x @ W over all entries, x ~ N(0, 1) of rows x fan_in, W ~ N(0, weight_std^2)."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(rows, fan_in, generator=generator)
    w = torch.randn(fan_in, fan_out, generator=generator) * weight_std
    return (x @ w).std().item()


def relative_standard_error(rows: int, fan_in: int, fan_out: int) -> float:
    """Sampling error of that std, relative to its expectation.

    Its square's relative variance is 2 / (fan_in * fan_out) from the draw of W plus about
    2 / (rows * min(fan_in, fan_out)) from the draw of x; the std halves it.
    """
    return 0.5 * math.sqrt(2 / (fan_in * fan_out) + 2 / (rows * min(fan_in, fan_out)))


@pytest.mark.claim("blog.variance-growth")
def test_unit_gaussian_weights_multiply_the_std_by_sqrt_fan_in(evidence: Evidence) -> None:
    # The post's cell: x = torch.randn(1000, 10); w = torch.randn(10, 200); y = x @ w.
    expected = math.sqrt(10)
    tolerance = 5 * relative_standard_error(1000, 10, 200) * expected
    stds = [output_std(1000, 10, 200, weight_std=1.0, seed=seed) for seed in SEEDS]
    held = sum(abs(std - expected) <= tolerance for std in stds)
    evidence.record(
        document_std=3.17,
        expected_std=expected,
        measured_stds=stds,
        mean_std=statistics.mean(stds),
        tolerance=tolerance,
    )
    evidence.seeds(run=len(stds), held=held)
    assert held == len(stds), (
        f"expected std ~ sqrt(10) = {expected:.3f} +- {tolerance:.3f} in every draw, "
        f"measured {[round(s, 3) for s in stds]}"
    )


@pytest.mark.claim("blog.fan-in-scaling", "lecture.variance-fan-in")
@property_test
@given(fan_in=st.integers(1, 1024), fan_out=st.integers(16, 256), seed=st.integers(0, 2**16))
def test_weights_scaled_by_one_over_sqrt_fan_in_keep_the_std_at_one(
    evidence: Evidence, fan_in: int, fan_out: int, seed: int
) -> None:
    rows = 256
    std = output_std(rows, fan_in, fan_out, weight_std=1 / math.sqrt(fan_in), seed=seed)
    z = abs(std - 1) / relative_standard_error(rows, fan_in, fan_out)
    evidence.record(document_std=1.0068)  # the post's cell: 1000 x 10 times 10 x 200, scaled
    record_worst(evidence, worst_abs_deviation_from_1=abs(std - 1), worst_z=z)
    assert z <= 5, (
        f"fan_in={fan_in}, fan_out={fan_out}: expected std 1 within 5 standard errors, "
        f"measured {std:.4f} ({z:.1f} standard errors off)"
    )


@pytest.mark.claim("lecture.variance-fan-in")
def test_output_variance_grows_linearly_with_fan_in(evidence: Evidence) -> None:
    fan_ins = [1, 4, 16, 64, 256, 1024]
    variances = [
        statistics.mean(output_std(256, n, 64, weight_std=1.0, seed=s) ** 2 for s in range(4))
        for n in fan_ins
    ]
    logs_n = [math.log(n) for n in fan_ins]
    logs_v = [math.log(v) for v in variances]
    slope = fit_slope(logs_n, logs_v)
    evidence.record(fan_ins=fan_ins, output_variances=variances, log_log_slope=slope)
    assert all(a < b for a, b in itertools.pairwise(variances)), (
        f"expected Var(y) to grow with fan_in, measured {variances}"
    )
    assert abs(slope - 1) < 0.05, f"expected Var(y) proportional to fan_in (slope 1), got {slope}"


@dataclass(frozen=True)
class DepthCase:
    """A stack of ``depth`` square layers: ``activation`` after each, W ~ N(0, std^2)."""

    name: str
    activation: str  # "relu" or "linear"
    gain: float  # W's std is gain / sqrt(fan_in)
    multiplier: float  # the expected per-layer factor on the activations' second moment
    seeds: int

    @property
    def keeps_scale(self) -> bool:
        return self.multiplier == 1.0


WIDTH, DEPTH, ROWS = 256, 50, 128
DEPTH_CASES = [
    # What the lecture prescribes: both keep the scale.
    DepthCase("relu-sqrt2-over-sqrt-fan-in", "relu", math.sqrt(2), 1.0, seeds=16),
    DepthCase("linear-1-over-sqrt-fan-in", "linear", 1.0, 1.0, seeds=16),
    # What it warns against: ReLU halves the second moment; unit weights multiply it by fan_in.
    DepthCase("relu-1-over-sqrt-fan-in", "relu", 1.0, 0.5, seeds=4),
    DepthCase("linear-unit-weights", "linear", math.sqrt(WIDTH), float(WIDTH), seeds=4),
]


def second_moment_multipliers(case: DepthCase, seed: int) -> list[float]:
    """E[h_l^2] / E[h_(l-1)^2] for each layer l, the input being h_0 = x ~ N(0, 1).

    ReLU and linear maps are positively homogeneous, so each layer's output is rescaled to
    unit RMS before the next: the ratios are unchanged and nothing overflows.
    """
    generator = torch.Generator().manual_seed(seed)
    h = torch.randn(ROWS, WIDTH, generator=generator)
    ratios = []
    for _ in range(DEPTH):
        weight = torch.randn(WIDTH, WIDTH, generator=generator) * (case.gain / math.sqrt(WIDTH))
        z = h @ weight
        out = torch.relu(z) if case.activation == "relu" else z
        ratio = out.pow(2).mean().item() / h.pow(2).mean().item()
        ratios.append(ratio)
        h = out / math.sqrt(out.pow(2).mean().item())
    return ratios


@pytest.mark.claim("lecture.variance-fan-in")
@pytest.mark.parametrize("case", DEPTH_CASES, ids=lambda case: case.name)
def test_activation_scale_through_depth(evidence: Evidence, case: DepthCase) -> None:
    runs = [second_moment_multipliers(case, seed) for seed in range(case.seeds)]
    per_layer = statistics.mean(r for run in runs for r in run)
    # RMS of the last layer's activations over the first layer's, per seed.
    end_to_end = [math.sqrt(math.prod(run[1:])) for run in runs]
    median_end = statistics.median(end_to_end)
    within_2x = sum(0.5 <= e <= 2 for e in end_to_end)
    evidence.record(
        width=WIDTH,
        depth=DEPTH,
        expected_per_layer_multiplier=case.multiplier,
        mean_per_layer_multiplier=per_layer,
        rms_ratio_last_to_first_per_seed=end_to_end,
        median_rms_ratio_last_to_first=median_end,
        seeds_within_factor_2=within_2x,
    )
    if case.keeps_scale:
        evidence.seeds(run=case.seeds, held=within_2x)
    assert math.isclose(per_layer, case.multiplier, rel_tol=0.05), (
        f"expected each layer to multiply E[h^2] by {case.multiplier:g}, "
        f"measured {per_layer:.4g} on average"
    )
    if case.keeps_scale:
        assert 0.5 <= median_end <= 2, (
            f"expected the scale to stay within a factor 2 over {DEPTH} layers, measured a "
            f"median last/first RMS ratio of {median_end:.3g}"
        )
    else:
        assert not 1e-3 < median_end < 1e3, (
            f"expected the scale to vanish or explode over {DEPTH} layers, "
            f"measured a median last/first RMS ratio of {median_end:.3g}"
        )
