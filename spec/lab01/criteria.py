"""Lab 01's test-only readings of the document's words, and what its tests read off a run.

The shared phrases ("trains", "a low loss", "flat at chance", "smooth") and their windows come
from :mod:`initspec.judging.phrases`, the measurements from :mod:`initspec.metrics`; this
module adds only the words lab 01 alone uses, each a named constant quoting the words it
interprets.
"""

from __future__ import annotations

from initspec.claims.registry import CLAIMS
from initspec.experiments.init_ablation import DEFAULTS, Ablation
from initspec.judging.phrases import SMOOTHING_WINDOW, final_mean
from initspec.metrics import window_mean
from initspec.plugin.evidence import Evidence

# "The three curves ... clearly differentiated", "the Xavier run is somewhere in between", and
# Xavier "trains, but slowly" next to Kaiming's "trains as expected": two final losses are
# clearly apart when they differ by at least a tenth of a nat.
CLEAR_GAP = 0.1
# The document's horizon for every lab 01 claim: "1000 steps total" (Block A), the lab's setup.
DOCUMENT_STEPS = DEFAULTS.steps

# Block D, question 4: "if you increased the depth from 12 to 24 layers".
DEEP_DEPTH = int(CLAIMS["lab01.depth-24"].value("depth"))
# "All three curves train fine. Your depth is too shallow": no depth is given; a shallow net
# here has 3 Linear layers (two hidden), a quarter of the lab's 12.
SHALLOW_DEPTH = 3
# "All three curves diverge. Your LR is too high": the lab gives no value; far too high here is
# 10, ten thousand times the lab's 1e-3.
LR_FAR_TOO_HIGH = 10.0
# Its plausible range, a decade either side: the premise is judged at each.
LR_HIGH_SWEEP = (LR_FAR_TOO_HIGH / 10, LR_FAR_TOO_HIGH, LR_FAR_TOO_HIGH * 10)
# "Drop to 1e-4 and re-try."
LR_DROPPED = CLAIMS["lab01.lr-too-high"].value("dropped_lr")
# The hint of last resort's accidental init: "uniform [-0.05, 0.05]".
SMALL_UNIFORM = f"uniform:{CLAIMS['lab01.uniform-variance'].value('small_bound')!r}"


def finals(ablations: list[Ablation], init: str) -> list[float | None]:
    """Each seed's final loss for ``init`` (the phrases' final window); None after a NaN."""
    return [final_mean(ablation.runs[init].result.losses) for ablation in ablations]


def drop(losses: list[float | None]) -> float | None:
    """How far the loss came down: the first window's mean minus the final one's (None after
    a NaN: the run never finished)."""
    first, final = window_mean(losses, 0, SMOOTHING_WINDOW), final_mean(losses)
    return None if first is None or final is None else first - final


def trained_for(evidence: Evidence, *groups: list[Ablation]) -> None:
    """Record the horizon of a test that reads these ablations: the steps they trained (the
    fewest, if they differ) against the document's 1000."""
    steps = min(ablation.config.steps for group in groups for ablation in group)
    evidence.horizon(steps=steps, document_steps=DOCUMENT_STEPS)
