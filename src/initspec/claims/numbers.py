"""The documents' numbers that set up or read an experiment, each read once from the registry.

Models and experiments never read the registry (``tests/test_layering.py`` checks it): the layers
above them (the labs, the maps, the claim tests) pass these into the models' and experiments'
configs and readings. Each is a claim's value, quoted in the registry with the document's words.
"""

from __future__ import annotations

from initspec.claims.registry import CLAIMS

# Lab 03: "Kaiming init scaled for GeLU's effective gain (~1.7)". The document's figure, as
# stated; initspec.models.gains.gelu_gain is the gain that keeps a GeLU layer's second moment.
LAB03_GELU_GAIN = CLAIMS["lab03.gelu-gain"].value("gain")
# Lab 03: the plain chain's layer-1 gradient norm "drops below 1e-7".
LAB03_VANISHED = CLAIMS["lab03.plain-grad-vanishes"].value("vanished")
# Lab 03: the residual chain's gradient norm "stays in [1e-3, 1e-1]".
LAB03_HEALTHY = CLAIMS["lab03.residual-grad-range"].range("healthy")
# Lab 03, Block F, question 1: "what's the slope of its last-200-steps loss?"
LAB03_SLOPE_WINDOW = int(CLAIMS["lab03.plain-plateaus"].value("slope_window"))
# Lab 01, Block D, question 3: "the slope of its loss curve over the last 200 steps".
LAB01_SLOPE_WINDOW = int(CLAIMS["lab01.xavier-slow"].value("slope_window"))
# The post's first-batch loss of each init (its bird names, V = 29).
BLOG_FIRST_LOSS = {
    "naive": CLAIMS["blog.naive-init-loss"].value("first_loss"),
    "output-fix": CLAIMS["blog.output-scale-fix"].value("first_loss"),
    "hidden-fix": CLAIMS["blog.hidden-scale-fix"].value("first_loss"),
}
