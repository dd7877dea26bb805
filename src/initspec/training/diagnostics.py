"""Training diagnostics for any ``nn.Module``: what the activations and gradients look like.

The lecture's and the blog's diagnostics, as hooks that attach to a model of any architecture:

* per activation layer (every module whose type is in ``activation_types``): the mean and std
  of its output, the saturation (fraction of outputs with abs(t) > 0.97, both tails; the
  documents count one, t > 0.97: :func:`saturated_above`), the fraction of dead
  units (a unit inactive, i.e. saturated or exactly zero, for every example of the batch), and
  the mean and std of the gradient of the loss with respect to that output;
* per 2-D parameter: the grad:data ratio std(grad) / std(param);
* per step: the update:data ratio log10(lr * std(grad) / std(param)), which the blog wants
  near -3 (an update moves a weight by about 1/1000 of its spread).

Forward hooks keep the latest output of each activation layer (a reference, no copy, no
statistics on the hot path); a hook on that output keeps its gradient when ``backward`` runs.
Statistics are computed only when asked for. ``detach`` removes every hook handle, so a
detached model runs exactly as one that was never instrumented::

    with Diagnostics(model) as diag:
        loss = loss_fn(model(x), y)
        loss.backward()
        for layer in diag.layer_stats():
            print(layer.name, layer.std, layer.saturation, layer.grad_std)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from types import TracebackType
from typing import Any

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

DEFAULT_ACTIVATIONS: tuple[type[nn.Module], ...] = (
    nn.Tanh,
    nn.ReLU,
    nn.LeakyReLU,
    nn.ELU,
    nn.GELU,
    nn.SiLU,
    nn.Sigmoid,
    nn.Hardtanh,
)
# Activations bounded in [-1, 1] (or [0, 1]) whose derivative vanishes near the bounds: a unit
# stuck there is dead. For the others (ReLU and friends) only an exact zero counts.
SATURATING_ACTIVATIONS: tuple[type[nn.Module], ...] = (nn.Tanh, nn.Hardtanh, nn.Softsign)

# The post's code and the lecture count a tanh output as saturated at t > 0.97, one tail only
# ("(t > 0.97).float().mean()"): saturated_above. saturation() counts both tails, abs(t) > 0.97,
# a symmetric measure of initspec's own for any bounded activation.
SATURATION_THRESHOLD = 0.97
DEAD_THRESHOLD = 0.99  # the blog's saturation map: abs(h) > 0.99
UPDATE_RATIO_TARGET = -3.0  # log10 of the update:data ratio the blog aims for


@dataclass(frozen=True)
class LayerStats:
    """One activation layer's statistics on the latest batch (gradients after ``backward``)."""

    name: str
    kind: str
    saturating: bool  # a bounded activation (tanh): saturation and abs(t) > 0.99 mean dead
    mean: float
    std: float
    saturation: float  # fraction of outputs with abs(t) > SATURATION_THRESHOLD
    dead_fraction: float  # fraction of units inactive for every example of the batch
    grad_mean: float | None  # None until a backward pass has reached this layer
    grad_std: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Finding:
    """Something the diagnostics flag: a layer, what is wrong, and the measured figure."""

    layer: str
    problem: str  # "saturated", "dead units", "activations shrink", "gradients vanish", ...
    value: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def saturation(t: torch.Tensor, threshold: float = SATURATION_THRESHOLD) -> float:
    """Fraction of entries with abs(t) > threshold (both tails: initspec's measure)."""
    return float((t.abs() > threshold).float().mean())


def saturated_above(t: torch.Tensor, threshold: float = SATURATION_THRESHOLD) -> float:
    """Fraction of entries with t > threshold: the post's and the lecture's count, one tail
    (the post: ``(t > 0.97).float().mean()``; the lecture: "proportion of tanh outputs with
    t > 0.97"). For a symmetric distribution about half of :func:`saturation`."""
    return float((t > threshold).float().mean())


def dead_units(
    t: torch.Tensor, saturating: bool, threshold: float = DEAD_THRESHOLD
) -> torch.Tensor:
    """Boolean mask over units (every dimension but the batch's): inactive for every example.

    Inactive means exactly zero, or, for a saturating activation, abs(t) > threshold; such a
    unit's local derivative is (about) zero for the whole batch, so it passes no gradient.
    """
    inactive = t == 0
    if saturating:
        inactive = inactive | (t.abs() > threshold)
    return inactive.flatten(1).all(dim=0)


def _std(t: torch.Tensor) -> float:
    return float(t.std()) if t.numel() > 1 else 0.0


