"""Block B: the 50-block model, its size, its norm, its GeLU gain and its training step."""

from __future__ import annotations

import pytest
import torch

from initspec.blocks import build_deep_mlp
from initspec.data import toy_data
from initspec.fast import LAYER1, train_deep
from initspec.gains import DOCUMENT_GELU_GAIN, gelu_gain, second_moment_gain
from initspec.models import count_parameters, parameter_bytes
from initspec.norms import RMSNorm
from initspec.throughput import flops_per_step
from initspec.train import TrainConfig, train

MIB = 2**20


@pytest.mark.claim("lab03.param-count")
def test_fifty_block_model_size(evidence) -> None:
    model = build_deep_mlp(0)
    params, size = count_parameters(model), parameter_bytes(model) / MIB
    weights_only = 50 * 2 * 256 * 1024
    evidence.record(
        parameters=params,
        parameter_mib_float32=size,
        block_linear_weights=weights_only,
        document_parameters=13e6,
        document_mib=50,
        flops_per_step_batch_64=flops_per_step(model, 64),
    )
    # "~13M" read generously: within 25%; "~50 MiB" likewise.
    assert abs(params - 13e6) <= 0.25 * 13e6, f"document: ~13M parameters; counted {params:,}"
    assert abs(size - 50) <= 0.25 * 50, f"document: ~50 MiB; measured {size:.1f} MiB (float32)"


@pytest.mark.claim("lab03.gelu-gain")
def test_gelu_gain_is_about_1_7(evidence) -> None:
    measured = gelu_gain()
    z = torch.randn(2_000_000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    # Two other readings of "effective gain": from the backward second moment, 1/sqrt(E[phi'^2]),
    # and from the output's variance (mean removed) instead of its second moment, 1/std(phi).
    slope = torch.ops.aten.gelu_backward(torch.ones_like(z), z)
    backward_gain = float(1 / slope.pow(2).mean().sqrt())
    variance_gain = float(1 / torch.nn.functional.gelu(z).std())
    relu_variance_gain = float(1 / torch.relu(z).std())
    evidence.record(
        document_gain=DOCUMENT_GELU_GAIN,
        second_moment_gain=measured,
        backward_second_moment_gain=backward_gain,
        variance_gain=variance_gain,
        relu_second_moment_gain=second_moment_gain("relu"),
        relu_variance_gain=relu_variance_gain,
    )
    if abs(variance_gain - DOCUMENT_GELU_GAIN) < 0.05:
        evidence.condition(
            f"1.7 is 1/std(gelu(z)) = {variance_gain:.3f}, the gain from the output's variance "
            f"with its mean removed; the second-moment gain that Kaiming init uses is "
            f"{measured:.3f} (the same variance rule would give ReLU {relu_variance_gain:.3f}, "
            "not sqrt 2)"
        )
    # "~1.7": a reading that rounds to 1.7 at one decimal.
    assert abs(measured - DOCUMENT_GELU_GAIN) < 0.05, (
        f"document: GeLU gain ~{DOCUMENT_GELU_GAIN}; measured second-moment gain {measured:.4f}"
    )


def test_rmsnorm_matches_torch() -> None:
    torch.manual_seed(0)
    ours, theirs = RMSNorm(256), torch.nn.RMSNorm(256, eps=1e-6)
    with torch.no_grad():
        ours.weight.normal_()
        theirs.weight.copy_(ours.weight)
    x = torch.randn(64, 256) * 3
    torch.testing.assert_close(ours(x), theirs(x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "options",
    [
        {"residual": True},
        {"residual": False},
        {"residual": False, "norm": "pre-chain"},
        {"residual": True, "norm": "none"},
    ],
    ids=["residual", "plain", "plain-pre-chain", "residual-no-norm"],
)
def test_hand_written_step_matches_autograd(options: dict[str, object]) -> None:
    """The fast trainer and the autograd trainer give the same losses, gradients and weights."""
    data, config = toy_data(0), TrainConfig(steps=4)
    reference, fast = build_deep_mlp(7, depth=3, **options), build_deep_mlp(7, depth=3, **options)
    probe = {"g": lambda m: float(m.layer1.weight.grad.norm())}
    expected = train(reference, data, config, probes=probe)
    got = train_deep(fast, data, config)
    assert got.losses == pytest.approx(expected.losses, rel=1e-5, abs=1e-6)
    norms = [v for _, v in got.probes[LAYER1]]
    assert norms == pytest.approx([v for _, v in expected.probes["g"]], rel=1e-4)
    for (name, p), q in zip(reference.named_parameters(), fast.parameters(), strict=True):
        torch.testing.assert_close(q, p, rtol=1e-4, atol=1e-6, msg=f"parameter {name} differs")
