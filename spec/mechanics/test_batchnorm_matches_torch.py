"""initspec's BatchNorm1d, written from the lecture's description, behaves as torch.nn's.

Both layers get the same gamma and beta and the same sequence of training batches, then the
same eval batch: outputs, running statistics and every gradient must agree, for all the
shapes, momenta and epsilons hypothesis draws.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from initspec.models.norms import BatchNorm1d
from initspec.plugin.evidence import interpreted, stated
from initspec.plugin.hooks import Evidence

from .cases import property_test, record_worst

TOLERANCES = {torch.float32: (1e-5, 1e-4), torch.float64: (1e-10, 1e-10)}  # rtol, atol
# A bound this module puts on the lecture's words: its constants say what and why.
WITHIN_TOLERANCE = interpreted(
    "the words as a bound, within the tolerance this module's constants state and justify"
)
MATCHES = (
    "Batch normalization standardizes layer pre-activations by subtracting the batch mean and "
    "dividing by the batch standard deviation"
)


def present(buffer: torch.Tensor | None) -> torch.Tensor:
    """A running-statistics buffer, which a BatchNorm tracking its statistics always has."""
    assert buffer is not None, "expected the BatchNorm to track running statistics"
    return buffer


def step(bn: nn.Module, x: torch.Tensor, upstream: torch.Tensor) -> list[torch.Tensor]:
    """Forward, backward; the output and the gradients of input, gamma and beta."""
    x = x.clone().requires_grad_()
    y = bn(x)
    (y * upstream).sum().backward()
    grads = [x.grad, bn.weight.grad, bn.bias.grad]
    assert all(g is not None for g in grads)
    bn.zero_grad(set_to_none=True)
    return [y.detach(), *(g for g in grads if g is not None)]


def largest_difference(ours: list[torch.Tensor], theirs: list[torch.Tensor]) -> float:
    return max((a - b).abs().max().item() for a, b in zip(ours, theirs, strict=True))


def in_tolerances(
    ours: list[torch.Tensor], theirs: list[torch.Tensor], dtype: torch.dtype
) -> float:
    """The largest abs(ours - theirs) / (atol + rtol * abs(theirs)): at most 1 where every
    element is as close as ``torch.testing.assert_close`` asks."""
    rtol, atol = TOLERANCES[dtype]
    return max(
        ((a - b).abs() / (atol + rtol * b.abs())).max().item()
        for a, b in zip(ours, theirs, strict=True)
    )


@pytest.mark.claim("lecture.bn-standardises", "lecture.bn-running-stats")
@pytest.mark.parametrize("dtype", TOLERANCES, ids=["float32", "float64"])
@property_test
@given(
    batch=st.integers(2, 64),
    features=st.integers(1, 32),
    steps=st.integers(1, 5),
    momentum=st.floats(0.0, 1.0),
    eps=st.sampled_from([1e-5, 1e-3, 1e-1]),
    seed=st.integers(0, 2**16),
)
def test_initspec_batchnorm_matches_torch_in_train_and_eval(
    evidence: Evidence,
    seed_base: int,
    dtype: torch.dtype,
    batch: int,
    features: int,
    steps: int,
    momentum: float,
    eps: float,
    seed: int,
) -> None:
    generator = torch.Generator().manual_seed(seed_base + seed)

    def draw(*shape: int, scale: float = 1.0) -> torch.Tensor:
        return torch.randn(*shape, generator=generator, dtype=dtype) * scale

    ours = BatchNorm1d(features, eps=eps, momentum=momentum).to(dtype)
    theirs = nn.BatchNorm1d(features, eps=eps, momentum=momentum).to(dtype)
    with torch.no_grad():
        gamma, beta = draw(features) + 1, draw(features)
        for bn in (ours, theirs):
            bn.weight.copy_(gamma)
            bn.bias.copy_(beta)

    worst = {"train": 0.0, "running": 0.0, "eval": 0.0}
    scaled = {"train": 0.0, "running": 0.0, "eval": 0.0}
    for mode in ["train"] * steps + ["eval"]:
        x, upstream = (
            draw(batch, features, scale=3) + draw(features, scale=5),
            draw(batch, features),
        )
        mine = step(ours.train(mode == "train"), x, upstream)
        reference = step(theirs.train(mode == "train"), x, upstream)
        worst[mode] = max(worst[mode], largest_difference(mine, reference))
        scaled[mode] = max(scaled[mode], in_tolerances(mine, reference, dtype))
        stats = [present(ours.running_mean), present(ours.running_var)]
        reference_stats = [present(theirs.running_mean), present(theirs.running_var)]
        worst["running"] = max(worst["running"], largest_difference(stats, reference_stats))
        scaled["running"] = max(scaled["running"], in_tolerances(stats, reference_stats, dtype))
    record_worst(
        evidence,
        **{f"worst_difference_{name}_{str(dtype)[6:]}": value for name, value in worst.items()},
    )
    rtol, atol = TOLERANCES[dtype]
    for name, what in (
        ("train", "training-mode outputs and gradients"),
        ("running", "running statistics"),
        ("eval", "eval-mode outputs and gradients"),
    ):
        evidence.check(
            f"{what}: largest difference from torch.nn.BatchNorm1d, in units of "
            f"{atol:g} + {rtol:g} * abs(torch's value)",
            scaled[name],
            comparison="<=",
            bound=1.0,
            document=MATCHES,
            reading=WITHIN_TOLERANCE,
        )
    evidence.check(
        "batches tracked by initspec's layer equal torch's and the training steps",
        int(present(ours.num_batches_tracked)) == int(present(theirs.num_batches_tracked)) == steps,
        comparison="==",
        bound=True,
        document=MATCHES,
        reading=stated(),
    )


@pytest.mark.claim("lecture.bn-running-stats")
def test_state_dicts_load_across_the_two_implementations(evidence: Evidence) -> None:
    theirs = nn.BatchNorm1d(5)
    theirs(torch.randn(8, 5, generator=torch.Generator().manual_seed(0)))
    ours = BatchNorm1d(5)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    back = nn.BatchNorm1d(5)
    back.load_state_dict(ours.state_dict(), strict=True)
    survived = all(
        torch.equal(back.state_dict()[name], value) for name, value in theirs.state_dict().items()
    )
    evidence.record(state_dict_keys=sorted(theirs.state_dict()))
    evidence.check(
        "torch's state dict (gamma, beta, running statistics) survives a round trip through "
        "initspec's layer",
        survived,
        comparison="==",
        bound=True,
        document="running mean and running variance",
        reading=stated(),
    )
