"""initspec.theory against closed forms, the values the papers' maps give, and its own quadrature.

Closed forms: ReLU's arc-cosine kernel (Cho and Saul 2009): E[relu(u1) relu(u2)] =
sqrt(q1 q2) / (2 pi) (sin t + (pi - t) cos t), t = arccos c, so E[relu(u)^2] = q / 2 and chi1 =
sigma_w2 / 2 at every q; erf's arcsine kernel (Williams 1997): E[erf(u1) erf(u2)] = (2 / pi)
arcsin(2 c sqrt(q1 q2) / sqrt((1 + 2 q1)(1 + 2 q2))), and E[erf'(u)^2] = (4 / pi) / sqrt(1 + 4 q).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from initspec import theory

SMOOTH = ("tanh", "gelu", "silu", "erf")


def trapezoid_expectation(f: Callable[[theory.Array], theory.Array], q: float) -> float:
    """E[f(sqrt(q) z)] by a dense trapezoid rule on [-14, 14] (spectrally accurate for smooth f)."""
    z = np.linspace(-14.0, 14.0, 400_001)
    weight = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    return float(np.trapezoid(f(math.sqrt(q) * z) * weight, z))


@pytest.mark.parametrize("name", SMOOTH)
@pytest.mark.parametrize("q", [0.1, 1.0, 4.0, 16.0, 64.0])
def test_quadrature_error_is_below_1e_8(name: str, q: float) -> None:
    act = theory.activation(name)
    for label, f in (
        ("phi^2", lambda x: act.phi(x) ** 2),
        ("phi'^2", lambda x: act.d1(x) ** 2),
        ("phi'' phi", lambda x: act.d2(x) * act.phi(x)),
    ):
        got, want = theory.gaussian_expectation(f, q), trapezoid_expectation(f, q)
        assert abs(got - want) <= 1e-8 * max(1.0, abs(want)), (
            f"{name} E[{label}] at q={q}: expected {want!r} (trapezoid), got {got!r} "
            f"with {theory.order_for(q)} Gauss-Hermite nodes"
        )


@pytest.mark.parametrize("k", range(8))
def test_quadrature_is_exact_on_gaussian_moments(k: int) -> None:
    """E[z^(2k)] = (2k - 1)!!: Gauss-Hermite of order n is exact for polynomials of degree < 2n."""
    want = float(math.prod(range(1, 2 * k, 2)))
    got = theory.gaussian_expectation(lambda x: x ** (2 * k), order=theory.ORDER)
    assert got == pytest.approx(want, rel=1e-12), f"E[z^{2 * k}]: expected {want}, got {got}"


def test_order_grows_with_the_variance() -> None:
    assert theory.order_for(1.0) == theory.ORDER
    assert theory.order_for(64.0) >= theory.NODES_PER_Q * 64
    assert theory.order_for(1e9) == theory.MAX_ORDER
    with pytest.raises(ValueError, match="even"):
        theory.gaussian_expectation(lambda x: x, order=3)


@settings(max_examples=30)
@given(sigma_w2=st.floats(0.05, 20.0), sigma_b2=st.floats(0.0, 2.0), q=st.floats(1e-3, 20.0))
def test_relu_length_map_and_chi1_are_the_arc_cosine_kernels(
    sigma_w2: float, sigma_b2: float, q: float
) -> None:
    want = sigma_w2 * q / 2 + sigma_b2
    got = theory.length_map("relu", q, sigma_w2, sigma_b2)
    assert got == pytest.approx(want, rel=1e-12), f"relu length map: expected {want}, got {got}"
    chi = theory.chi1("relu", sigma_w2, sigma_b2)
    assert chi == pytest.approx(sigma_w2 / 2, rel=1e-12), f"relu chi1: expected {sigma_w2 / 2}"


@pytest.mark.parametrize("c", [-0.9, -0.3, 0.0, 0.5, 0.95])
@pytest.mark.parametrize(("q1", "q2"), [(1.0, 1.0), (0.5, 2.0), (4.0, 3.0)])
def test_relu_bivariate_expectation_is_the_arc_cosine_kernel(
    q1: float, q2: float, c: float
) -> None:
    relu = theory.activation("relu").phi
    angle = math.acos(c)
    want = math.sqrt(q1 * q2) / (2 * math.pi) * (math.sin(angle) + (math.pi - angle) * c)
    got = theory.bivariate_expectation(relu, relu, q1, q2, c)
    # The kinks (u1 = 0, u2 = 0) cross the tensor grid: about 1e-3 of sqrt(q1 q2) at order 200.
    assert got == pytest.approx(want, abs=2e-3 * math.sqrt(q1 * q2)), (
        f"arc-cosine kernel at q=({q1}, {q2}), c={c}: expected {want}, got {got}"
    )


@pytest.mark.parametrize("c", [-0.8, 0.0, 0.3, 0.99])
@pytest.mark.parametrize(("q1", "q2"), [(0.3, 0.3), (1.0, 2.5), (9.0, 9.0)])
def test_erf_bivariate_expectation_is_the_arcsine_kernel(q1: float, q2: float, c: float) -> None:
    erf = theory.activation("erf").phi
    want = (
        2 / math.pi * math.asin(2 * c * math.sqrt(q1 * q2) / math.sqrt((1 + 2 * q1) * (1 + 2 * q2)))
    )
    got = theory.bivariate_expectation(erf, erf, q1, q2, c)
    assert got == pytest.approx(want, abs=1e-8), (
        f"arcsine kernel at q=({q1}, {q2}), c={c}: expected {want}, got {got}"
    )


@settings(max_examples=30)
@given(sigma_w2=st.floats(0.1, 10.0), sigma_b2=st.floats(0.001, 1.0))
def test_erf_fixed_point_and_chi1_match_the_arcsine_kernel(
    sigma_w2: float, sigma_b2: float
) -> None:
    q = theory.q_star("erf", sigma_w2, sigma_b2)
    length = sigma_w2 * 2 / math.pi * math.asin(2 * q / (1 + 2 * q)) + sigma_b2
    assert length == pytest.approx(q, rel=1e-9), f"erf q*: {q} is not fixed (maps to {length})"
    want = sigma_w2 * 4 / math.pi / math.sqrt(1 + 4 * q)
    got = theory.chi1("erf", sigma_w2, sigma_b2)
    assert got == pytest.approx(want, rel=1e-9), f"erf chi1: expected {want}, got {got}"


@settings(max_examples=25)
@given(
    name=st.sampled_from(theory.ACTIVATIONS),
    sigma_w2=st.floats(0.1, 6.0),
    sigma_b2=st.floats(0.01, 1.0),
)
def test_q_star_is_a_fixed_point_of_the_length_map(
    name: str, sigma_w2: float, sigma_b2: float
) -> None:
    q = theory.q_star(name, sigma_w2, sigma_b2)
    if math.isinf(q):
        # Unbounded activations past their growth threshold: the map grows q from there on.
        big = 1e4
        assert theory.length_map(name, big, sigma_w2, sigma_b2) > big, (
            f"{name}: q* = inf but q shrinks"
        )
        return
    mapped = theory.length_map(name, q, sigma_w2, sigma_b2)
    assert mapped == pytest.approx(q, rel=1e-8, abs=1e-12), f"{name}: q*={q} maps to {mapped}"


def test_linear_closed_forms() -> None:
    assert theory.q_star("linear", 0.5, 0.2) == pytest.approx(0.4)
    assert theory.chi1("linear", 0.5, 0.2) == pytest.approx(0.5)
    assert math.isinf(theory.q_star("linear", 1.5, 0.2))
    assert theory.q_star("linear", 1.0, 0.0, q0=3.0) == 3.0  # every q is fixed
    assert theory.critical_sigma_w2("linear") == pytest.approx(1.0)


@settings(max_examples=20)
@given(sigma_w2=st.floats(0.05, 0.98))
def test_tanh_without_bias_has_chi1_sigma_w2_in_the_ordered_phase(sigma_w2: float) -> None:
    """q* = 0 below sigma_w2 = 1, and phi'(0) = 1: chi1 = sigma_w2."""
    assert theory.q_star("tanh", sigma_w2, 0.0) == 0.0
    assert theory.chi1("tanh", sigma_w2, 0.0) == pytest.approx(sigma_w2, rel=1e-12)


