"""Maps: where a headline claim holds over a grid of its setup, the theory's lines beside.

:mod:`initspec.maps.contents` is torch-free, so the report can name each map's claims; the
measuring modules import torch."""
