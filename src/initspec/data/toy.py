"""The labs' seeded toy data, and batch orders that depend on the data seed alone."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Dataset:
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor

    def to(self, device: torch.device) -> Dataset:
        """The same data on ``device`` (this dataset itself where it is there already)."""
        if self.x_train.device == device:
            return self
        tensors = (self.x_train, self.y_train, self.x_val, self.y_val)
        return Dataset(*(tensor.to(device) for tensor in tensors))

    @property
    def in_dim(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def num_classes(self) -> int:
        return int(torch.cat([self.y_train, self.y_val]).max().item()) + 1


def toy_data(
    seed: int = 0, n_train: int = 1000, n_val: int = 200, dim: int = 256, k: int = 10
) -> Dataset:
    """x ~ N(0, I) in ``dim`` dims; label 1 if the sum of the first ``k`` entries is >= 0.

    Linearly separable by construction: the hyperplane sum(x[:k]) = 0 splits the classes.
    """
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n_train + n_val, dim, generator=generator)
    y = (x[:, :k].sum(dim=1) >= 0).long()
    return Dataset(x[:n_train], y[:n_train], x[n_train:], y[n_train:])


def rows(table: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``table[index]``: the rows of ``table`` that ``index`` (any shape) names, gathered by
    ``index_select``. The same values; at a training step's few hundred rows advanced indexing
    costs about four times as much (40 us against 10 on the 2-core machine), a step's largest
    overhead after its arithmetic when seeds train stacked."""
    return table.index_select(0, index.reshape(-1)).view(*index.shape, *table.shape[1:])


def batch_order(n: int, batch_size: int, steps: int, seed: int) -> torch.Tensor:
    """Indices of every step's batch, shape (steps, batch_size), from the data seed alone.

    Each epoch is a fresh permutation; a batch never straddles two epochs. Two runs with the
    same data seed see identical batch sequences, whatever their weights.
    """
    if batch_size > n:
        raise ValueError(f"batch size {batch_size} exceeds the {n} training examples")
    generator = torch.Generator().manual_seed(seed)
    per_epoch = n // batch_size
    epochs = -(-steps // per_epoch)
    batches = [
        torch.randperm(n, generator=generator)[: per_epoch * batch_size].view(per_epoch, batch_size)
        for _ in range(epochs)
    ]
    return torch.cat(batches)[:steps]
