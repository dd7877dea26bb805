"""Mean-field theory of signal propagation at init: what a wide random network does, layer by layer.

A fully connected layer ``h_l = W_l phi(h_(l-1)) + b_l`` with ``W_ij ~ N(0, sigma_w2 / N)`` and
``b_i ~ N(0, sigma_b2)``, at infinite width ``N``, carries its pre-activations as centred
Gaussians. Their variance ``q_l`` obeys the *length map* (Poole et al. 2016, "Exponential
expressivity in deep neural networks through transient chaos", eq. 3)::

    q_l = sigma_w2 * E[phi(sqrt(q_(l-1)) z)^2] + sigma_b2,          z ~ N(0, 1)

with a fixed point ``q*`` (:func:`q_star`). A small perturbation of the input, and the backward
gradient's second moment (Schoenholz et al. 2017, "Deep information propagation", eqs. 5 and
16, under their gradient-independence assumption), grow by one factor per layer::

    chi1 = sigma_w2 * E[phi'(sqrt(q*) z)^2]                                      (:func:`chi1`)

``chi1 = 1`` is the order-to-chaos line (:func:`critical_sigma_w2`); off it, correlations and
gradients relax over depth scales (Schoenholz et al. 2017, eqs. 7 and 9)::

    1 / xi_q = -ln(chi1 + sigma_w2 * E[phi''(sqrt(q*) z) phi(sqrt(q*) z)])
    1 / xi_c = -ln(chi_c),   chi_c = sigma_w2 * E[phi'(u1) phi'(u2)] at the correlation fixed
                             point c*; chi_c = chi1 in the ordered phase (c* = 1)

and a network trains only while its depth is within a few ``xi_c`` (they find about 6 xi_c).
Pennington et al. 2017 ("Resurrecting the sigmoid in deep learning through dynamical
isometry") read ``sqrt(chi1)`` as the mean singular value of each layer's Jacobian; Hayou et al.
2019 ("On the impact of the activation function on deep neural networks training") show that
for ReLU-like activations the edge of chaos is the single point ``(sigma_w2, sigma_b2) = (2,
0)``. With gain ``g`` (``W ~ N(0, g^2 / N)``, no bias), ``sigma_w2 = g^2``.

Gaussian expectations use Gauss-Hermite quadrature (probabilists' weight ``exp(-x^2 / 2)``)
of :func:`order_for` ``(q)`` nodes: 200 up to q = 6.7, then 30 per unit of q, rounded up to a
multiple of 200 (a saturating
phi(sqrt(q) z) has features of width 1 / sqrt(q) in z, which the nodes must resolve), at most
20,000. An even order puts no node at 0, so a step at 0 (ReLU's derivative) is integrated
exactly by symmetry. scipy's ``roots_hermitenorm`` gives the nodes (numpy's ``hermegauss``
overflows beyond about 300 nodes). The error is tested in tests/test_theory.py against closed
forms (ReLU's arc-cosine kernel, erf's arcsine kernel) and a dense trapezoid rule: within 1e-8
for tanh, GeLU, SiLU and erf at q <= 64; ReLU's second moments exact; the 2-D tensor rule
within 1e-8 on erf's kernel and 2e-3 on ReLU's (whose kinks cross its grid).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq
from scipy.special import erf as _erf
from scipy.special import erfinv, roots_hermitenorm

Array = NDArray[np.float64]

# Gauss-Hermite nodes per dimension (even: no node at 0): at least ORDER, NODES_PER_Q per unit
# of variance, at most MAX_ORDER; 2-D expectations use at most MAX_ORDER_2D per dimension.
ORDER = 200
NODES_PER_Q = 100
MAX_ORDER = 20_000
MAX_ORDER_2D = 600
# A variance past DIVERGED times the input's is taken to grow without bound (q* = inf).
DIVERGED = 1e6

ACTIVATIONS = ("tanh", "relu", "gelu", "silu", "erf", "linear")

_SQRT_2PI = math.sqrt(2 * math.pi)


@dataclass(frozen=True)
class Activation:
    """phi and its first two derivatives, vectorised; ``homogeneous``: phi(a x) = a phi(x) for
    a > 0 (ReLU, linear), so phi' does not depend on the scale and q* may be 0 or infinite."""

    name: str
    phi: Callable[[Array], Array]
    d1: Callable[[Array], Array]
    d2: Callable[[Array], Array]
    homogeneous: bool = False
    large_q_slope: float = 0.0  # lim E[phi'(sqrt(q) z)^2] as q -> infinity


