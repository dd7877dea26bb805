"""Weight initialisation schemes, each one a formula you can read off its docstring.

Every scheme initialises the weight of an ``nn.Linear`` from an explicit ``torch.Generator``
(so the weight seed is independent of every other seed) and sets the bias to zero, except
``torch-default``, which keeps PyTorch's own ``reset_parameters``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from initspec.models.gains import gain

InitFn = Callable[[nn.Linear, str, torch.Generator], None]


def fan_in(layer: nn.Linear) -> int:
    return layer.weight.shape[1]


def _zero_bias(layer: nn.Linear) -> None:
    if layer.bias is not None:
        with torch.no_grad():
            layer.bias.zero_()


def uniform(a: float) -> InitFn:
    """W ~ U[-a, a]; Var(W) = a^2 / 3 (so a = 0.5 gives 1/12). Ignores fan-in entirely."""
    if not (a > 0 and math.isfinite(a)):
        raise ValueError(f"uniform bound must be positive and finite, got {a!r}")

    def init(layer: nn.Linear, nonlinearity: str, generator: torch.Generator) -> None:
        with torch.no_grad():
            layer.weight.uniform_(-a, a, generator=generator)
        _zero_bias(layer)

    return init


def xavier_normal(layer: nn.Linear, nonlinearity: str, generator: torch.Generator) -> None:
    """W ~ N(0, 1/n_in), the labs' "Xavier" (LeCun normal).

    Glorot & Bengio (2010) average fan-in and fan-out, 2/(n_in + n_out); for the labs'
    square hidden layers the two coincide.
    """
    with torch.no_grad():
        layer.weight.normal_(0.0, 1.0 / math.sqrt(fan_in(layer)), generator=generator)
    _zero_bias(layer)


def kaiming_normal(layer: nn.Linear, nonlinearity: str, generator: torch.Generator) -> None:
    """W ~ N(0, gain^2 / n_in), gain from :func:`initspec.models.gains.gain` (ReLU: 2/n_in).

    He et al. (2015), "Delving Deep into Rectifiers".
    """
    std = gain(nonlinearity) / math.sqrt(fan_in(layer))
    with torch.no_grad():
        layer.weight.normal_(0.0, std, generator=generator)
    _zero_bias(layer)


def scaled_kaiming(scale_gain: float) -> InitFn:
    """W ~ N(0, g^2 / n_in) for a given gain g (for example a document's stated gain)."""

    def init(layer: nn.Linear, nonlinearity: str, generator: torch.Generator) -> None:
        with torch.no_grad():
            layer.weight.normal_(0.0, scale_gain / math.sqrt(fan_in(layer)), generator=generator)
        _zero_bias(layer)

    return init


def torch_default(layer: nn.Linear, nonlinearity: str, generator: torch.Generator) -> None:
    """PyTorch's ``nn.Linear.reset_parameters``: W, b ~ U[-1/sqrt(n_in), 1/sqrt(n_in)].

    (kaiming_uniform_ with a = sqrt(5), which works out to bound 1/sqrt(fan_in).)
    Drawn from ``generator`` with the same bounds, so it is seeded like the others.
    """
    bound = 1.0 / math.sqrt(fan_in(layer))
    with torch.no_grad():
        layer.weight.uniform_(-bound, bound, generator=generator)
        if layer.bias is not None:
            layer.bias.uniform_(-bound, bound, generator=generator)


@dataclass(frozen=True)
class InitScheme:
    """A named initialisation scheme: ``name`` is the readable id tests and files use."""

    name: str
    apply: InitFn
    formula: str


INITS: dict[str, InitScheme] = {
    "uniform": InitScheme("uniform", uniform(0.5), "U[-0.5, 0.5]"),
    "xavier": InitScheme("xavier", xavier_normal, "N(0, 1/n_in)"),
    "kaiming": InitScheme("kaiming", kaiming_normal, "N(0, gain^2/n_in)"),
    "torch-default": InitScheme("torch-default", torch_default, "U[-1/sqrt(n_in), 1/sqrt(n_in)]"),
}


def get_init(name: str) -> InitScheme:
    """Look up a scheme by name; ``uniform:A`` gives U[-A, A]. Raises ValueError if unknown."""
    if name.startswith("uniform:"):
        try:
            a = float(name.split(":", 1)[1])
        except ValueError:
            raise ValueError(f"bad uniform bound in init {name!r}") from None
        return InitScheme(name, uniform(a), f"U[-{a}, {a}]")
    try:
        return INITS[name]
    except KeyError:
        raise ValueError(f"unknown init {name!r}; known: {', '.join(INITS)}, uniform:A") from None
