"""The residual wrapper: y = x + f(x), the "gradient highway" of lab 03."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn


class Residual(nn.Module):
    """Wrap ``f`` (a module or any tensor function) so that forward computes ``x + f(x)``.

    The gradient of the output with respect to ``x`` is ``I + df/dx``: the identity term
    carries the gradient back unchanged however small ``df/dx`` becomes.
    """

    def __init__(self, f: Callable[[torch.Tensor], torch.Tensor]) -> None:
        super().__init__()
        self.f = f  # an nn.Module is registered as a submodule by nn.Module.__setattr__

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.f(x)
