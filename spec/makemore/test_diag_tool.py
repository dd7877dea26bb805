"""The diagnostics themselves: they find the problem layers, and they work on any nn.Module.

The lecture's claim is that per-layer activation and gradient statistics, saturation and the
grad:data / update:data ratios show where gradients vanish or explode. Here the diagnostics
read the post's gain-0.5, gain-3.0 and BatchNorm models and must flag the first two and not the
third; then they are pointed at models that are not character models at all (a conv net, the
lab-01 ReLU MLP, a GELU + LayerNorm MLP) and must record every activation layer, change
nothing, and leave no hook behind once detached.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from initspec.claims.registry import CLAIMS
from initspec.data.corpus import CharSplits, Vocabulary
from initspec.data.toy import toy_data
from initspec.experiments.char_diagnostics import gain_snapshot
from initspec.models.mlp import build_mlp
from initspec.plotting.diagnostics import (
    plot_activation_histograms,
    plot_gradient_histograms,
    plot_saturation_map,
    plot_update_ratios,
)
from initspec.plugin.evidence import Evidence, interpreted
from initspec.training.diagnostics import (
    Diagnostics,
    find_problems,
    hook_count,
    measured_update_ratios,
    update_ratios,
    weight_parameters,
)

RECORDING = "Easy recording of forward activations ... Access to backward gradients"
# The lecture lists what a diagnostic suite shows; initspec's Diagnostics is that suite, and
# each criterion checks that it shows it, on any model, without changing the model it watches.
TOOL = interpreted(
    "the lecture's diagnostic suite as initspec's Diagnostics: it records what the lecture "
    "lists, on any nn.Module, and leaves the model's outputs and gradients unchanged"
)
SMALL = CLAIMS["blog.gain-too-small"].value("gain")
LARGE = CLAIMS["blog.gain-too-large"].value("gain")
FIVE_THIRDS = CLAIMS["blog.gain-five-thirds"].value("gain")
SEEDS = tuple(range(10))  # one forward and backward pass at init each: cheap in every tier

# (gain, batchnorm) -> the problems the diagnostics must report, and those they must not.
FLAG_CASES = {
    "gain-0.5": (SMALL, False, {"activations shrink", "gradients vanish"}, {"saturated"}),
    "gain-3.0": (LARGE, False, {"saturated"}, {"activations shrink"}),
    "gain-5/3+batchnorm": (FIVE_THIRDS, True, set(), {"saturated", "activations shrink"}),
}


@pytest.mark.claim("lecture.diagnostics")
@pytest.mark.parametrize("case", list(FLAG_CASES), ids=list(FLAG_CASES))
def test_diagnostics_flag_the_problem_layers(
    case: str, seed_base: int, char_data: tuple[Vocabulary, CharSplits], evidence: Evidence
) -> None:
    """The post's 5-layer tanh models at init, every seed: the diagnostics report the problems
    the case has and none of those it has not."""
    gain, batchnorm, expected, absent = FLAG_CASES[case]
    vocab, splits = char_data
    per_seed, flags = [], []
    for seed in (seed_base + s for s in SEEDS):
        snap = gain_snapshot(vocab, splits, gain=gain, batchnorm=batchnorm, seed=seed)
        findings = find_problems(snap.stats)
        problems = {finding.problem for finding in findings}
        per_seed.append(
            {
                "seed": seed,
                "findings": [finding.as_dict() for finding in findings],
                "activation_std": snap.column("std"),
                "gradient_std": snap.column("grad_std"),
                "saturation": snap.column("saturation"),
                "grad_data_ratios": snap.grad_data,
            }
        )
        flags.append(expected <= problems and not (absent & problems))
    evidence.record(per_seed=per_seed, expected=sorted(expected), absent=sorted(absent))
    evidence.check_all(
        f"reports {sorted(expected)} and none of {sorted(absent)}",
        flags,
        document="Visibility into where gradients vanish or explode",
        reading=TOOL,
    )


def conv_net() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)  # the layers' default init draws from the global generator
    generator = torch.Generator().manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1), nn.Tanh(),
        nn.Flatten(), nn.Linear(4 * 8 * 8, 3),
    )  # fmt: skip
    x = torch.randn(16, 1, 8, 8, generator=generator)
    return model, x, torch.randint(0, 3, (16,), generator=generator)


def lab01_mlp() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    data = toy_data(seed=0)
    model = build_mlp(depth=12, width=256, in_dim=256, out_dim=2, activation="relu", seed=0)
    return model, data.x_train[:64], data.y_train[:64]


class GeluBlock(nn.Module):
    """A residual GELU block with LayerNorm: an architecture the char models never use."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.fc = nn.Linear(width, width)
        self.act = nn.GELU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = x + self.act(self.fc(self.norm(x)))
        return out


