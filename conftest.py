"""Root conftest: loads the initspec pytest plugins (verdicts; training progress) and fixes
hypothesis for reproducibility."""

from hypothesis import settings

pytest_plugins = ["initspec.pytest_plugin", "initspec.pytest_progress"]

# Derandomized so that the same commit gives the same examples (and verdicts) every run.
settings.register_profile("initspec", derandomize=True, deadline=None, max_examples=50)
settings.load_profile("initspec")
