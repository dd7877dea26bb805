"""Spec of the mechanics claims: fan-in, gains, dead units, BatchNorm, PyTorch's defaults."""
