"""The figures of the labs and of the diagnostics, and the one place that saves a PNG."""
