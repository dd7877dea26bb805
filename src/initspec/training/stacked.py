"""K character MLPs trained as one: stacked weights, batched matmuls, one step for all.

The post's model (context 3, embedding 10, hidden 200, batch 32) is so small that a training
step is almost all overhead: Python, operator dispatch and autograd bookkeeping. K models of
the same shapes (seeds, or the post's inits, which differ in their initial weights alone) can
share that overhead. Stack their parameters along a leading member dimension k and run every
op once for all of them:

    emb_k = C_k[x_k]                       (K, B, context * embed)   one gather
    h_k   = tanh(emb_k @ W1_k + b1_k)      (K, B, hidden)            torch.baddbmm
    z_k   = h_k @ W2_k + b2_k              (K, B, V)                 torch.baddbmm
    L_k   = mean_b cross_entropy(z_kb, y_kb)

then backpropagate sum_k L_k. Member k's parameters appear in L_k alone, so each gets exactly
dL_k / d theta_k, and plain SGD updates theta_k -= lr * dL_k / d theta_k for every member.

Each member stays an independent run: its initial weights are those of the single model it was
stacked from (:func:`~initspec.models.charmodel.build_char_mlp` with its seed), its batches come
from its own data seed, drawn as :func:`initspec.training.loop.train` draws them, and with BatchNorm
it has its own batch statistics and running buffers. A member whose loss becomes non-finite stops
there, as ``train`` stops: its later losses are None, its weights and buffers stay as they were.

The results equal K separate ``train`` runs to float rounding, not bit for bit: a batched
matmul sums its products in another order than the single model's ``addmm``, and the
per-member mean of the loss is reduced apart from the others, so the last bits of a step can
differ, and training carries those differences on (``tests/test_stacked.py`` bounds
them). On one thread the stacked run is itself deterministic: the same members and data seeds
give the same bytes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from initspec.data.toy import Dataset, batch_order, rows
from initspec.models.charmodel import CharMLP
from initspec.models.norms import BatchNorm1d
from initspec.runtime.progress import ambient_progress
from initspec.training.devices import current_device
from initspec.training.loop import TrainConfig, TrainResult, evaluate, run_steps

# A probe reads one number per member from the stacked model (see ``train_stacked``).
StackedProbe = Callable[["StackedCharMLP"], list[float]]
Progress = Callable[[int, float], None]


def _stack(tensors: Sequence[torch.Tensor]) -> nn.Parameter:
    return nn.Parameter(torch.stack([t.detach() for t in tensors]).contiguous())


class StackedBatchNorm(nn.Module):
    """K :class:`~initspec.models.norms.BatchNorm1d` layers, one per member, on input (K, B,
    features).

    Each member normalises by its own batch's mean and (biased) variance and keeps its own
    running estimates, updated as ``BatchNorm1d`` updates them, except for the members listed
    in ``frozen`` (stopped runs), whose buffers stay as they are.
    """

    def __init__(self, norms: Sequence[BatchNorm1d]) -> None:
        super().__init__()
        first = norms[0]
        if any((n.eps, n.momentum) != (first.eps, first.momentum) for n in norms):
            raise ValueError("stacked BatchNorm layers must share eps and momentum")
        self.eps, self.momentum = first.eps, first.momentum
        self.weight = _stack([n.weight.unsqueeze(0) for n in norms])  # (K, 1, features)
        self.bias = _stack([n.bias.unsqueeze(0) for n in norms])
        self.register_buffer("running_mean", torch.stack([n.running_mean for n in norms])[:, None])
        self.register_buffer("running_var", torch.stack([n.running_var for n in norms])[:, None])
        self.register_buffer(
            "num_batches_tracked", torch.stack([n.num_batches_tracked for n in norms])
        )
        self.running_mean: torch.Tensor
        self.running_var: torch.Tensor
        self.num_batches_tracked: torch.Tensor
        self.frozen: torch.Tensor | None = None  # bool (K,): members whose buffers stay

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            n = x.shape[1]
            mean = x.mean(dim=1, keepdim=True)
            var = x.var(dim=1, unbiased=False, keepdim=True)
            with torch.no_grad():
                self._update(mean, var * n / (n - 1))
        else:
            mean, var = self.running_mean, self.running_var
        x_hat = (x - mean) / torch.sqrt(var + self.eps)
        return self.weight * x_hat + self.bias

    def _update(self, mean: torch.Tensor, unbiased_var: torch.Tensor) -> None:
        if self.frozen is None:
            self.running_mean.lerp_(mean, self.momentum)
            self.running_var.lerp_(unbiased_var, self.momentum)
            self.num_batches_tracked.add_(1)
            return
        keep = self.frozen.view(-1, 1, 1)
        self.running_mean.copy_(
            torch.where(keep, self.running_mean, self.running_mean.lerp(mean, self.momentum))
        )
        self.running_var.copy_(
            torch.where(keep, self.running_var, self.running_var.lerp(unbiased_var, self.momentum))
        )
        self.num_batches_tracked.add_((~self.frozen).long())


class StackedCharMLP(nn.Module):
    """K :class:`~initspec.models.charmodel.CharMLP` of the same shapes, as one batched model.

    Built from the single models (their parameters copied, so member k starts exactly where
    ``models[k]`` does); ``member(k)`` gives member k back as a single ``CharMLP``. The forward
    takes token windows of shape (K, B, context), member k's in row k, and returns logits
    (K, B, V). Weights are stored transposed, (K, in, out), so the batched matmuls and their
    gradients need no copies.
    """

    def __init__(self, models: Sequence[CharMLP]) -> None:
        super().__init__()
        if not models:
            raise ValueError("a stacked model needs at least one member")
        first = models[0]
        shapes = [[tuple(p.shape) for p in m.parameters()] for m in models]
        norms = [type(m.norm) for m in models]
        if any(s != shapes[0] for s in shapes) or any(n is not norms[0] for n in norms):
            raise ValueError("stacked models must have the same shapes and the same norm")
        self.members = len(models)
        self.vocab_size, self.embed = first.embedding.weight.shape
        self.hidden_size, fan_in = first.hidden.weight.shape
        self.context = fan_in // self.embed
        self.embedding = _stack([m.embedding.weight for m in models])  # (K, V, embed)
        self.hidden_weight = _stack([m.hidden.weight.t() for m in models])  # (K, in, hidden)
        self.hidden_bias = _stack([m.hidden.bias.unsqueeze(0) for m in models])  # (K, 1, hidden)
        self.norm: StackedBatchNorm | None = None
        norms_used = [m.norm for m in models if isinstance(m.norm, BatchNorm1d)]
        if norms_used:
            self.norm = StackedBatchNorm(norms_used)
        self.output_weight = _stack([m.output.weight.t() for m in models])  # (K, hidden, V)
        self.output_bias = _stack([m.output.bias.unsqueeze(0) for m in models])  # (K, 1, V)
        # Member k's tokens index rows k * V ... k * V + V - 1 of the flattened embeddings.
        offsets = torch.arange(self.members).view(-1, 1, 1) * self.vocab_size
        self.register_buffer("offsets", offsets, persistent=False)
        self.offsets: torch.Tensor
        self.stopped = [False] * self.members

    @property
    def batchnorm(self) -> bool:
        return self.norm is not None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k, batch = x.shape[0], x.shape[1]
        table = self.embedding.view(k * self.vocab_size, self.embed)
        emb = F.embedding(x + self.offsets, table).view(k, batch, -1)
        pre = torch.baddbmm(self.hidden_bias, emb, self.hidden_weight)
        if self.norm is not None:
            pre = self.norm(pre)
        return torch.baddbmm(self.output_bias, torch.tanh(pre), self.output_weight)

    def stop(self, member: int) -> None:
        """Stop training ``member`` (its loss became non-finite): no more updates or buffers."""
        self.stopped[member] = True
        if self.norm is not None:
            self.norm.frozen = torch.tensor(self.stopped, device=self.offsets.device)

    @torch.no_grad()
    def member(self, k: int) -> CharMLP:
        """Member ``k`` as a single :class:`CharMLP` with its current weights and buffers."""
        model = CharMLP(self.vocab_size, self.context, self.embed, self.hidden_size, self.batchnorm)
        model.embedding.weight.copy_(self.embedding[k])
        model.hidden.weight.copy_(self.hidden_weight[k].t())
        model.hidden.bias.copy_(self.hidden_bias[k, 0])
        model.output.weight.copy_(self.output_weight[k].t())
        model.output.bias.copy_(self.output_bias[k, 0])
        if self.norm is not None:
            norm = model.norm
            assert isinstance(norm, BatchNorm1d)
            norm.weight.copy_(self.norm.weight[k, 0])
            norm.bias.copy_(self.norm.bias[k, 0])
            norm.running_mean.copy_(self.norm.running_mean[k, 0])
            norm.running_var.copy_(self.norm.running_var[k, 0])
            norm.num_batches_tracked.copy_(self.norm.num_batches_tracked[k])
        model.train(self.training)
        return model


def member_losses(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Each member's mean cross-entropy over its batch: logits (K, B, V), targets (K, B) -> (K,)."""
    k, batch, vocab = logits.shape
    per_example = F.cross_entropy(
        logits.reshape(k * batch, vocab), targets.reshape(-1), reduction="none"
    )
    return per_example.view(k, batch).mean(dim=1)