class Diagnostics:
    """Forward and backward hooks on the activation layers of any ``nn.Module``.

    ``activation_types`` picks the layers to watch (by module type). Use as a context manager,
    or call :meth:`attach` and :meth:`detach`.
    """

    def __init__(
        self,
        model: nn.Module,
        activation_types: Iterable[type[nn.Module]] = DEFAULT_ACTIVATIONS,
        saturating_types: Iterable[type[nn.Module]] = SATURATING_ACTIVATIONS,
    ) -> None:
        self.model = model
        self.activation_types = tuple(activation_types)
        self.saturating_types = tuple(saturating_types)
        self.outputs: dict[str, torch.Tensor] = {}
        self.grads: dict[str, torch.Tensor] = {}
        self.update_history: dict[str, list[float]] = {}
        self._kinds: dict[str, str] = {}
        self._saturating: dict[str, bool] = {}
        self._handles: list[RemovableHandle] = []
        self._tensor_handles: dict[str, RemovableHandle] = {}
        self._calls: dict[str, int] = {}  # calls of each watched module in this forward pass

    # -- attaching -----------------------------------------------------------------------
    def watched(self) -> list[tuple[str, nn.Module]]:
        """The (name, module) pairs whose outputs are recorded, in registration order.

        A module called more than once per forward pass of ``model`` is recorded at each call
        ("name", "name#2", ...); call counts restart whenever ``model`` itself is called.
        """
        return [
            (name or type(module).__name__, module)
            for name, module in self.model.named_modules()
            if isinstance(module, self.activation_types)
        ]

    def attach(self) -> Diagnostics:
        if self._handles:
            raise RuntimeError("diagnostics are already attached")
        watched = self.watched()
        if not watched:
            kinds = ", ".join(t.__name__ for t in self.activation_types)
            raise ValueError(f"the model has no module of the watched types ({kinds})")
        for name, module in watched:
            self._handles.append(module.register_forward_hook(self._forward_hook(name)))
        self._handles.append(self.model.register_forward_pre_hook(self._start_pass))
        return self

    def detach(self) -> None:
        """Remove every hook this object registered; the model is as it was before attach."""
        for handle in self._handles:
            handle.remove()
        for handle in self._tensor_handles.values():
            handle.remove()
        self._handles.clear()
        self._tensor_handles.clear()

    @property
    def attached(self) -> bool:
        return bool(self._handles)

    def __enter__(self) -> Diagnostics:
        return self.attach()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.detach()

    def _start_pass(self, module: nn.Module, inputs: Any) -> None:
        self._calls.clear()

    def _forward_hook(self, module_name: str) -> Callable[[nn.Module, Any, Any], None]:
        def hook(module: nn.Module, inputs: Any, output: Any) -> None:
            if not isinstance(output, torch.Tensor):
                return
            # A module called k times in one forward pass (one ReLU reused by a block) is
            # recorded k times: "name", "name#2", ...
            calls = self._calls[module_name] = self._calls.get(module_name, 0) + 1
            name = module_name if calls == 1 else f"{module_name}#{calls}"
            self._kinds[name] = type(module).__name__
            self._saturating[name] = isinstance(module, self.saturating_types)
            self.outputs[name] = output.detach()
            self.grads.pop(name, None)
            old = self._tensor_handles.pop(name, None)
            if old is not None:
                old.remove()
            if output.requires_grad:
                self._tensor_handles[name] = output.register_hook(  # type: ignore[no-untyped-call]
                    self._grad_hook(name)
                )

        return hook

    def _grad_hook(self, name: str) -> Callable[[torch.Tensor], None]:
        def hook(grad: torch.Tensor) -> None:
            self.grads[name] = grad.detach()

        return hook

    # -- statistics ----------------------------------------------------------------------
    def layer_stats(self) -> list[LayerStats]:
        """Statistics of every watched layer that has seen a batch, in forward order."""
        stats = []
        for name, t in self.outputs.items():
            t = t.float()
            grad = self.grads.get(name)
            dead = dead_units(t, self._saturating[name]) if t.dim() > 1 else torch.zeros(1)
            stats.append(
                LayerStats(
                    name=name,
                    kind=self._kinds[name],
                    saturating=self._saturating[name],
                    mean=float(t.mean()),
                    std=_std(t),
                    saturation=saturation(t),
                    dead_fraction=float(dead.float().mean()),
                    grad_mean=None if grad is None else float(grad.float().mean()),
                    grad_std=None if grad is None else _std(grad.float()),
                )
            )
        return stats

    def gradients(self) -> dict[str, torch.Tensor]:
        """The latest gradient at each watched output, in forward order (as ``outputs``)."""
        return {name: self.grads[name] for name in self.outputs if name in self.grads}

    def saturation_map(self, name: str, threshold: float = DEAD_THRESHOLD) -> torch.Tensor:
        """The blog's map: abs(h) > threshold as a bool matrix, examples x units."""
        return self.outputs[name].flatten(1).abs() > threshold

    def record_update_ratios(self, lr: float) -> dict[str, float]:
        """Append this step's update:data ratios (call after backward, before the step)."""
        ratios = update_ratios(self.model, lr)
        for name, value in ratios.items():
            self.update_history.setdefault(name, []).append(value)
        return ratios

    def clear(self) -> None:
        """Forget the recorded outputs, gradients and update history (hooks stay)."""
        self.outputs.clear()
        self.grads.clear()
        self.update_history.clear()


