"""Training: the loop (autograd), the hand-written SGD step of lab 03's deep model, seeds of
the character model stacked into one, and where the runs go (device, threads, a process pool, a
Dask cluster); the diagnostics read off a model while it trains."""
