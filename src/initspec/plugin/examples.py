"""A property test's examples depend on the test alone, not on what the session imported before it.

Hypothesis (since 6.131) now and then draws a constant it found in the source of the *local*
modules already in ``sys.modules``: the project's own code, the tests, a user's scripts. Which of
those are loaded when a property test runs depends on what the session ran before it (a subset of
the tests, another pytest-xdist schedule), so the same derandomized test gets other examples,
and records another worst case, in another session: ``lecture.bn-standardises``' property test
of the gradient through the batch statistics recorded another worst case for each BatchNorm in
a full run than alone, over the same number of examples.

:func:`pin_examples` empties that pool, so a test draws only from its own strategies and
Hypothesis's built-in constants. It reaches into Hypothesis's internals (there is no setting for
this); ``tests/test_examples_pinned.py`` shows the pool would change the examples and that the
pin holds on the Hypothesis version ``constraints.txt`` names.
"""

from __future__ import annotations

from hypothesis.internal.conjecture import providers
from hypothesis.internal.constants_ast import Constants


def pin_examples() -> None:
    """Stop Hypothesis drawing constants from the local modules loaded so far (see above)."""
    empty = Constants()  # no integers, floats, bytes or strings
    providers._get_local_constants = lambda: empty
    providers.CONSTANTS_CACHE.cache.clear()  # pools built from an earlier harvest
