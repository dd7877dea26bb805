"""Quotes: a criterion's ``quote`` must be the document's own words.

A criterion reads its bound from words of a source document (``document=`` in
:meth:`initspec.plugin.evidence.Evidence.check`). This module finds those words in the document's
text, whitespace, case and typographic quotes and dashes aside; ``...`` (or ``…``) joins passages
that must each be found. The documents are read from ``$INITSPEC_SEEDS``, else from
``../shared/seeds`` beside the checkout; where neither exists (an installed copy), quotes are
not checked.
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import cache
from pathlib import Path

SEEDS_ENV = "INITSPEC_SEEDS"

# Typographic characters a quote may spell plainly.
_PLAIN = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
    }
)


def normalize(text: str) -> str:
    """NFKC, plain quotes and dashes, one space for any whitespace, lower case."""
    text = unicodedata.normalize("NFKC", text).translate(_PLAIN)
    return re.sub(r"\s+", " ", text).strip().lower()


def passages(quote: str) -> list[str]:
    """The passages a quote joins with ``...`` or ``…``, normalized, empty ones dropped."""
    return [p.strip() for p in re.split(r"\.\.\.|\u2026", normalize(quote)) if p.strip()]


def seeds_directory() -> Path | None:
    """Where the source documents are: ``$INITSPEC_SEEDS``, else ``../shared/seeds`` beside
    the checkout that holds this package, else None."""
    configured = os.environ.get(SEEDS_ENV, "").strip()
    if configured:
        return Path(configured)
    for parent in Path(__file__).resolve().parents:
        candidate = parent.parent / "shared" / "seeds"
        if (parent / "pyproject.toml").is_file() and candidate.is_dir():
            return candidate
    return None


@cache
def document_text(name: str) -> str | None:
    """The text of the source document ``name`` (a file in the seeds directory), or None."""
    directory = seeds_directory()
    if directory is None or not (directory / name).is_file():
        return None
    return (directory / name).read_text(encoding="utf-8", errors="replace")


def check_quote(quote: str, documents: list[str]) -> None:
    """Raise ``ValueError`` unless every passage of ``quote`` is found in the source documents.

    ``documents`` are the claim's own documents (file names in the seeds directory); a quote
    may also cite another of the course's documents (the lecture's code for the post's claim),
    so every document in the seeds directory is searched. A claim without a document (lab 02's
    stand-in), or no readable seeds directory, is not checked."""
    if not documents:
        return
    directory = seeds_directory()
    texts = (
        []
        if directory is None
        else [document_text(p.name) for p in sorted(directory.glob("*.txt"))]
    )
    corpus = " ".join(normalize(text) for text in texts if text is not None)
    if not corpus:
        return
    missing = [passage for passage in passages(quote) if passage not in corpus]
    if missing:
        raise ValueError(
            f"quote {quote!r} is not the documents' words ({', '.join(documents)}): "
            f"not found: {missing[0]!r}"
        )
