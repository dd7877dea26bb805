"""Two PNGs compared as pictures: the RMS of their pixel differences, and a diff image.

``rms = sqrt(mean((expected - actual)^2))`` over every pixel's red, green and blue values
(0-255, each image first composited on white), as ``matplotlib.testing.compare.calculate_rms``
computes it. Images of different sizes differ without limit (``rms = inf``).

The diff image shows the expected picture faded to a light grey, with every pixel that changed
painted red, darker the more it changed; so a moved curve, a recoloured series or a missing one
stands out where a last-bit difference (a curve shifted by a fraction of a pixel) is a faint
pink trace.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Pixels = npt.NDArray[np.float64]  # height x width x 3, values 0-255


def decode_png(data: bytes) -> Pixels:
    """A PNG's pixels as RGB values 0-255 (float), transparent parts composited on white."""
    import matplotlib.image

    image = np.asarray(matplotlib.image.imread(io.BytesIO(data), format="png"), dtype=np.float64)
    if image.ndim == 2:  # greyscale
        image = np.stack([image] * 3, axis=-1)
    if image.shape[2] == 4:
        alpha = image[:, :, 3:4]
        image = image[:, :, :3] * alpha + (1.0 - alpha)
    return np.asarray(np.round(image[:, :, :3] * 255.0), dtype=np.float64)


def encode_png(pixels: Pixels) -> bytes:
    """RGB values 0-255 as PNG bytes."""
    import matplotlib.image

    buffer = io.BytesIO()
    matplotlib.image.imsave(buffer, np.clip(pixels, 0, 255).astype(np.uint8), format="png")
    return buffer.getvalue()


@dataclass(frozen=True)
class ImageComparison:
    """How far ``actual`` is from ``expected``: ``rms`` (0-255 scale), the share of pixels that
    changed at all (``changed``), the two sizes (width x height) and the diff image's bytes
    (None where the sizes differ)."""

    rms: float
    changed: float
    expected_size: tuple[int, int]
    actual_size: tuple[int, int]
    diff_png: bytes | None

    def within(self, rms_tolerance: float) -> bool:
        """The same size and ``rms <= rms_tolerance``."""
        return self.expected_size == self.actual_size and self.rms <= rms_tolerance

    def describe(self, rms_tolerance: float) -> str:
        """One line: the measured difference against the tolerance."""
        if self.expected_size != self.actual_size:
            (ew, eh), (aw, ah) = self.expected_size, self.actual_size
            return f"size {aw}x{ah} px, expected {ew}x{eh} px"
        return (
            f"RMS {self.rms:.3f} (tolerance {rms_tolerance:g}); "
            f"{self.changed:.2%} of the pixels changed"
        )


def diff_image(expected: Pixels, actual: Pixels) -> Pixels:
    """``expected`` faded to light grey, each changed pixel red: alpha ``0.3 + 0.7 * d / 255``
    for its largest channel difference ``d`` (so any change at all is visible)."""
    grey = expected.mean(axis=2, keepdims=True)
    faded = 255.0 - (255.0 - grey) * 0.25
    base = np.repeat(faded, 3, axis=2)
    change = np.abs(expected - actual).max(axis=2, keepdims=True)
    alpha = np.where(change > 0, 0.3 + 0.7 * change / 255.0, 0.0)
    red = np.array([220.0, 0.0, 0.0]).reshape(1, 1, 3)
    return np.asarray(base * (1.0 - alpha) + red * alpha, dtype=np.float64)


def compare_png(expected: bytes, actual: bytes) -> ImageComparison:
    """Compare two PNGs' pixels (module docstring: the RMS and the diff image)."""
    old, new = decode_png(expected), decode_png(actual)
    old_size, new_size = (old.shape[1], old.shape[0]), (new.shape[1], new.shape[0])
    if old.shape != new.shape:
        return ImageComparison(math.inf, 1.0, old_size, new_size, None)
    difference = old - new
    rms = math.sqrt(float(np.mean(difference**2)))
    changed = float(np.mean(np.abs(difference).max(axis=2) > 0))
    return ImageComparison(rms, changed, old_size, new_size, encode_png(diff_image(old, new)))
