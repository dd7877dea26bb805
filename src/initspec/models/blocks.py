"""Lab 03's deep model: a chain of MLP blocks, with or without the residual connection.

A block is ``RMSNorm -> Linear(h, 4h) -> GeLU -> Linear(4h, h)`` (pre-norm); the residual
variant wraps it as ``x + block(x)``. The input (256 dims, the labs' toy data) enters the
chain directly, as the document describes; a final ``Linear(h, classes)`` gives the logits.
"Layer 1" is the first Linear of the first block.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import nn

from initspec.models.norms import RMSNorm
from initspec.models.residual import Residual

NORM_PLACEMENTS = ("per-block", "pre-chain", "none")


@dataclass(frozen=True)
class BlockConfig:
    """What lab 03 and its pitfalls vary; the defaults are the document's setup.

    ``gain`` (keyword only, no default) is the Kaiming gain of both Linears in every block: lab
    03 states its figure for GeLU ("~1.7", :data:`initspec.claims.numbers.LAB03_GELU_GAIN`), which
    the caller passes, so that this module never reads the claim registry.

    ``norm``: "per-block" (an RMSNorm at the start of every block, the document's setup),
    "pre-chain" (one RMSNorm before the whole chain) or "none".
    ``inner_scale`` multiplies the init std of both Linears inside every block.
    ``zero_init_last`` sets the last Linear of every block to zero (weight and bias).
    """

    depth: int = 50
    width: int = 256
    in_dim: int = 256
    out_dim: int = 2
    residual: bool = True
    norm: str = "per-block"
    inner_scale: float = 1.0
    zero_init_last: bool = False
    gain: float = field(kw_only=True)

    def __post_init__(self) -> None:
        if self.norm not in NORM_PLACEMENTS:
            raise ValueError(f"unknown norm placement {self.norm!r}; known: {NORM_PLACEMENTS}")
        if self.depth < 1 or self.width < 1:
            raise ValueError(f"depth and width must be positive, got {self.depth}, {self.width}")
        if self.in_dim != self.width:
            raise ValueError("the chain takes its input directly: in_dim must equal width")


class Block(nn.Module):
    """``[RMSNorm] -> Linear(h, 4h) -> GeLU -> Linear(4h, h)``."""

    def __init__(self, width: int, norm: bool) -> None:
        super().__init__()
        self.norm: nn.Module = RMSNorm(width) if norm else nn.Identity()
        self.up = nn.Linear(width, 4 * width)
        self.act = nn.GELU()
        self.down = nn.Linear(4 * width, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.down(self.act(self.up(self.norm(x))))
        return out


class DeepMLP(nn.Module):
    """The 50-block chain with a linear head; ``config.residual`` chooses the variant."""

    def __init__(self, config: BlockConfig, seed: int = 0) -> None:
        super().__init__()
        self.config = config
        self.pre_norm: nn.Module = (
            RMSNorm(config.width) if config.norm == "pre-chain" else nn.Identity()
        )
        blocks = [Block(config.width, config.norm == "per-block") for _ in range(config.depth)]
        self.blocks = nn.ModuleList([Residual(b) if config.residual else b for b in blocks])
        self.head = nn.Linear(config.width, config.out_dim)
        self._init(seed)

    def block(self, index: int) -> Block:
        module = self.blocks[index]
        inner = module.f if isinstance(module, Residual) else module
        assert isinstance(inner, Block)
        return inner

    @property
    def layer1(self) -> nn.Linear:
        """The first Linear of the first block, whose gradient norm lab 03 tracks."""
        return self.block(0).up

    def _init(self, seed: int) -> None:
        """Kaiming normal with the configured GeLU gain, std = gain * inner_scale / sqrt(fan_in).

        Biases start at zero; the head is N(0, 1/fan_in) (a linear layer's Kaiming gain, 1).
        """
        generator = torch.Generator().manual_seed(seed)
        c = self.config
        with torch.no_grad():
            for index in range(c.depth):
                block = self.block(index)
                for linear in (block.up, block.down):
                    std = c.gain * c.inner_scale / math.sqrt(linear.in_features)
                    linear.weight.normal_(0.0, std, generator=generator)
                    linear.bias.zero_()
                if c.zero_init_last:
                    block.down.weight.zero_()
            self.head.weight.normal_(0.0, 1 / math.sqrt(c.width), generator=generator)
            self.head.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pre_norm(x)
        for block in self.blocks:
            x = block(x)
        logits: torch.Tensor = self.head(x)
        return logits


def build_deep_mlp(seed: int = 0, *, gain: float, **options: object) -> DeepMLP:
    """``DeepMLP(BlockConfig(gain=gain, **options), seed)``: the lab 03 model, document defaults
    besides the gain, which the caller gives."""
    return DeepMLP(BlockConfig(gain=gain, **options), seed)  # type: ignore[arg-type]
