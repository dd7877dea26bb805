"""``python -m initspec.cli``: the command line, as the console script runs it."""

import sys

from initspec.cli.entry import main

sys.exit(main())
