"""The model library: plain MLPs built from a few named choices.

``build_mlp`` is what the claim tests parametrize over (spec/mechanics/cases.py, for one). Depth
counts Linear layers, as the labs do: a 12-layer MLP has 12 Linear layers and 11 activations.
"""

from __future__ import annotations

import itertools
import math

import torch
from torch import nn

from initspec.models.activations import make_activation
from initspec.models.inits import get_init
from initspec.models.norms import make_norm


def build_mlp(
    *,
    depth: int,
    width: int,
    in_dim: int,
    out_dim: int,
    activation: str = "relu",
    init: str = "kaiming",
    norm: str | None = None,
    bias: bool = True,
    seed: int = 0,
) -> nn.Sequential:
    """Linear -> [norm] -> activation, repeated; a final Linear gives the logits.

    Every Linear is initialised by ``init`` from a generator seeded with ``seed`` (the weight
    seed), so two models with the same arguments are identical and different seeds are
    independent draws.
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth must be a positive integer, got {depth!r}")
    for name, value in (("width", width), ("in_dim", in_dim), ("out_dim", out_dim)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    scheme = get_init(init)
    make_activation(activation)  # validate the name before building anything
    if norm is not None:
        make_norm(norm, 1)

    sizes = [in_dim] + [width] * (depth - 1) + [out_dim]
    layers: list[nn.Module] = []
    generator = torch.Generator().manual_seed(seed)
    for index, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        linear = nn.Linear(n_in, n_out, bias=bias)
        scheme.apply(linear, activation, generator)
        layers.append(linear)
        if index < depth - 1:
            if norm is not None:
                layers.append(make_norm(norm, n_out))
            layers.append(make_activation(activation))
    return nn.Sequential(*layers)


def linear_layers(model: nn.Module) -> list[nn.Linear]:
    """The model's Linear layers in forward order."""
    return [module for module in model.modules() if isinstance(module, nn.Linear)]


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def parameter_bytes(model: nn.Module) -> int:
    return sum(p.numel() * p.element_size() for p in model.parameters())


def chance_loss(num_classes: int) -> float:
    """Cross-entropy of a uniform guess over ``num_classes``: log(num_classes)."""
    return math.log(num_classes)
