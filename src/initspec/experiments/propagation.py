"""Signal propagation measured at finite width, beside initspec.theory's infinite-width values.

Two measurements:

* :func:`gradient_ratio`: a random fully connected network at init (``W ~ N(0, sigma_w2 /
  width)``, ``b ~ N(0, sigma_b2)``), its pre-activations started at the theory's q* so every
  layer sits at the fixed point, a random Gaussian cotangent sent back from the last layer. The
  per-layer backward ratio of the gradient's std, ``sqrt(E[d_l^2] / E[d_(l+1)^2])`` (geometric
  mean over the layers), is the finite-width counterpart of ``sqrt(chi1)`` (Schoenholz et al.
  2017, eq. 16); the forward ratio ``q_L / q_1`` shows whether q stays at a fixed point.
* :func:`char_gain_run`: the post's tanh MLP (initspec.models.charmodel.build_deep_char_mlp, the
  same weights and batches as the blog's claims) at a gain and depth: its per-layer gradient ratio
  at init (initspec.experiments.char_diagnostics.gain_snapshot) and whether the post's loop
  (plain SGD, lr 0.075, batch 32) trains it, by the shared phrase "trains"
  (initspec.judging.phrases: a final 50-step mean loss at most 80 % of chance, ln V).

Every draw is seeded; nothing depends on the machine's core count.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from initspec import theory
from initspec.data.corpus import CharSplits, Vocabulary
from initspec.judging.phrases import final_mean, trains


@dataclass(frozen=True)
class Propagation:
    """One random network at init: its measured ratios and the theory's."""

    activation: str
    sigma_w2: float
    sigma_b2: float
    width: int
    depth: int
    seed: int
    gradient_std_ratio: float  # measured, per layer, backward (toward the input)
    forward_q_ratio: float  # measured q at the last layer over q at the first
    predicted_gradient_std_ratio: float  # sqrt(chi1) at q*


_TORCH: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "tanh": torch.tanh,
    "relu": torch.relu,
    "gelu": torch.nn.functional.gelu,
    "silu": torch.nn.functional.silu,
    "erf": torch.erf,
    "linear": lambda x: x,
}


def gradient_ratio(
    activation: str,
    sigma_w2: float,
    sigma_b2: float = 0.0,
    *,
    width: int = 512,
    depth: int = 20,
    batch: int = 64,
    seed: int = 0,
    q_start: float | None = None,
) -> Propagation:
    """Measure the per-layer gradient std ratio of a random ``depth``-layer network at init.

    The first pre-activations are drawn N(0, q*) (``q_start`` overrides; 1 where q* is 0 or
    infinite); each layer is h_(l+1) = phi(h_l) W / sqrt(width) * sqrt(sigma_w2) + b, float64.
    """
    if depth < 2 or width < 1 or batch < 1:
        raise ValueError(f"need depth >= 2, width >= 1, batch >= 1; got {depth}, {width}, {batch}")
    phi = _TORCH[theory.activation(activation).name]
    q_fixed = theory.q_star(activation, sigma_w2, sigma_b2)
    q0 = q_start if q_start is not None else q_fixed
    if not 0 < q0 < math.inf:
        q0 = 1.0
    generator = torch.Generator().manual_seed(seed)
    h = torch.randn(batch, width, generator=generator, dtype=torch.float64) * math.sqrt(q0)
    h.requires_grad_(True)
    pre = [h]
    for _ in range(depth - 1):
        weight = torch.randn(width, width, generator=generator, dtype=torch.float64)
        bias = torch.randn(width, generator=generator, dtype=torch.float64)
        h = phi(h) @ weight * math.sqrt(sigma_w2 / width) + bias * math.sqrt(sigma_b2)
        h.retain_grad()
        pre.append(h)
    cotangent = torch.randn(batch, width, generator=generator, dtype=torch.float64)
    (h * cotangent).sum().backward()  # type: ignore[no-untyped-call]
    moments = [float(p.grad.pow(2).mean()) for p in pre if p.grad is not None]
    logs = [math.log(a / b) for a, b in itertools.pairwise(moments)]
    measured = math.exp(0.5 * sum(logs) / len(logs))
    forward = float(pre[-1].detach().pow(2).mean() / pre[0].detach().pow(2).mean())
    chi = theory.chi1(activation, sigma_w2, sigma_b2)
    return Propagation(
        activation, sigma_w2, sigma_b2, width, depth, seed, measured, forward, math.sqrt(chi)
    )


def crossing(points: list[tuple[float, float]]) -> float | None:
    """Where a measured ratio crosses 1: the sigma_w2 between the last point below 1 and the
    first at or above it, by linear interpolation of ln ratio in sigma_w2 (None: no crossing)."""
    ordered = sorted(points)
    for (x0, y0), (x1, y1) in itertools.pairwise(ordered):
        if y0 < 1.0 <= y1:
            l0, l1 = math.log(y0), math.log(y1)
            return x0 + (x1 - x0) * (0.0 - l0) / (l1 - l0)
    return None


@dataclass(frozen=True)
class CharGainRun:
    """The post's tanh MLP at one gain and depth: at init and after the post's loop."""

    gain: float
    depth: int
    seed: int
    steps: int
    gradient_std_ratio: float  # per layer, backward, at init: (first / last) ^ (1 / (depth - 1))
    final_loss: float | None  # mean of the last 50 steps; None after a NaN
    trains: bool


def char_gain_run(
    vocab: Vocabulary, splits: CharSplits, *, gain: float, depth: int, seed: int, steps: int
) -> CharGainRun:
    """The post's model with ``depth`` tanh layers of 100 at ``gain``: the per-layer gradient
    ratio on the first batch at init, then ``steps`` steps of the post's loop."""
    from initspec.experiments.char_diagnostics import BATCH_SIZE, UPDATE_LR, gain_snapshot
    from initspec.models.charmodel import build_deep_char_mlp
    from initspec.training.loop import TrainConfig, train

    snap = gain_snapshot(vocab, splits, gain=gain, batchnorm=False, seed=seed, layers=depth)
    grads = snap.column("grad_std")
    ratio = (grads[0] / grads[-1]) ** (1 / (len(grads) - 1)) if len(grads) > 1 else 1.0
    model = build_deep_char_mlp(vocab.size, layers=depth, gain=gain, seed=seed)
    config = TrainConfig(
        steps=steps, batch_size=BATCH_SIZE, lr=UPDATE_LR, momentum=0.0, data_seed=seed
    )
    result = train(model, splits.as_dataset(), config, progress=lambda step, loss: None)
    final = final_mean(result.losses)
    return CharGainRun(gain, depth, seed, steps, ratio, final, trains(final, math.log(vocab.size)))
