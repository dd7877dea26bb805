"""initspec's BatchNorm1d takes PyTorch's defaults, so a BatchNorm claim tested on both layers
tests one layer's behaviour twice."""

from __future__ import annotations

from torch import nn

from initspec.models.norms import BatchNorm1d


def test_initspec_batchnorm_defaults_match_torchs() -> None:
    ours, theirs = BatchNorm1d(4), nn.BatchNorm1d(4)
    assert (ours.eps, ours.momentum) == (theirs.eps, theirs.momentum), (
        f"expected initspec's BatchNorm1d eps and momentum to equal torch's "
        f"{(theirs.eps, theirs.momentum)}; measured {(ours.eps, ours.momentum)}"
    )
