"""The ``initspec`` command's entry point: a signal is answered from the first moment.

Importing the command line (:mod:`initspec.cli.main`) and what it loads takes a moment; a signal in
that moment, or after the command has finished while Python shuts down, ends the process at
once with one line and exit code 130 (:func:`initspec.runtime.interrupts.exit_at_once_on_signals`).
While the command runs, :func:`initspec.runtime.interrupts.run_interruptibly` stops it cleanly.
"""

from __future__ import annotations

from collections.abc import Sequence

from initspec.runtime.interrupts import exit_at_once_on_signals


def main(argv: Sequence[str] | None = None) -> int:
    """``initspec ...``: :func:`initspec.cli.main.main`, with signals answered throughout."""
    exit_at_once_on_signals()
    from initspec.cli.main import main as cli_main

    return cli_main(argv)
