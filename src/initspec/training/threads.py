"""One intra-op thread per training run.

The labs' small matmuls (a batch of 32 or 64 against a few hundred units) gain nothing from a
second thread, and where other work shares the cores a spinning second thread slows a step down
many times; runs go side by side instead, one per core. Two places pin torch to one thread:
:func:`initspec.training.parallel.side_by_side`, which every lab and experiment trains through, and
the spec's session fixture (``spec/conftest.py``). Nothing else calls this.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch


@contextlib.contextmanager
def single_thread() -> Iterator[None]:
    """Run torch on one intra-op thread inside the block; restore the previous setting after."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
