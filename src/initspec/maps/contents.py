"""Which claims each map (``initspec map NAME``) contains: torch-free, so that the report can
link a claim's page to its maps without loading the training code."""

from __future__ import annotations

# The claims each map contains: their pages link to the map's page, reports/maps/<name>.md.
CLAIMS_OF: dict[str, tuple[str, ...]] = {
    "blog-tanh": ("blog.gain-too-small", "blog.gain-five-thirds", "blog.gain-too-large"),
    "lab01-relu": ("lab01.uniform-fails", "lab01.uniform-failure-mode", "lab01.kaiming-trains"),
    "lab03-blocks": ("lab03.plain-grad-vanishes", "lab03.residual-grad-range", "lab03.depth-100"),
}


def maps_of(claim_id: str) -> list[str]:
    """The maps that contain ``claim_id`` (their pages are reports/maps/<name>.md)."""
    return [name for name, claims in CLAIMS_OF.items() if claim_id in claims]