def gelu_resnet() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 32), *[GeluBlock(32) for _ in range(3)], nn.Linear(32, 4))
    generator = torch.Generator().manual_seed(1)
    return (
        model,
        torch.randn(8, 10, generator=generator),
        torch.randint(0, 4, (8,), generator=generator),
    )


class BasicBlock(nn.Module):
    """A ResNet basic block that, like torchvision's, calls one ReLU module twice."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        result: torch.Tensor = self.relu(out + x)
        return result


def resnet_blocks() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), BasicBlock(4), BasicBlock(4), nn.Flatten(), nn.Linear(256, 3)
    )
    generator = torch.Generator().manual_seed(2)
    x = torch.randn(8, 1, 8, 8, generator=generator)
    return model, x, torch.randint(0, 3, (8,), generator=generator)


# name -> (builder, activation outputs recorded per forward pass)
USER_MODELS: dict[str, tuple[Callable[[], tuple[nn.Module, torch.Tensor, torch.Tensor]], int]] = {
    "conv-net": (conv_net, 2),
    "lab01-relu-mlp": (lab01_mlp, 11),
    "gelu-layernorm-resnet": (gelu_resnet, 3),
    "resnet-blocks-reusing-one-relu": (resnet_blocks, 4),
}


def forward_backward(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
    model.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(x), y)
    loss.backward()  # type: ignore[no-untyped-call]
    grads = {name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None}
    return {"loss": loss.detach(), **grads}


@pytest.mark.claim("lecture.diagnostics")
@pytest.mark.parametrize("name", list(USER_MODELS), ids=list(USER_MODELS))
def test_diagnostics_work_on_any_module_and_detach_completely(
    name: str, evidence: Evidence
) -> None:
    """Any nn.Module: every activation output recorded with its gradient, the model's outputs
    and gradients unchanged while attached and after detach, and no hook left behind."""
    build, recorded = USER_MODELS[name]
    model, x, y = build()
    reference = forward_backward(model, x, y)
    diag = Diagnostics(model).attach()
    watched = len(diag.watched())
    hooks_attached = hook_count(model)
    observed = forward_backward(model, x, y)
    stats = diag.layer_stats()
    diag.detach()
    before = dict(diag.outputs)
    after = forward_backward(model, x, y)
    evidence.record(
        watched_layers=watched,
        hooks_while_attached=hooks_attached,
        hooks_after_detach=hook_count(model),
        layers=[layer.as_dict() for layer in stats],
    )
    assert all(math.isfinite(layer.std) for layer in stats), "a statistic is not finite"
    document = RECORDING
    evidence.check(
        "activation outputs recorded",
        len(stats),
        comparison="==",
        bound=recorded,
        document=document,
        reading=TOOL,
    )
    evidence.check(
        "every recorded layer got its gradient",
        all(layer.grad_std is not None for layer in stats),
        comparison="==",
        bound=True,
        document=document,
        reading=TOOL,
    )
    evidence.check(
        "outputs and gradients unchanged while attached",
        all(torch.equal(value, observed[key]) for key, value in reference.items()),
        comparison="==",
        bound=True,
        document=document,
        reading=TOOL,
    )
    evidence.check(
        "outputs and gradients unchanged after detach",
        all(torch.equal(value, after[key]) for key, value in reference.items()),
        comparison="==",
        bound=True,
        document=document,
        reading=TOOL,
    )
    evidence.check(
        "hooks left after detach",
        hook_count(model),
        comparison="==",
        bound=0,
        document=document,
        reading=TOOL,
    )
    evidence.check(
        "detached hooks record nothing",
        all(diag.outputs[k] is v for k, v in before.items()),
        comparison="==",
        bound=True,
        document=document,
        reading=TOOL,
    )


@pytest.mark.claim("lecture.diagnostics")
def test_detach_removes_every_hook_even_after_an_error(evidence: Evidence) -> None:
    model, x, y = lab01_mlp()
    with pytest.raises(RuntimeError, match="boom"), Diagnostics(model):
        assert hook_count(model) == 12, "one hook per ReLU and one on the model"
        raise RuntimeError("boom")
    hooks_after_error = hook_count(model)
    diag = Diagnostics(model).attach()
    with pytest.raises(RuntimeError, match="already attached"):
        diag.attach()
    loss = F.cross_entropy(model(x), y)
    diag.detach()
    diag.grads.clear()
    loss.backward()  # type: ignore[no-untyped-call]
    with pytest.raises(ValueError, match="no module of the watched types"):
        Diagnostics(nn.Linear(3, 3)).attach()
    evidence.check(
        "hooks left after an error inside the with block",
        hooks_after_error,
        comparison="==",
        bound=0,
        document=RECORDING,
        reading=TOOL,
    )
    evidence.check(
        "hooks left, and gradients recorded, after a backward pass that follows detach",
        hook_count(model) + len(diag.grads),
        comparison="==",
        bound=0,
        document=RECORDING,
        reading=TOOL,
    )


@pytest.mark.claim("lecture.diagnostics")
def test_dead_relu_units_are_counted_and_flagged(evidence: Evidence) -> None:
    """Eight ReLU units of the lab-01 MLP's first layer never fire: 8/256 dead, and flagged."""
    model, x, y = lab01_mlp()
    assert isinstance(model, nn.Sequential)
    linear = model[0]
    assert isinstance(linear, nn.Linear)
    with torch.no_grad():
        linear.bias[:8] = -1e3  # eight ReLU units of the first layer never fire
    with Diagnostics(model) as diag:
        forward_backward(model, x, y)
        first = diag.layer_stats()[0]
        problems = find_problems(diag.layer_stats())
    evidence.record(findings=[p.as_dict() for p in problems])
    document = "Visibility into ... detection of dead neurons"
    evidence.check(
        "dead fraction of the first layer",
        first.dead_fraction,
        comparison="==",
        bound=8 / 256,
        document=document,
        reading=TOOL,
    )
    evidence.check(
        "the first layer is reported with dead units",
        any(p.problem == "dead units" and p.layer == first.name for p in problems),
        comparison="==",
        bound=True,
        document=document,
        reading=TOOL,
    )


