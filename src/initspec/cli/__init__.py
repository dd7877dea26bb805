"""The ``initspec`` command line: :mod:`initspec.cli.entry` (the console script) answers signals
from the first moment, then :mod:`initspec.cli.main` parses and runs."""