def sgd_step(model: StackedCharMLP, lr: float) -> None:
    """theta -= lr * grad for every member still training (stopped members' gradients zeroed)."""
    stopped = [k for k, done in enumerate(model.stopped) if done]
    with torch.no_grad():
        params: list[torch.Tensor] = [p for p in model.parameters() if p.grad is not None]
        grads = [param.grad for param in params if param.grad is not None]
        if stopped:
            members = torch.tensor(stopped, device=grads[0].device)
            for grad in grads:
                grad.index_fill_(0, members, 0.0)
        # one call for every parameter: the same p + (-lr) * g, without a Python loop
        torch._foreach_add_(params, grads, alpha=-lr)


def _shared_config(configs: Sequence[TrainConfig], members: int) -> TrainConfig:
    """The members' common config: one config each, equal but for the data seed, plain SGD."""
    if len(configs) != members:
        raise ValueError(f"one config a member: got {len(configs)} for {members} members")
    first = configs[0]
    if first.optimizer != "sgd" or first.momentum != 0:
        raise ValueError("stacked training is plain SGD: optimizer 'sgd', momentum 0")
    for config in configs:
        if config != dataclasses.replace(first, data_seed=config.data_seed):
            raise ValueError("stacked members' configs may differ in their data seed only")
    return first


