"""Gains: the one place where the scale factor for each nonlinearity is computed.

A gain ``g`` is the factor in ``std = g / sqrt(fan_in)`` that keeps the second moment of
activations constant from layer to layer (He et al., 2015, "Delving Deep into Rectifiers").
Where PyTorch defines a gain, :func:`gain` defers to ``torch.nn.init.calculate_gain`` so the
two can never disagree.
"""

from __future__ import annotations

import math

import torch

# Nonlinearities whose gain torch.nn.init.calculate_gain knows.
_TORCH_GAINS = ("linear", "identity", "relu", "tanh", "sigmoid", "leaky_relu", "selu")


def gain(nonlinearity: str) -> float:
    """Return the recommended gain for ``nonlinearity``.

    ReLU: sqrt(2); tanh: 5/3; linear: 1 (as ``torch.nn.init.calculate_gain``).
    Nonlinearities PyTorch does not know (GeLU, ELU) get the second-moment gain
    :func:`second_moment_gain`, measured rather than guessed.
    """
    if nonlinearity == "identity":
        nonlinearity = "linear"  # calculate_gain spells the identity map "linear"
    if nonlinearity in _TORCH_GAINS:
        return float(torch.nn.init.calculate_gain(nonlinearity))  # type: ignore[arg-type]
    if nonlinearity in ("gelu", "elu"):
        return second_moment_gain(nonlinearity)
    raise ValueError(
        f"unknown nonlinearity {nonlinearity!r}; known: {', '.join(known_nonlinearities())}"
    )


def known_nonlinearities() -> tuple[str, ...]:
    return (*_TORCH_GAINS, "gelu", "elu")


def second_moment_gain(nonlinearity: str, samples: int = 2_000_000, seed: int = 0) -> float:
    """Gain g = 1 / sqrt(E[phi(z)^2]) for z ~ N(0, 1), estimated by Monte Carlo.

    With W ~ N(0, g^2 / fan_in), E[(W phi(z))^2] = g^2 E[phi(z)^2] = 1, so the layer keeps
    the second moment of its input. For ReLU this gives sqrt(2) exactly.
    """
    from initspec.models.activations import make_activation

    generator = torch.Generator().manual_seed(seed)
    z = torch.randn(samples, generator=generator, dtype=torch.float64)
    phi = make_activation(nonlinearity)
    second_moment = float(phi(z).pow(2).mean())
    return 1.0 / math.sqrt(second_moment)


def gelu_gain() -> float:
    """The measured second-moment gain of GeLU, 1 / sqrt(E[gelu(z)^2]) for z ~ N(0, 1)."""
    return second_moment_gain("gelu")