@pytest.mark.claim("lecture.diagnostics")
def test_update_ratio_is_the_post_formula_and_the_real_sgd_update(evidence: Evidence) -> None:
    """update_ratios is log10(lr * std(grad) / std(param)) per weight, and plain SGD's step
    moves each weight by exactly that share of its spread."""
    model, x, y = lab01_mlp()
    lr = 0.05
    forward_backward(model, x, y)
    predicted = update_ratios(model, lr)
    formula_gaps = []
    for name, p in weight_parameters(model):
        assert p.grad is not None
        formula = math.log10(lr * float(p.grad.std()) / float(p.detach().std()))
        formula_gaps.append(abs(predicted[name] - formula))
    before = {name: p.detach().clone() for name, p in weight_parameters(model)}
    torch.optim.SGD(model.parameters(), lr=lr).step()
    measured = measured_update_ratios(before, model)
    gaps = [abs(measured[name] - predicted[name]) for name in predicted]
    evidence.record(predicted=predicted, measured=measured)
    evidence.check(
        "largest gap to log10(lr * std(grad) / std(param))",
        max(formula_gaps),
        comparison="<",
        bound=1e-6,
        document="gradient-to-parameter ratios",
        reading=TOOL,
    )
    evidence.check(
        "largest gap between the ratio and SGD's measured update (log10)",
        max(gaps),
        comparison="<",
        bound=1e-4,
        document="gradient-to-parameter ratios",
        reading=TOOL,
    )


@pytest.mark.claim("lecture.diagnostics")
def test_figures_are_byte_stable(tmp_path: Path, evidence: Evidence) -> None:
    """The four diagnostic figures, drawn twice from the same data, are the same PNG bytes."""
    model, x, y = conv_net()
    with Diagnostics(model) as diag:
        forward_backward(model, x, y)
        diag.record_update_ratios(0.1)
        forward_backward(model, x, y)
        diag.record_update_ratios(0.1)
        tanh = next(layer.name for layer in diag.layer_stats() if layer.kind == "Tanh")
    history = diag.update_history

    def draw(folder: Path) -> list[bytes]:
        paths = [
            plot_activation_histograms(folder / "a.png", diag.outputs),
            plot_gradient_histograms(folder / "g.png", diag.gradients()),
            plot_update_ratios(folder / "u.png", history),
            plot_saturation_map(folder / "s.png", diag.outputs[tanh]),
        ]
        return [path.read_bytes() for path in paths]

    first, second = draw(tmp_path / "one"), draw(tmp_path / "two")
    assert all(data.startswith(b"\x89PNG") for data in first), "a figure is not a PNG"
    evidence.check(
        "the four figures drawn twice are the same bytes",
        first == second,
        comparison="==",
        bound=True,
        document="Per-layer histograms of activations and gradients",
        reading=TOOL,
    )
