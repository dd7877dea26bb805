"""The blog's character-level MLPs, and sampling new names from them.

``build_char_mlp`` is the post's first model: embed ``context`` characters in ``embed``
dims, one tanh hidden layer, logits over the vocabulary. Its three inits are the post's
per-tensor scales; all three draw the same N(0, 1) numbers from the seed, in the post's
order (C, W1, b1, W2, b2), and only scale them, so they differ by the fix alone.

``build_deep_char_mlp`` is the post's "PyTorch-ified" 5-layer tanh MLP (hidden 100):
every Linear is N(0, 1) / sqrt(fan_in) with zero bias, hidden Linears x ``gain`` (5/3 for
tanh), the last Linear x ``last_scale``, optionally with BatchNorm after each hidden Linear.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from initspec.data.corpus import Vocabulary
from initspec.models.norms import BatchNorm1d

# Scales (W1, b1, W2, b2) of the post's create_model for each named init.
CHAR_INITS: dict[str, tuple[float, float, float, float]] = {
    "naive": (1.0, 1.0, 1.0, 1.0),
    "output-fix": (1.0, 1.0, 0.1, 0.0),
    "hidden-fix": (0.1, 0.0, 0.1, 0.0),
}


class CharMLP(nn.Module):
    """Embedding -> Linear -> [BatchNorm] -> tanh -> Linear: logits for the next character."""

    def __init__(self, vocab_size: int, context: int, embed: int, hidden: int, batchnorm: bool):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed)
        self.hidden = nn.Linear(context * embed, hidden)
        self.norm: nn.Module = BatchNorm1d(hidden) if batchnorm else nn.Identity()
        self.act = nn.Tanh()
        self.output = nn.Linear(hidden, vocab_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        emb = self.embedding(x).flatten(start_dim=1)
        h: torch.Tensor = self.act(self.norm(self.hidden(emb)))
        logits: torch.Tensor = self.output(h)
        return logits


def build_char_mlp(
    vocab_size: int,
    *,
    context: int = 3,
    embed: int = 10,
    hidden: int = 200,
    init: str = "naive",
    seed: int = 0,
    batchnorm: bool = False,
) -> CharMLP:
    """The post's single-hidden-layer model with init "naive", "output-fix" or "hidden-fix".

    naive: N(0, 1) everywhere. output-fix: output W x 0.1, output b = 0. hidden-fix: also
    hidden W x 0.1 and hidden b = 0. ``batchnorm`` puts a BatchNorm after the hidden Linear
    (the post's ``use_batch_norm``; its gain and bias are in the post's parameter count).
    """
    if init not in CHAR_INITS:
        raise ValueError(f"unknown char-model init {init!r}; known: {', '.join(CHAR_INITS)}")
    w1_scale, b1_scale, w2_scale, b2_scale = CHAR_INITS[init]
    model = CharMLP(vocab_size, context, embed, hidden, batchnorm)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        draws = [
            (model.embedding.weight, 1.0),
            (model.hidden.weight, w1_scale),
            (model.hidden.bias, b1_scale),
            (model.output.weight, w2_scale),
            (model.output.bias, b2_scale),
        ]
        for tensor, scale in draws:
            tensor.normal_(0.0, 1.0, generator=generator).mul_(scale)
    return model


def build_deep_char_mlp(
    vocab_size: int,
    *,
    context: int = 3,
    embed: int = 10,
    hidden: int = 100,
    layers: int = 5,
    batchnorm: bool = False,
    gain: float = 5 / 3,
    last_scale: float = 0.1,
    seed: int = 0,
    bias: bool = True,
    final_batchnorm: bool = False,
) -> nn.Sequential:
    """Embedding -> Flatten -> [Linear -> (BatchNorm1d) -> Tanh] x layers -> Linear.

    As the post builds it: each Linear is N(0, 1) / sqrt(fan_in) with zero bias (``bias``:
    the post keeps the bias even before BatchNorm, which its 47,719 count includes), hidden
    Linears x ``gain``, the last Linear's weight x ``last_scale``. ``final_batchnorm`` adds a
    BatchNorm after the last Linear, as the lecture does; then its gamma is scaled instead.
    """
    if isinstance(layers, bool) or not isinstance(layers, int) or layers < 1:
        raise ValueError(f"layers must be a positive integer, got {layers!r}")
    generator = torch.Generator().manual_seed(seed)
    embedding = nn.Embedding(vocab_size, embed)
    with torch.no_grad():
        embedding.weight.normal_(0.0, 1.0, generator=generator)
    modules: list[nn.Module] = [embedding, nn.Flatten()]
    sizes = [context * embed] + [hidden] * layers + [vocab_size]
    for index in range(layers + 1):
        linear = nn.Linear(sizes[index], sizes[index + 1], bias=bias)
        last = index == layers
        scale = 1.0 if last and final_batchnorm else last_scale if last else gain
        with torch.no_grad():
            linear.weight.normal_(0.0, 1.0, generator=generator)
            linear.weight.mul_(scale / math.sqrt(sizes[index]))
            if linear.bias is not None:
                linear.bias.zero_()
        modules.append(linear)
        if not last:
            if batchnorm:
                modules.append(BatchNorm1d(hidden))
            modules.append(nn.Tanh())
        elif final_batchnorm:
            norm = BatchNorm1d(vocab_size)
            with torch.no_grad():
                norm.weight.mul_(last_scale)
            modules.append(norm)
    return nn.Sequential(*modules)


@torch.no_grad()
def sample(
    model: nn.Module,
    vocab: Vocabulary,
    count: int,
    *,
    context: int = 3,
    seed: int = 0,
    max_length: int = 50,
) -> list[str]:
    """Draw ``count`` names one character at a time until "." (eval mode, no graph).

    ValueError if the model's next-character probabilities are not finite (a model whose
    weights or statistics overflowed in training has nothing to sample from).
    """
    was_training = model.training
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    names: list[str] = []
    for _ in range(count):
        window = [0] * context
        tokens: list[int] = []
        while len(tokens) < max_length:
            logits = model(torch.tensor([window], dtype=torch.long))
            probs = F.softmax(logits, dim=1)
            if not bool(torch.isfinite(probs).all()):
                model.train(was_training)
                raise ValueError("its next-character probabilities are not finite")
            token = int(torch.multinomial(probs, num_samples=1, generator=generator).item())
            if token == 0:
                break
            tokens.append(token)
            window = [*window[1:], token]
        names.append(vocab.decode(tokens))
    model.train(was_training)
    return names
