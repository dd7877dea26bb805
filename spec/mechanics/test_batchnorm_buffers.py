"""BatchNorm's gamma and beta are parameters; its running statistics are buffers."""

from __future__ import annotations

import pytest
import torch

from initspec.models.mlp import build_mlp, count_parameters
from initspec.plugin.evidence import interpreted, stated
from initspec.plugin.hooks import Evidence

from .cases import BATCHNORMS

RUNNING = {"running_mean", "running_var"}
DOCUMENT = (
    "PyTorch distinguishes trainable parameters (gamma/beta) from buffers (running "
    "mean/variance) to reflect that running statistics are updated outside gradient-based "
    "optimization and should not be included in parameter gradient updates."
)


@pytest.mark.claim("lecture.bn-params-vs-buffers")
@pytest.mark.parametrize("impl", BATCHNORMS)
def test_gamma_and_beta_are_parameters_running_stats_are_buffers(
    evidence: Evidence, impl: str
) -> None:
    bn = BATCHNORMS[impl](8)
    parameters = dict(bn.named_parameters())
    buffers = dict(bn.named_buffers())
    parameter_ids = {id(p) for p in bn.parameters()}
    evidence.record(parameters=sorted(parameters), buffers=sorted(buffers))
    evidence.check(
        "the parameters are exactly gamma (weight) and beta (bias)",
        set(parameters) == {"weight", "bias"},
        comparison="==",
        bound=True,
        document=DOCUMENT,
        reading=stated(),
    )
    evidence.check(
        "the running mean and variance are buffers",
        set(buffers) >= RUNNING,
        comparison="==",
        bound=True,
        document=DOCUMENT,
        reading=stated(),
    )
    evidence.check(
        "no running statistic is among parameters()",
        not any(id(buffers[name]) in parameter_ids for name in RUNNING),
        comparison="==",
        bound=True,
        document=DOCUMENT,
        reading=stated(),
    )
    evidence.check(
        "no running statistic requires grad",
        not any(buffers[name].requires_grad for name in RUNNING),
        comparison="==",
        bound=True,
        document=DOCUMENT,
        reading=stated(),
    )
    evidence.check(
        "the state dict holds gamma, beta and the running statistics",
        set(bn.state_dict()) >= set(parameters) | RUNNING,
        comparison="==",
        bound=True,
        document=DOCUMENT,
        reading=stated(),
    )


@pytest.mark.claim("lecture.bn-params-vs-buffers")
@pytest.mark.parametrize("impl", BATCHNORMS)
def test_the_optimizer_moves_gamma_and_beta_and_never_the_running_stats(
    evidence: Evidence, seed_base: int, impl: str
) -> None:
    bn = BATCHNORMS[impl](8)
    optimizer = torch.optim.SGD(bn.parameters(), lr=0.5)
    x = torch.randn(16, 8, generator=torch.Generator().manual_seed(seed_base)) * 2 + 1
    target = torch.randn(16, 8, generator=torch.Generator().manual_seed(seed_base + 1))
    bn.train()
    (bn(x) - target).pow(2).mean().backward()
    after_forward = {name: bn.get_buffer(name).clone() for name in RUNNING}
    weight, bias = bn.get_parameter("weight"), bn.get_parameter("bias")
    gamma, beta = weight.detach().clone(), bias.detach().clone()
    optimizer.step()
    evidence.check(
        "an optimizer step on parameters() moves gamma and beta",
        not torch.equal(weight, gamma) and not torch.equal(bias, beta),
        comparison="==",
        bound=True,
        document=DOCUMENT,
        reading=stated(),
    )
    evidence.check(
        "the running statistics receive no gradient",
        all(bn.get_buffer(name).grad is None for name in RUNNING),
        comparison="==",
        bound=True,
        document=DOCUMENT,
        reading=stated(),
    )
    evidence.check(
        "the optimizer step leaves the running statistics as the forward pass left them",
        all(torch.equal(bn.get_buffer(name), after_forward[name]) for name in RUNNING),
        comparison="==",
        bound=True,
        document=DOCUMENT,
        reading=stated(),
    )


@pytest.mark.claim("lecture.bn-params-vs-buffers")
def test_a_model_counts_gamma_and_beta_but_not_the_running_stats(evidence: Evidence) -> None:
    plain = build_mlp(depth=3, width=16, in_dim=8, out_dim=2)
    normed = build_mlp(depth=3, width=16, in_dim=8, out_dim=2, norm="batchnorm")
    evidence.record(parameters_without_bn=count_parameters(plain), with_bn=count_parameters(normed))
    # Two hidden BatchNorms of 16 features: gamma and beta each, no running statistics.
    evidence.check(
        "parameters added by two BatchNorms of 16 features (gamma and beta: 2 x 2 x 16)",
        count_parameters(normed) - count_parameters(plain),
        comparison="==",
        bound=2 * 2 * 16,
        document=DOCUMENT,
        reading=interpreted(
            "the words as a bound, within the tolerance this module's constants state and justify"
        ),
    )
