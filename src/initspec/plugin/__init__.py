"""The pytest plugin over the judging core: options, fixtures (``evidence``), the verdicts a
run records, the session cache, progress, and training on a Dask cluster."""
