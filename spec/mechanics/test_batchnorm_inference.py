"""BatchNorm at inference: running statistics, kept by EMA outside the graph, used in eval.

The layer-level properties are checked on initspec's and torch's BatchNorm1d; the last test
trains the lecture's character MLP with BatchNorm and compares its running statistics with
a calibration pass over the whole training set.
"""

from __future__ import annotations

import copy

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from initspec.charmodel import CharMLP
from initspec.norms import BatchNorm1d
from initspec.pytest_plugin import Evidence
from initspec.train import evaluate

from .cases import BATCHNORMS, CHAR_BN_CONFIG, CharBatchNormRuns, property_test, record_worst


def draw_batches(count: int, batch: int, features: int, seed: int) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    shift = torch.randn(features, generator=generator, dtype=torch.float64) * 5
    return [
        torch.randn(batch, features, generator=generator, dtype=torch.float64) * 3 + shift
        for _ in range(count)
    ]


@pytest.mark.claim("lecture.bn-running-stats")
@pytest.mark.parametrize("impl", BATCHNORMS)
@property_test
@given(
    count=st.integers(1, 8),
    batch=st.integers(2, 64),
    features=st.integers(1, 16),
    momentum=st.floats(0.01, 1.0),
    seed=st.integers(0, 2**16),
)
def test_running_statistics_are_an_ema_kept_outside_the_graph(
    evidence: Evidence,
    impl: str,
    count: int,
    batch: int,
    features: int,
    momentum: float,
    seed: int,
) -> None:
    bn = BATCHNORMS[impl](features, momentum=momentum).double().train()
    mean = torch.zeros(features, dtype=torch.float64)
    var = torch.ones(features, dtype=torch.float64)
    for x in draw_batches(count, batch, features, seed):
        x.requires_grad_()
        bn(x).sum().backward()  # type: ignore[no-untyped-call]
        detached = x.detach()
        mean = (1 - momentum) * mean + momentum * detached.mean(dim=0)
        var = (1 - momentum) * var + momentum * detached.var(dim=0, unbiased=True)
        for name in ("running_mean", "running_var"):
            buffer = getattr(bn, name)
            assert not buffer.requires_grad and buffer.grad_fn is None and buffer.grad is None, (
                f"{name} is part of the autograd graph"
            )
    error = max(
        ((bn.running_mean - mean).abs() / (mean.abs() + 1)).max().item(),
        ((bn.running_var - var).abs() / var).max().item(),
    )
    record_worst(evidence, worst_relative_error_vs_ema=error)
    assert error <= 1e-9, f"running stats differ from the EMA of batch statistics by {error:.3g}"


@pytest.mark.claim("lecture.bn-running-stats")
@pytest.mark.parametrize("impl", BATCHNORMS)
@property_test
@given(batch=st.integers(2, 64), features=st.integers(1, 16), seed=st.integers(0, 2**16))
def test_eval_normalises_single_examples_with_the_running_statistics(
    evidence: Evidence, impl: str, batch: int, features: int, seed: int
) -> None:
    bn = BATCHNORMS[impl](features).double().train()
    for x in draw_batches(3, batch, features, seed):
        bn(x)
    with torch.no_grad():
        bn.weight.normal_(generator=torch.Generator().manual_seed(seed))
        bn.bias.normal_(generator=torch.Generator().manual_seed(seed + 1))
    bn.eval()
    stats = (bn.running_mean.clone(), bn.running_var.clone())
    x = draw_batches(1, batch, features, seed + 2)[0]
    expected = (x - stats[0]) / torch.sqrt(stats[1] + bn.eps) * bn.weight + bn.bias
    together = bn(x).detach()
    alone = torch.cat([bn(x[i : i + 1]).detach() for i in range(batch)])
    formula_error = (together - expected).abs().max().item()
    batch_dependence = (together - alone).abs().max().item()
    record_worst(
        evidence,
        worst_error_vs_running_formula=formula_error,
        worst_alone_vs_batch=batch_dependence,
    )
    assert formula_error <= 1e-12, f"eval output is not the running-stats formula: {formula_error}"
    assert batch_dependence <= 1e-12, (
        f"an example alone differs from in a batch by {batch_dependence}"
    )
    assert torch.equal(bn(x[:1]), bn(x[:1])), "the same example gave two outputs"
    assert torch.equal(bn.running_mean, stats[0]) and torch.equal(bn.running_var, stats[1]), (
        "eval changed the running statistics"
    )


@pytest.mark.claim("lecture.bn-running-stats")
@pytest.mark.parametrize("impl", BATCHNORMS)
def test_training_mode_cannot_normalise_a_single_example(impl: str) -> None:
    # Why the running statistics exist: a batch of one has no variance to divide by.
    with pytest.raises(ValueError, match=r"more than (one|1)"):
        BATCHNORMS[impl](4).train()(torch.randn(1, 4, generator=torch.Generator().manual_seed(0)))


def calibrated(model: CharMLP, x_train: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The lecture's calibration pass: the hidden pre-activations' mean and (unbiased)
    variance over the whole training set, with the trained weights."""
    with torch.no_grad():
        pre = model.hidden(model.embedding(x_train).flatten(start_dim=1))
    return pre.mean(dim=0), pre.var(dim=0, unbiased=True)


@pytest.mark.claim("lecture.bn-running-stats")
def test_running_statistics_are_close_to_a_calibration_pass(
    evidence: Evidence, char_batchnorm_runs: CharBatchNormRuns
) -> None:
    data = char_batchnorm_runs.data
    mean_gaps, var_ratios, loss_gaps, figures = [], [], [], []
    for run in char_batchnorm_runs.runs:
        bn = run.model.norm
        assert isinstance(bn, BatchNorm1d)
        mean, var = calibrated(run.model, data.x_train)
        # Distance of the running mean from the calibrated one, in calibrated stds.
        gap = ((bn.running_mean - mean).abs() / var.sqrt()).median().item()
        ratio = (bn.running_var / var).median().item()
        running_loss = evaluate(run.model, data)[0]
        calibrated_model = copy.deepcopy(run.model)
        calibrated_bn = calibrated_model.norm
        assert isinstance(calibrated_bn, BatchNorm1d)
        calibrated_bn.running_mean.copy_(mean)
        calibrated_bn.running_var.copy_(var)
        calibrated_loss = evaluate(calibrated_model, data)[0]
        assert running_loss is not None and calibrated_loss is not None
        mean_gaps.append(gap)
        var_ratios.append(ratio)
        loss_gaps.append(abs(running_loss - calibrated_loss) / calibrated_loss)
        figures.append({"val_loss_running": running_loss, "val_loss_calibrated": calibrated_loss})
    held = sum(
        gap < 0.1 and loss_gap < 0.01 for gap, loss_gap in zip(mean_gaps, loss_gaps, strict=True)
    )
    evidence.record(
        steps=CHAR_BN_CONFIG.steps,
        median_mean_gap_in_stds=mean_gaps,
        median_running_over_calibrated_var=var_ratios,
        val_loss_relative_gap=loss_gaps,
        val_losses=figures,
        max_val_loss_relative_gap=max(loss_gaps),
    )
    evidence.seeds(run=len(loss_gaps), held=held)
    assert held == len(loss_gaps), (
        f"expected the running statistics within 0.1 std (median) of a calibration pass and the "
        f"val loss within 1%, measured gaps {mean_gaps} stds and {loss_gaps} relative"
    )
