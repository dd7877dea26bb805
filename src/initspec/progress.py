"""Progress lines for long runs, on stderr so that stdout stays clean."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable


def step_printer(label: str, total: int, every: int = 100) -> Callable[[int, float], None]:
    """A callback ``(step, loss)`` that prints a progress line every ``every`` steps."""
    start = time.perf_counter()

    def report(step: int, loss: float) -> None:
        done = step + 1
        if done % every == 0 or done == total:
            elapsed = time.perf_counter() - start
            print(
                f"[{label}] step {done}/{total}  loss {loss:.4g}  {elapsed:.1f}s",
                file=sys.stderr,
                flush=True,
            )

    return report


def quiet(step: int, loss: float) -> None:
    """A progress callback that prints nothing."""