def _gauss_pdf(x: Array) -> Array:
    return np.exp(-0.5 * x * x) / _SQRT_2PI


def _gauss_cdf(x: Array) -> Array:
    return np.asarray(0.5 * (1.0 + _erf(x / math.sqrt(2.0))), dtype=float)


def _sigmoid(x: Array) -> Array:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _tanh_d1(x: Array) -> Array:
    return 1.0 - np.tanh(x) ** 2


def _tanh_d2(x: Array) -> Array:
    t = np.tanh(x)
    return -2.0 * t * (1.0 - t * t)


def _silu_d1(x: Array) -> Array:
    s = _sigmoid(x)
    return s * (1.0 + x * (1.0 - s))


def _silu_d2(x: Array) -> Array:
    s = _sigmoid(x)
    return s * (1.0 - s) * (2.0 + x * (1.0 - 2.0 * s))


def _erf_d1(x: Array) -> Array:
    return 2.0 / math.sqrt(math.pi) * np.exp(-x * x)


_TABLE = {
    "tanh": Activation("tanh", np.tanh, _tanh_d1, _tanh_d2),
    "relu": Activation(
        "relu",
        lambda x: np.maximum(x, 0.0),
        lambda x: (x > 0).astype(float),
        np.zeros_like,
        homogeneous=True,
        large_q_slope=0.5,
    ),
    # GeLU as torch.nn.GELU() computes it: x Phi(x), Phi the standard normal CDF.
    "gelu": Activation(
        "gelu",
        lambda x: x * _gauss_cdf(x),
        lambda x: _gauss_cdf(x) + x * _gauss_pdf(x),
        lambda x: _gauss_pdf(x) * (2.0 - x * x),
        large_q_slope=0.5,
    ),
    "silu": Activation("silu", lambda x: x * _sigmoid(x), _silu_d1, _silu_d2, large_q_slope=0.5),
    "erf": Activation("erf", _erf, _erf_d1, lambda x: -2.0 * x * _erf_d1(x)),
    "linear": Activation(
        "linear", lambda x: x, np.ones_like, np.zeros_like, homogeneous=True, large_q_slope=1.0
    ),
}