def test_tanh_critical_line_matches_the_derived_values() -> None:
    """sigma_b2 = 0: critical at sigma_w2 = 1; sigma_b2 = 0.05: at 1.761 with q* 0.570."""
    assert theory.critical_sigma_w2("tanh", 0.0) == pytest.approx(1.0, abs=1e-6)
    critical = theory.critical_sigma_w2("tanh", 0.05)
    assert critical == pytest.approx(1.761, abs=5e-4), f"expected 1.761, got {critical}"
    q = theory.q_star("tanh", critical, 0.05)
    assert q == pytest.approx(0.570, abs=5e-4), f"expected q* 0.570, got {q}"
    assert theory.chi1("tanh", critical, 0.05) == pytest.approx(1.0, abs=1e-9)


def test_erf_and_relu_critical_lines_are_the_closed_forms() -> None:
    """erf at sigma_b2 = 0: q* = 0 and chi1 = sigma_w2 erf'(0)^2 = 4 sigma_w2 / pi; ReLU: 2."""
    assert theory.critical_sigma_w2("erf", 0.0) == pytest.approx(math.pi / 4, rel=1e-9)
    for sigma_b2 in (0.0, 0.05, 0.5):
        assert theory.critical_sigma_w2("relu", sigma_b2) == pytest.approx(2.0, rel=1e-9)


