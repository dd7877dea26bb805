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

from initspec.data.toy import Dataset, toy_data
from initspec.models.charmodel import build_char_mlp
from initspec.models.mlp import build_mlp
from initspec.plugin.evidence import interpreted, stated
from initspec.plugin.hooks import Evidence
from initspec.training.loop import evaluate

DOCUMENT = (
    "Evaluation code runs inside a no-gradient context ... so validation and sampling forward "
    "passes do not build or retain autograd graphs"
)
BOOKKEEPING = (
    "Ensures correct gradient bookkeeping (no accidental gradient accumulation during evaluation)."
)


@dataclass(frozen=True)
class EvalCase:
    name: str
    model: Callable[[int], nn.Module]  # weight seed -> model
    data: Callable[[int], Dataset]  # data seed -> data


def char_data(seed: int) -> Dataset:
    generator = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 27, (600, 3), generator=generator)
    y = torch.randint(0, 27, (600,), generator=generator)
    return Dataset(x[:500], y[:500], x[500:], y[500:])


CASES = [
    EvalCase(
        "mlp-relu",
        lambda seed: build_mlp(depth=4, width=256, in_dim=256, out_dim=2, seed=seed),
        toy_data,
    ),
    EvalCase(
        "mlp-tanh-batchnorm",
        lambda seed: build_mlp(
            depth=4,
            width=256,
            in_dim=256,
            out_dim=2,
            activation="tanh",
            norm="batchnorm",
            seed=seed,
        ),
        toy_data,
    ),
    EvalCase(
        "char-mlp",
        lambda seed: build_char_mlp(27, init="hidden-fix", batchnorm=True, seed=seed),
        char_data,
    ),
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
    evidence: Evidence, seed_base: int, case: EvalCase
) -> None:
    model = case.model(seed_base).eval()
    x = case.data(seed_base).x_val
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
    # The contrast the claim needs: the ordinary forward pass does build a graph.
    assert with_graph.output.grad_fn is not None and with_graph.saved_activation_bytes > 0, (
        "expected the ordinary forward pass to build a graph (the contrast)"
    )
    evidence.check(
        "the output under no_grad has no grad_fn and does not require grad",
        not without.output.requires_grad and without.output.grad_fn is None,
        comparison="==",
        bound=True,
        document=DOCUMENT,
        reading=stated(),
    )
    evidence.check(
        "bytes saved for backward under no_grad",
        without.saved_bytes,
        comparison="==",
        bound=0,
        document="Reduces memory overhead.",
        unit="bytes",
        reading=interpreted(
            "the words as a bound, within the tolerance this module's constants state and justify"
        ),
    )
    evidence.check(
        "the output under no_grad equals the ordinary forward pass's",
        torch.equal(without.output, with_graph.output.detach()),
        comparison="==",
        bound=True,
        document=DOCUMENT,
        reading=stated(),
    )


@pytest.mark.claim("lecture.no-grad-eval")
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_evaluation_leaves_parameter_gradients_untouched(
    evidence: Evidence, seed_base: int, case: EvalCase
) -> None:
    model, data = case.model(seed_base).train(), case.data(seed_base)
    F.cross_entropy(model(data.x_train[:64]), data.y_train[:64]).backward()  # type: ignore[no-untyped-call]
    grads = {name: p.grad for name, p in model.named_parameters()}
    before = {name: g.clone() for name, g in grads.items() if g is not None}
    assert before, "the training step produced no gradients"

    evaluate(model, data)  # initspec's evaluation runs under no_grad
    with torch.no_grad():
        loss = F.cross_entropy(model.eval()(data.x_val), data.y_val)
    same_tensors = all(p.grad is grads[name] for name, p in model.named_parameters())
    same_values = all(
        (p.grad is not None and torch.equal(p.grad, before[name]))
        if name in before
        else p.grad is None
        for name, p in model.named_parameters()
    )
    try:
        loss.backward()  # type: ignore[no-untyped-call]
        backward_refused = False
    except RuntimeError as error:
        backward_refused = "does not require grad" in str(error)
    evidence.check(
        "every parameter's .grad is the same tensor after evaluation",
        same_tensors,
        comparison="==",
        bound=True,
        document=BOOKKEEPING,
        reading=stated(),
    )
    evidence.check(
        "every parameter's gradient values are unchanged by evaluation",
        same_values,
        comparison="==",
        bound=True,
        document=BOOKKEEPING,
        reading=stated(),
    )
    evidence.check(
        "a loss computed under no_grad cannot be backpropagated",
        backward_refused,
        comparison="==",
        bound=True,
        document=BOOKKEEPING,
        reading=stated(),
    )