def activation(name: str) -> Activation:
    """The activation called ``name`` (one of :data:`ACTIVATIONS`); ValueError otherwise."""
    try:
        return _TABLE[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; known: {', '.join(ACTIVATIONS)}") from None


def order_for(q: float, cap: int = MAX_ORDER) -> int:
    """The Gauss-Hermite order used at variance q: max(ORDER, NODES_PER_Q * q) rounded up to
    a multiple of ORDER (so few node sets are built), at most ``cap``."""
    wanted = max(ORDER, NODES_PER_Q * q) if math.isfinite(q) else cap
    return min(cap, ORDER * math.ceil(wanted / ORDER))


@cache
def _nodes(order: int) -> tuple[Array, Array]:
    """Probabilists' Gauss-Hermite nodes and weights normalised to the N(0, 1) measure."""
    if order < 2 or order % 2:
        raise ValueError(f"quadrature order must be an even number >= 2, not {order}")
    x, w = roots_hermitenorm(order)
    return np.asarray(x, dtype=float), np.asarray(w, dtype=float) / _SQRT_2PI


def gaussian_expectation(
    f: Callable[[Array], Array], q: float = 1.0, order: int | None = None
) -> float:
    """E[f(sqrt(q) z)], z ~ N(0, 1), by Gauss-Hermite quadrature of ``order`` nodes
    (:func:`order_for` ``(q)`` by default)."""
    if q < 0 or math.isnan(q) or math.isinf(q):
        raise ValueError(f"a variance must be finite and >= 0, not {q}")
    x, w = _nodes(order or order_for(q))
    return float(np.dot(w, f(math.sqrt(q) * x)))


def bivariate_expectation(
    f: Callable[[Array], Array],
    g: Callable[[Array], Array],
    q1: float,
    q2: float,
    c: float,
    order: int | None = None,
) -> float:
    """E[f(u1) g(u2)] for centred Gaussians of variances q1, q2 and correlation c:
    u1 = sqrt(q1) z1, u2 = sqrt(q2) (c z1 + sqrt(1 - c^2) z2) (tensor Gauss-Hermite)."""
    if not -1.0 <= c <= 1.0:
        raise ValueError(f"a correlation must lie in [-1, 1], not {c}")
    x, w = _nodes(order or order_for(max(q1, q2), cap=MAX_ORDER_2D))
    z1, z2 = x[:, None], x[None, :]
    u1 = math.sqrt(q1) * z1 + 0.0 * z2
    u2 = math.sqrt(q2) * (c * z1 + math.sqrt(max(0.0, 1.0 - c * c)) * z2)
    return float(np.einsum("i,j,ij->", w, w, f(u1) * g(u2)))


def length_map(name: str, q: float, sigma_w2: float, sigma_b2: float = 0.0) -> float:
    """q_l = sigma_w2 E[phi(sqrt(q) z)^2] + sigma_b2 (Poole et al. 2016, eq. 3)."""
    phi = activation(name).phi
    return sigma_w2 * gaussian_expectation(lambda x: phi(x) ** 2, q) + sigma_b2


def q_star(name: str, sigma_w2: float, sigma_b2: float = 0.0, q0: float = 1.0) -> float:
    """The fixed point of the length map that the iteration from ``q0`` reaches (math.inf if
    the variance grows without bound; 0 if it dies out).

    The length map is increasing in q, so the iterates move monotonically from q0 to the
    nearest fixed point in their direction: found by stepping a log grid to bracket the root of
    F(q) = length_map(q) - q, then Brent's method. ReLU and linear have the closed form
    q* = sigma_b2 / (1 - sigma_w2 m), m = 1/2 or 1 (every q is fixed where sigma_w2 m = 1 and
    sigma_b2 = 0)."""
    _check(sigma_w2, sigma_b2)
    act = activation(name)
    if act.homogeneous:
        growth = sigma_w2 * act.large_q_slope
        if math.isclose(growth, 1.0, rel_tol=1e-12) and sigma_b2 == 0:
            return q0
        return sigma_b2 / (1 - growth) if growth < 1 else math.inf

    def excess(q: float) -> float:
        return length_map(name, q, sigma_w2, sigma_b2) - q

    start = excess(q0)
    if abs(start) <= 1e-13 * max(q0, 1.0):
        return q0
    step = 2.0 if start > 0 else 0.5
    low = high = q0
    while True:
        nxt = high * step if step > 1 else low * step
        if step > 1:
            if nxt > DIVERGED * max(q0, 1.0):
                return math.inf
            low, high = high, nxt
            if excess(high) <= 0:
                break
        else:
            if nxt < 1e-14 * min(q0, 1.0):
                return sigma_b2  # F stays negative down to 0: q* = sigma_b2 = 0
            high, low = low, nxt
            if excess(low) >= 0:
                break
    return float(brentq(excess, low, high, xtol=1e-14, rtol=1e-13))


def slope_second_moment(name: str, q: float) -> float:
    """E[phi'(sqrt(q) z)^2], its limit where q is infinite (homogeneous activations: at q = 1)."""
    act = activation(name)
    if act.homogeneous:
        q = 1.0
    if math.isinf(q):
        return act.large_q_slope
    return gaussian_expectation(lambda x: act.d1(x) ** 2, q)


def chi1(name: str, sigma_w2: float, sigma_b2: float = 0.0, q0: float = 1.0) -> float:
    """chi1 = sigma_w2 E[phi'(sqrt(q*) z)^2] (Schoenholz et al. 2017, eq. 5): the per-layer
    factor on a small perturbation's and on the backward gradient's second moment."""
    return sigma_w2 * slope_second_moment(name, q_star(name, sigma_w2, sigma_b2, q0))


@dataclass(frozen=True)
class DepthScales:
    """xi_q: depth over which q relaxes to q*; xi_c: over which correlations (and gradients)
    relax; math.inf on the critical line."""

    xi_q: float
    xi_c: float
    c_star: float


def c_star(name: str, sigma_w2: float, sigma_b2: float = 0.0, q0: float = 1.0) -> float:
    """The stable fixed point of the correlation map c -> (sigma_w2 E[phi(u1) phi(u2)] +
    sigma_b2) / q* (Poole et al. 2016, eq. 5): 1 in the ordered phase, below 1 in the chaotic."""
    q = q_star(name, sigma_w2, sigma_b2, q0)
    if chi1(name, sigma_w2, sigma_b2, q0) <= 1.0 + 1e-12 or q == 0 or math.isinf(q):
        return 1.0
    phi = activation(name).phi

    def excess(c: float) -> float:
        return (sigma_w2 * bivariate_expectation(phi, phi, q, q, c) + sigma_b2) / q - c

    # excess(0) = (sigma_w2 E[phi]^2 + sigma_b2) / q* >= 0; just below 1 it is negative, since
    # the map's slope at c = 1 is chi1 > 1.
    top = 1.0 - 1e-6
    if excess(0.0) <= 0:
        return 0.0
    if excess(top) >= 0:
        return 1.0
    return float(brentq(excess, 0.0, top, xtol=1e-13))


def depth_scale(name: str, sigma_w2: float, sigma_b2: float = 0.0, q0: float = 1.0) -> DepthScales:
    """xi_q = -1 / ln(chi1 + sigma_w2 E[phi'' phi]) and xi_c = -1 / ln chi_c (Schoenholz et
    al. 2017, eqs. 7 and 9); chi_c = chi1 in the ordered phase (c* = 1), else chi_c =
    sigma_w2 E[phi'(u1) phi'(u2)] at c*."""
    act = activation(name)
    q = q_star(name, sigma_w2, sigma_b2, q0)
    chi = chi1(name, sigma_w2, sigma_b2, q0)
    finite_q = 1.0 if act.homogeneous or math.isinf(q) else q
    curvature = sigma_w2 * gaussian_expectation(lambda x: act.d2(x) * act.phi(x), finite_q)
    xi_q = _scale(chi + curvature)
    c = c_star(name, sigma_w2, sigma_b2, q0)
    if c >= 1.0:
        return DepthScales(xi_q, _scale(chi), 1.0)
    chi_c = sigma_w2 * bivariate_expectation(act.d1, act.d1, q, q, c)
    return DepthScales(xi_q, _scale(chi_c), c)


def _scale(rate: float) -> float:
    """-1 / ln(rate): the depth over which rate^depth falls by e (inf at rate 1)."""
    if rate <= 0:
        return 0.0
    if math.isclose(rate, 1.0, rel_tol=1e-12):
        return math.inf
    return abs(-1.0 / math.log(rate))


def critical_sigma_w2(name: str, sigma_b2: float = 0.0, q0: float = 1.0) -> float:
    """The sigma_w2 at which chi1 = 1 (the order-to-chaos line): Brent's method on ln chi1
    (increasing in sigma_w2) in ln sigma_w2 over [1e-3, 1e3]; ValueError where it has none.

    tanh: 1 at sigma_b2 = 0, 1.761 at 0.05; erf: pi / 4 at 0; ReLU: 2 at every sigma_b2 (chi1 =
    sigma_w2 / 2), though with a bias q* is infinite from there on: the edge of chaos proper is
    the point (2, 0) (Hayou et al. 2019). GeLU and SiLU without a bias: q* is 0 or infinite from
    most q0 (the length map's positive root is unstable), so the line found is where q0 itself
    is that root and depends on q0."""
    low, high = 1e-3, 1e3

    def log_chi(w2: float) -> float:
        return math.log(chi1(name, w2, sigma_b2, q0))

    if log_chi(low) > 0 or log_chi(high) < 0:
        raise ValueError(
            f"{name}: no sigma_w2 in [{low}, {high}] with chi1 = 1 at sigma_b2 {sigma_b2}"
        )
    return math.exp(
        brentq(
            lambda t: log_chi(math.exp(t)), math.log(low), math.log(high), xtol=1e-11, maxiter=500
        )
    )


def trainable_depth(
    name: str, sigma_w2: float, sigma_b2: float = 0.0, factor: float = 6.0
) -> float:
    """The depth below which Schoenholz et al. 2017 (Fig. 5) find networks trainable: about
    ``factor`` * xi_c, with factor 6 (their fit)."""
    return factor * depth_scale(name, sigma_w2, sigma_b2).xi_c


def second_moment_gain(name: str) -> float:
    """g = 1 / sqrt(E[phi(z)^2]), z ~ N(0, 1): W ~ N(0, g^2 / fan_in) keeps the second moment of
    a unit-Gaussian pre-activation from layer to layer (He et al. 2015). ReLU sqrt 2, linear 1;
    GeLU about 1.53 (not the 1.7 lab 03 states)."""
    phi = activation(name).phi
    return 1.0 / math.sqrt(gaussian_expectation(lambda x: phi(x) ** 2))


def forward_variance_ratio(
    name: str, gain: float, second_moment: float = 1.0, sigma_b2: float = 0.0
) -> float:
    """E[phi(h_l)^2] / E[phi(h_(l-1))^2] over one layer with W ~ N(0, gain^2 / fan_in): the
    input's activations have second moment ``second_moment``, so q_l = gain^2 m + sigma_b2.
    ReLU: gain^2 / 2 for every m; linear: gain^2."""
    if second_moment <= 0:
        raise ValueError(f"the input's second moment must be > 0, not {second_moment}")
    phi = activation(name).phi
    q = gain * gain * second_moment + sigma_b2
    return gaussian_expectation(lambda x: phi(x) ** 2, q) / second_moment


def gradient_std_ratio(
    name: str, gain: float, sigma_b2: float = 0.0, q: float | None = None
) -> float:
    """sqrt(gain^2 E[phi'(sqrt(q) z)^2]): the factor by which the backward gradient's std grows
    from one layer to the layer before it (sqrt chi1 at q = q*, the default; Pennington et al.
    2017: the Jacobian's mean squared singular value is chi1)."""
    sigma_w2 = gain * gain
    level = q_star(name, sigma_w2, sigma_b2) if q is None else q
    return math.sqrt(sigma_w2 * slope_second_moment(name, level))


@dataclass(frozen=True)
class Profile:
    """A network's layers at init by the theory: per layer l = 1..depth, the pre-activation
    variance q_l, the activation std sqrt(E[phi(h_l)^2]), and the gradient std at phi(h_l)
    relative to the last layer's (1 at the last layer)."""

    q: tuple[float, ...]
    activation_std: tuple[float, ...]
    gradient_std: tuple[float, ...]


def profile(
    name: str, gain: float, depth: int, input_second_moment: float = 1.0, sigma_b2: float = 0.0
) -> Profile:
    """Iterate the length map from the input (q_1 = gain^2 m_0 + sigma_b2) and carry the
    gradient back: E[g_(l-1)^2] = gain^2 E[phi'(h_l)^2] E[g_l^2] (square layers)."""
    if depth < 1:
        raise ValueError(f"depth must be >= 1, not {depth}")
    phi = activation(name).phi
    qs, stds = [], []
    moment = input_second_moment
    for _ in range(depth):
        q = gain * gain * moment + sigma_b2
        moment = gaussian_expectation(lambda x: phi(x) ** 2, q)
        qs.append(q)
        stds.append(math.sqrt(moment))
    grads = [1.0]
    for q in reversed(qs[1:]):
        grads.append(grads[-1] * math.sqrt(gain * gain * slope_second_moment(name, q)))
    return Profile(tuple(qs), tuple(stds), tuple(reversed(grads)))


def saturated_share(name: str, q: float, threshold: float) -> float:
    """P(abs(phi(sqrt(q) z)) > threshold) for the bounded odd activations tanh and erf:
    2 (1 - Phi(phi^-1(threshold) / sqrt(q))), Phi the standard normal CDF."""
    if name not in ("tanh", "erf"):
        raise ValueError(f"saturation is defined here for tanh and erf, not {name!r}")
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"a saturation threshold must lie in (0, 1), not {threshold}")
    if q <= 0:
        return 0.0
    edge = math.atanh(threshold) if name == "tanh" else float(erfinv(threshold))
    return float(1.0 - _erf(edge / math.sqrt(2.0 * q)))


def _check(sigma_w2: float, sigma_b2: float) -> None:
    if not sigma_w2 > 0 or not math.isfinite(sigma_w2):
        raise ValueError(f"sigma_w2 must be a finite number > 0, not {sigma_w2}")
    if not sigma_b2 >= 0 or not math.isfinite(sigma_b2):
        raise ValueError(f"sigma_b2 must be a finite number >= 0, not {sigma_b2}")