def weight_parameters(model: nn.Module) -> list[tuple[str, nn.Parameter]]:
    """The 2-D parameters (weight matrices, embeddings): those the blog's ratio plots show."""
    return [(name, p) for name, p in model.named_parameters() if p.dim() == 2]


def grad_data_ratios(model: nn.Module) -> dict[str, float]:
    """std(grad) / std(param) for every 2-D parameter that has a gradient."""
    ratios = {}
    for name, p in weight_parameters(model):
        if p.grad is not None:
            ratios[name] = float(p.grad.std() / p.detach().std())
    return ratios


def update_ratios(model: nn.Module, lr: float) -> dict[str, float]:
    """log10(lr * std(grad) / std(param)) per 2-D parameter: the blog's update:data ratio.

    This is the ratio of plain SGD's update to the data; with momentum or Adam the real update
    differs, and :func:`measured_update_ratios` gives that one.
    """
    out = {}
    for name, ratio in grad_data_ratios(model).items():
        out[name] = math.log10(lr * ratio) if ratio > 0 else -math.inf
    return out


def measured_update_ratios(
    before: Mapping[str, torch.Tensor], model: nn.Module
) -> dict[str, float]:
    """log10(std(param_after - param_before) / std(param_before)) per 2-D parameter."""
    out = {}
    for name, p in weight_parameters(model):
        if name in before:
            ratio = float((p.detach() - before[name]).std() / before[name].std())
            out[name] = math.log10(ratio) if ratio > 0 else -math.inf
    return out


def update_ratio_probes(model: nn.Module, lr: float) -> dict[str, Callable[[nn.Module], float]]:
    """Probes for :func:`initspec.training.loop.train`: ``update:<name>`` -> the log10 ratio."""

    def probe(name: str) -> Callable[[nn.Module], float]:
        def read(m: nn.Module) -> float:
            p = m.get_parameter(name)
            assert p.grad is not None, f"{name} has no gradient"
            ratio = float(p.grad.std() / p.detach().std())
            return math.log10(lr * ratio) if ratio > 0 else -math.inf

        return read

    return {f"update:{name}": probe(name) for name, _ in weight_parameters(model)}


def find_problems(
    stats: list[LayerStats],
    *,
    saturation_limit: float = 0.05,
    shrink: float = 0.5,
    spread: float = 2.0,
) -> list[Finding]:
    """Flag layers the way one reads the blog's histograms.

    * saturated: more than ``saturation_limit`` of a saturating layer's outputs (tanh) have
      abs(t) > 0.97 (the lecture treats a few percent as healthy);
    * dead units: some unit is inactive for the whole batch;
    * activations shrink: the forward signal enters at the first layer; a layer whose std is
      below ``shrink`` x the first layer's has lost it;
    * gradients vanish / explode: the backward signal enters at the last layer; a layer whose
      gradient std is below 1/``spread`` x (or above ``spread`` x) the last layer's.
    """
    findings: list[Finding] = []
    if not stats:
        return findings
    first, last = stats[0], stats[-1]
    for layer in stats:
        if layer.saturating and layer.saturation > saturation_limit:
            findings.append(Finding(layer.name, "saturated", layer.saturation))
        if layer.dead_fraction > 0:
            findings.append(Finding(layer.name, "dead units", layer.dead_fraction))
        if layer is not first and first.std > 0 and layer.std < shrink * first.std:
            findings.append(Finding(layer.name, "activations shrink", layer.std / first.std))
        if layer is not last and layer.grad_std is not None and last.grad_std:
            ratio = layer.grad_std / last.grad_std
            if ratio < 1 / spread:
                findings.append(Finding(layer.name, "gradients vanish", ratio))
            elif ratio > spread:
                findings.append(Finding(layer.name, "gradients explode", ratio))
    return findings


def hook_count(model: nn.Module) -> int:
    """How many module hooks of any kind the model carries (0 for an uninstrumented model)."""
    count = 0
    for module in model.modules():
        for attribute in (
            "_forward_hooks",
            "_forward_pre_hooks",
            "_backward_hooks",
            "_backward_pre_hooks",
        ):
            count += len(getattr(module, attribute, {}))
    return count