def batch_orders(n: int, configs: Sequence[TrainConfig]) -> tuple[torch.Tensor, torch.Tensor]:
    """Every step's batch for every member, as :func:`initspec.training.loop.train` draws it from
    the member's data seed: ``(orders, member_order)`` with ``orders`` (steps, D, batch), one order
    a distinct data seed, and ``member_order`` (K,) naming member k's. Members that share a data
    seed share one order in memory; member k's batch at a step is
    ``orders[step][member_order[k]]``."""
    first = configs[0]
    seeds = list(dict.fromkeys(config.data_seed for config in configs))
    orders = [batch_order(n, first.batch_size, first.steps, seed) for seed in seeds]
    member_order = torch.tensor([seeds.index(config.data_seed) for config in configs])
    return torch.stack(orders, dim=1), member_order


GATHER_STEPS = 1000  # batches gathered at once: 1000 steps of 8 members are 6 MB of tokens


def step_batches(
    data: Dataset, orders: torch.Tensor
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Every step's inputs and targets, (K, B, ...) and (K, B), for ``orders`` (steps, K, B).

    Gathered :data:`GATHER_STEPS` steps at a time: one gather for a thousand steps costs what
    one step's gather costs, and the stacked step is small enough for that to count.
    """
    for start in range(0, len(orders), GATHER_STEPS):
        index = orders[start : start + GATHER_STEPS]
        xs, ys = rows(data.x_train, index), rows(data.y_train, index)
        yield from zip(xs, ys, strict=True)


class StackedSteps:
    """The members of a :class:`StackedCharMLP`, one step for all: each member's mean loss on
    its own batch, the backward of their sum, then plain SGD on every member still training."""

    def __init__(
        self, model: StackedCharMLP, lr: float, probes: Mapping[str, StackedProbe]
    ) -> None:
        self.model, self.lr, self.probes = model, lr, probes
        self.members = model.members
        self.probe_names = tuple(probes)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> list[float]:
        self.losses = member_losses(self.model(x), y)
        values: list[float] = self.losses.tolist()
        return values

    def stop(self, member: int) -> None:
        self.model.stop(member)

    def update(self, probe: bool) -> list[dict[str, float]]:
        self.model.zero_grad(set_to_none=True)
        self.losses.sum().backward()  # type: ignore[no-untyped-call]
        del self.losses
        readings: list[dict[str, float]] = [{} for _ in range(self.members)]
        if probe:
            for name, read in self.probes.items():
                for k, value in enumerate(read(self.model)):
                    readings[k][name] = value
        sgd_step(self.model, self.lr)
        return readings


def train_stacked(
    model: StackedCharMLP,
    data: Dataset,
    configs: Sequence[TrainConfig],
    probes: Mapping[str, StackedProbe] | None = None,
    progress: Progress | None = None,
) -> list[TrainResult]:
    """Train member k as ``train(model.member(k), data, configs[k], ...)`` would; one result each.

    ``configs`` may differ in ``data_seed`` alone and must be plain SGD (momentum 0). Each
    probe returns one value per member, read after the backward pass every ``probe_every``
    steps. A member stopped before this call (a non-finite loss earlier) is not trained: its
    losses are all None.

    The stacked model is one run for ``progress`` (none given:
    :func:`initspec.runtime.progress.ambient_progress`): ``progress(step, loss)`` after every step
    with the mean loss of the members still training, and with NaN at the step where the last of
    them stops.
    """
    probes = probes or {}
    config = _shared_config(configs, model.members)
    orders, member_order = batch_orders(len(data.x_train), configs)
    shared = orders.shape[1] < model.members  # some members share a data seed
    members = range(model.members)
    stopped_before = list(model.stopped)
    if all(stopped_before):
        return [
            TrainResult([None] * config.steps, None, None, None, {name: [] for name in probes})
            for _ in members
        ]
    progress = progress if progress is not None else ambient_progress(config.steps)

    device = current_device()  # the batches are drawn on the CPU, then trained on the device
    cpu_data, data = data, data.to(device)
    model.to(device)
    if model.norm is not None and model.norm.frozen is not None:
        model.norm.frozen = model.norm.frozen.to(device)
    orders, member_order = orders.to(device), member_order.to(device)
    if shared:
        orders = orders[:, member_order]
    model.train()
    steps = StackedSteps(model, config.lr, probes)
    training = [not stopped for stopped in stopped_before]
    run = run_steps(steps, step_batches(data, orders), config, progress, training)

    model.to("cpu")  # members are read back as single CPU models
    if model.norm is not None and model.norm.frozen is not None:
        model.norm.frozen = model.norm.frozen.cpu()
    results = []
    for k in members:
        trained = not stopped_before[k] and run.first_nan[k] is None
        val_loss, val_accuracy = evaluate(model.member(k), cpu_data) if trained else (None, None)
        results.append(
            TrainResult(run.losses[k], run.first_nan[k], val_loss, val_accuracy, run.probed[k])
        )
    return results
