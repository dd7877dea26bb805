"""Evaluation under torch.no_grad: no graph, nothing kept for backward, gradients untouched.

Memory is measured as what autograd would keep alive after the forward pass: the tensors it
saves for the backward pass, counted by a saved-tensors hook.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from initspec.charmodel import build_char_mlp
from initspec.data import Dataset, toy_data
from initspec.models import build_mlp
from initspec.pytest_plugin import Evidence
from initspec.train import evaluate


@dataclass(frozen=True)
class EvalCase:
    name: str
    model: Callable[[], nn.Module]
    data: Callable[[], Dataset]


def char_data() -> Dataset:
    generator = torch.Generator().manual_seed(0)
    x = torch.randint(0, 27, (600, 3), generator=generator)
    y = torch.randint(0, 27, (600,), generator=generator)
    return Dataset(x[:500], y[:500], x[500:], y[500:])


CASES = [
    EvalCase("mlp-relu", lambda: build_mlp(depth=4, width=256, in_dim=256, out_dim=2), toy_data),
    EvalCase(
        "mlp-tanh-batchnorm",
        lambda: build_mlp(
            depth=4, width=256, in_dim=256, out_dim=2, activation="tanh", norm="batchnorm"
        ),
        toy_data,
    ),
    EvalCase("char-mlp", lambda: build_char_mlp(27, init="hidden-fix", batchnorm=True), char_data),
]


@dataclass(frozen=True)
class Forward:
    output: torch.Tensor
    saved_tensors: int
    saved_bytes: int
    saved_activation_bytes: int  # not counting saved parameters, which exist anyway


def forward_counting_saved_tensors(model: nn.Module, x: torch.Tensor, grad: bool) -> Forward:
    saved: list[torch.Tensor] = []

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        saved.append(tensor)
        return tensor

    hooks = torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor)
    with hooks, torch.set_grad_enabled(grad):
        output = model(x)
    parameters = {p.untyped_storage().data_ptr() for p in model.parameters()}
    sizes = [(t.numel() * t.element_size(), t.untyped_storage().data_ptr()) for t in saved]
    activations = sum(size for size, storage in sizes if storage not in parameters)
    return Forward(output, len(saved), sum(size for size, _ in sizes), activations)


@pytest.mark.claim("lecture.no-grad-eval")
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_no_grad_builds_no_graph_and_keeps_nothing_for_backward(
    evidence: Evidence, case: EvalCase
) -> None:
    model = case.model().eval()
    x = case.data().x_val
    with_graph = forward_counting_saved_tensors(model, x, grad=True)
    without = forward_counting_saved_tensors(model, x, grad=False)
    evidence.record(
        batch=int(x.shape[0]),
        saved_tensors_with_grad=with_graph.saved_tensors,
        saved_bytes_with_grad=with_graph.saved_bytes,
        saved_activation_bytes_with_grad=with_graph.saved_activation_bytes,
        saved_tensors_no_grad=without.saved_tensors,
        saved_bytes_no_grad=without.saved_bytes,
    )
    assert with_graph.output.grad_fn is not None and with_graph.saved_activation_bytes > 0, (
        "expected the ordinary forward pass to build a graph (the contrast)"
    )
    assert not without.output.requires_grad and without.output.grad_fn is None, (
        f"under no_grad: requires_grad={without.output.requires_grad}, "
        f"grad_fn={without.output.grad_fn}"
    )
    assert without.saved_bytes == 0, (
        f"expected nothing saved for backward under no_grad, {without.saved_bytes} bytes were "
        f"(vs {with_graph.saved_bytes} with grad)"
    )
    assert torch.equal(without.output, with_graph.output.detach()), "no_grad changed the output"


@pytest.mark.claim("lecture.no-grad-eval")
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_evaluation_leaves_parameter_gradients_untouched(case: EvalCase) -> None:
    model, data = case.model().train(), case.data()
    F.cross_entropy(model(data.x_train[:64]), data.y_train[:64]).backward()  # type: ignore[no-untyped-call]
    grads = {name: p.grad for name, p in model.named_parameters()}
    before = {name: g.clone() for name, g in grads.items() if g is not None}
    assert before, "the training step produced no gradients"

    evaluate(model, data)  # initspec's evaluation runs under no_grad
    with torch.no_grad():
        loss = F.cross_entropy(model.eval()(data.x_val), data.y_val)
    for name, p in model.named_parameters():
        assert p.grad is grads[name], f"{name}.grad was replaced"
        if p.grad is not None:
            assert torch.equal(p.grad, before[name]), f"{name}.grad changed during evaluation"
    with pytest.raises(RuntimeError, match="does not require grad"):
        loss.backward()  # type: ignore[no-untyped-call]