def test_tanh_gain_3_grows_the_gradient_std_by_1_364_per_layer() -> None:
    ratio = theory.gradient_std_ratio("tanh", 3.0)
    assert ratio == pytest.approx(1.364, abs=5e-4), f"expected 1.364, got {ratio}"
    assert ratio == pytest.approx(math.sqrt(theory.chi1("tanh", 9.0)), rel=1e-12)


@settings(max_examples=20)
@given(low=st.floats(0.2, 8.0), step=st.floats(0.05, 4.0), sigma_b2=st.floats(0.0, 0.5))
def test_tanh_chi1_grows_with_sigma_w2(low: float, step: float, sigma_b2: float) -> None:
    assert theory.chi1("tanh", low, sigma_b2) < theory.chi1("tanh", low + step, sigma_b2)


@settings(max_examples=20)
@given(sigma_w2=st.floats(0.3, 1.7))
def test_ordered_phase_xi_c_is_minus_one_over_ln_chi1(sigma_w2: float) -> None:
    scales = theory.depth_scale("tanh", sigma_w2, 0.05)
    want = -1 / math.log(theory.chi1("tanh", sigma_w2, 0.05))
    assert scales.c_star == 1.0
    assert scales.xi_c == pytest.approx(want, rel=1e-12), f"xi_c: expected {want}"


def test_depth_scale_diverges_at_the_critical_line_and_is_finite_off_it() -> None:
    critical = theory.critical_sigma_w2("tanh", 0.05)
    near = theory.depth_scale("tanh", critical, 0.05)
    assert near.xi_c > 1e4, f"xi_c at the critical line: expected > 1e4, got {near.xi_c}"
    chaotic = theory.depth_scale("tanh", 4.0, 0.05)
    assert 0.0 < chaotic.c_star < 1.0 and math.isfinite(chaotic.xi_c)
    assert theory.depth_scale("relu", 2.0).xi_c == math.inf
    assert theory.depth_scale("relu", 1.0).xi_c == pytest.approx(1 / math.log(2))


def test_trainable_depth_peaks_at_the_critical_line() -> None:
    critical = theory.critical_sigma_w2("tanh", 0.05)
    depths = [theory.trainable_depth("tanh", w2, 0.05) for w2 in (0.8, 1.4, critical * 0.99)]
    assert depths == sorted(depths), f"trainable depth should grow toward chi1 = 1: {depths}"


def test_second_moment_gains() -> None:
    assert theory.second_moment_gain("relu") == pytest.approx(math.sqrt(2), rel=1e-12)
    assert theory.second_moment_gain("linear") == pytest.approx(1.0, rel=1e-12)
    gelu = theory.second_moment_gain("gelu")
    assert gelu == pytest.approx(1.5335, abs=1e-4), f"GeLU: expected 1.5335, got {gelu}"


def test_forward_variance_ratio_of_kaiming_and_xavier() -> None:
    assert theory.forward_variance_ratio("relu", math.sqrt(2), 3.7) == pytest.approx(1.0)
    assert theory.forward_variance_ratio("relu", 1.0) == pytest.approx(0.5)
    assert theory.forward_variance_ratio("linear", 16.0) == pytest.approx(256.0)
    with pytest.raises(ValueError, match="second moment"):
        theory.forward_variance_ratio("relu", 1.0, 0.0)


def test_profile_carries_activations_forward_and_gradients_back() -> None:
    kaiming = theory.profile("relu", math.sqrt(2), depth=6)
    assert kaiming.activation_std == pytest.approx([1.0] * 6)
    assert kaiming.gradient_std == pytest.approx([1.0] * 6)
    small = theory.profile("tanh", 0.5, depth=5)
    assert list(small.activation_std) == sorted(small.activation_std, reverse=True)
    assert list(small.gradient_std) == sorted(small.gradient_std)
    assert small.gradient_std[-1] == 1.0


def test_saturated_share_matches_a_monte_carlo_draw() -> None:
    z = np.random.default_rng(0).standard_normal(1_000_000)
    for q in (0.5, 2.0, 9.0):
        want = float(np.mean(np.abs(np.tanh(math.sqrt(q) * z)) > 0.97))
        got = theory.saturated_share("tanh", q, 0.97)
        assert got == pytest.approx(want, abs=2e-3), f"q={q}: Monte Carlo {want}, theory {got}"
    assert theory.saturated_share("erf", 1.0, 0.5) == pytest.approx(
        float(np.mean(np.abs(theory.activation("erf").phi(z)) > 0.5)), abs=2e-3
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: theory.chi1("swish", 1.0), "unknown activation"),
        (lambda: theory.chi1("tanh", -1.0), "sigma_w2"),
        (lambda: theory.q_star("tanh", 1.0, -0.1), "sigma_b2"),
        (lambda: theory.gaussian_expectation(np.tanh, -1.0), "variance"),
        (lambda: theory.profile("tanh", 1.0, 0), "depth"),
        (lambda: theory.saturated_share("relu", 1.0, 0.97), "tanh and erf"),
    ],
)
def test_bad_input_is_a_clear_value_error(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
