"""BatchNorm's gamma and beta are parameters; its running statistics are buffers."""

from __future__ import annotations

import pytest
import torch

from initspec.models import build_mlp, count_parameters
from initspec.pytest_plugin import Evidence

from .cases import BATCHNORMS

RUNNING = {"running_mean", "running_var"}


@pytest.mark.claim("lecture.bn-params-vs-buffers")
@pytest.mark.parametrize("impl", BATCHNORMS)
def test_gamma_and_beta_are_parameters_running_stats_are_buffers(
    evidence: Evidence, impl: str
) -> None:
    bn = BATCHNORMS[impl](8)
    parameters = dict(bn.named_parameters())
    buffers = dict(bn.named_buffers())
    evidence.record(parameters=sorted(parameters), buffers=sorted(buffers))
    assert set(parameters) == {"weight", "bias"}, f"expected gamma, beta; got {sorted(parameters)}"
    assert set(buffers) >= RUNNING, f"expected the running statistics; got {sorted(buffers)}"
    parameter_ids = {id(p) for p in bn.parameters()}
    assert not any(id(buffers[name]) in parameter_ids for name in RUNNING), (
        "a running statistic is among parameters()"
    )
    assert not any(buffers[name].requires_grad for name in RUNNING), "a buffer requires grad"
    assert set(bn.state_dict()) >= set(parameters) | RUNNING, "state_dict lacks one of them"


@pytest.mark.claim("lecture.bn-params-vs-buffers")
@pytest.mark.parametrize("impl", BATCHNORMS)
def test_the_optimizer_moves_gamma_and_beta_and_never_the_running_stats(impl: str) -> None:
    bn = BATCHNORMS[impl](8)
    optimizer = torch.optim.SGD(bn.parameters(), lr=0.5)
    x = torch.randn(16, 8, generator=torch.Generator().manual_seed(0)) * 2 + 1
    target = torch.randn(16, 8, generator=torch.Generator().manual_seed(1))
    bn.train()
    (bn(x) - target).pow(2).mean().backward()  # type: ignore[no-untyped-call]
    after_forward = {name: bn.get_buffer(name).clone() for name in RUNNING}
    gamma, beta = bn.weight.detach().clone(), bn.bias.detach().clone()
    optimizer.step()
    assert not torch.equal(bn.weight, gamma) and not torch.equal(bn.bias, beta), (
        "the optimizer step left gamma and beta unchanged"
    )
    for name in RUNNING:
        assert bn.get_buffer(name).grad is None, f"{name} received a gradient"
        assert torch.equal(bn.get_buffer(name), after_forward[name]), f"the step changed {name}"


@pytest.mark.claim("lecture.bn-params-vs-buffers")
def test_a_model_counts_gamma_and_beta_but_not_the_running_stats(evidence: Evidence) -> None:
    plain = build_mlp(depth=3, width=16, in_dim=8, out_dim=2)
    normed = build_mlp(depth=3, width=16, in_dim=8, out_dim=2, norm="batchnorm")
    extra = count_parameters(normed) - count_parameters(plain)
    evidence.record(parameters_without_bn=count_parameters(plain), with_bn=count_parameters(normed))
    # Two hidden BatchNorms of 16 features: gamma and beta each, no running statistics.
    assert extra == 2 * 2 * 16, f"expected 64 extra parameters (gamma, beta), counted {extra}"
