"""initspec: an executable specification of how initialization, normalization and residual
connections decide whether a deep network trains."""

__version__ = "0.1.0"
