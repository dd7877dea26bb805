"""The character-level corpus: names, a vocabulary with "." as token 0, context windows.

Two corpora ship with initspec, chosen by name:

- ``lecture`` (the default): the lecture notes' own names file, 32,033 lowercase first names
  (letters a-z, V = 27 with the end token), from the makemore repository (MIT license, shipped
  beside it as ``corpora/lecture_names.LICENSE``); the names come from the US Social Security
  Administration's public lists. The lecture's printed numbers were measured on it.
- ``census``: the US census first names that the ``names`` package ships (female and male lists
  together, deduplicated; 5,163 names, V = 27).

A user's own file (one name a line) is cleaned as the blog cleans its bird names.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import torch

from initspec.data.toy import Dataset

END = "."
CENSUS_FILES = ("dist.female.first", "dist.male.first")
LECTURE_FILE = "lecture_names.txt"
DEFAULT_CORPUS = "lecture"
# The packaged corpora by name, with what a report says of each.
CORPORA: dict[str, str] = {
    "lecture": (
        "the lecture's names file (makemore's names.txt, 32,033 first names, MIT license): "
        "letters a-z, V = 27 with the end token"
    ),
    "census": (
        "US census first names (1990), female and male lists of the `names` package "
        "(dist.female.first + dist.male.first), lowercased and deduplicated; V = 27"
    ),
}
CORPUS_DESCRIPTION = CORPORA[DEFAULT_CORPUS]


def clean_name(raw: str) -> str:
    """Lowercase, strip accents, turn inner whitespace into "_" (as the blog), drop the rest."""
    text = unicodedata.normalize("NFKD", raw.strip().lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"\s+", "_", text)
    return re.sub(r"[^a-z_]", "", text).strip("_")


@functools.lru_cache(maxsize=2)
def _packaged_names(corpus: str) -> tuple[str, ...]:
    if corpus == "lecture":
        text = importlib.resources.files("initspec.data.corpora").joinpath(LECTURE_FILE)
        cleaned = (clean_name(line) for line in text.read_text(encoding="utf-8").splitlines())
        return tuple(name for name in cleaned if name)
    root = importlib.resources.files("names")
    found: set[str] = set()
    for filename in CENSUS_FILES:
        for line in root.joinpath(filename).read_text(encoding="utf-8").splitlines():
            if line.strip():
                found.add(clean_name(line.split()[0]))
    found.discard("")
    return tuple(sorted(found))


MAX_LINE_BYTES = 256  # a name a line: a longer line is not a name (the longest lecture name has 15)


def check_shape(path: Path, max_line_bytes: int = MAX_LINE_BYTES) -> None:
    """Refuse a file that is not one name a line, cheaply, before it is decoded and windowed:
    ValueError (one line, with the line number) for a line longer than ``max_line_bytes``.

    A single 15 MiB line would otherwise be one name of 15 million characters, whose context
    windows take gigabytes and a minute to build before the lab finds it useless.
    """
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if len(line.rstrip(b"\r\n")) > max_line_bytes:
                raise ValueError(
                    f"corpus file {path} is not one name a line: line {number} holds "
                    f"{len(line):,} bytes, more than the {max_line_bytes} a name may have"
                )


def load_names(path: Path | str | None = None) -> list[str]:
    """Names, cleaned: a packaged corpus by name (None: the lecture's), or a user's file of one
    name a line.

    Raises ValueError with one line for an unknown corpus name or a missing, unreadable or
    empty file.
    """
    if path is None:
        path = DEFAULT_CORPUS
    if isinstance(path, str) and path in CORPORA:
        return list(_packaged_names(path))
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"corpus file {path} does not exist or is not a file")
    try:
        check_shape(path)
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"corpus file {path} cannot be read as UTF-8 text: {error}") from None
    cleaned = [clean_name(line) for line in text.splitlines()]
    names = [name for name in cleaned if name]
    if not names:
        raise ValueError(f"corpus file {path} holds no names (one name a line, letters a-z)")
    return names


@dataclass(frozen=True)
class Vocabulary:
    """Characters <-> token ids; "." (the end token, also the empty context) is id 0."""

    itos: tuple[str, ...]

    @classmethod
    def from_names(cls, names: list[str]) -> Vocabulary:
        letters = sorted({ch for name in names for ch in name} - {END})
        return cls((END, *letters))

    @functools.cached_property
    def stoi(self) -> dict[str, int]:
        return {ch: index for index, ch in enumerate(self.itos)}

    @property
    def size(self) -> int:
        return len(self.itos)

    def encode(self, text: str) -> list[int]:
        return [self.stoi[ch] for ch in text]

    def decode(self, tokens: list[int]) -> str:
        return "".join(self.itos[token] for token in tokens)


@dataclass(frozen=True)
class CharSplit:
    """Context windows ``x`` (LongTensor [N, context]) and next tokens ``y`` (LongTensor [N])."""

    x: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return int(self.y.shape[0])


@dataclass(frozen=True)
class CharSplits:
    """The 80/10/10 split of the shuffled names, as context-window examples."""

    train: CharSplit
    val: CharSplit
    test: CharSplit
    context: int

    def as_dataset(self) -> Dataset:
        """Train and validation examples in the shape :func:`initspec.training.loop.train` reads."""
        return Dataset(self.train.x, self.train.y, self.val.x, self.val.y)


def windows(names: list[str], vocab: Vocabulary, context: int = 3) -> CharSplit:
    """Every (previous ``context`` tokens, next token) pair, each name ending with "."."""
    xs: list[list[int]] = []
    ys: list[int] = []
    for name in names:
        window = [0] * context
        for token in [*vocab.encode(name), 0]:
            xs.append(window)
            ys.append(token)
            window = [*window[1:], token]
    x = torch.tensor(xs, dtype=torch.long).view(len(xs), context)
    return CharSplit(x, torch.tensor(ys, dtype=torch.long))


def char_splits(names: list[str], vocab: Vocabulary, context: int = 3, seed: int = 0) -> CharSplits:
    """Shuffle the names with ``seed``, split them 80/10/10, and build the windows."""
    if context < 1:
        raise ValueError(f"context must be a positive integer, got {context!r}")
    order = torch.randperm(len(names), generator=torch.Generator().manual_seed(seed)).tolist()
    shuffled = [names[i] for i in order]
    n_train, n_val = int(0.8 * len(names)), int(0.1 * len(names))
    parts = (
        shuffled[:n_train],
        shuffled[n_train : n_train + n_val],
        shuffled[n_train + n_val :],
    )
    train, val, test = (windows(part, vocab, context) for part in parts)
    return CharSplits(train, val, test, context)


@functools.lru_cache(maxsize=4)
def default_splits(seed: int = 0, corpus: str = DEFAULT_CORPUS) -> tuple[Vocabulary, CharSplits]:
    """A packaged corpus's vocabulary and context-3 splits (cached: tests share them)."""
    names = load_names(corpus)
    vocab = Vocabulary.from_names(names)
    return vocab, char_splits(names, vocab, context=3, seed=seed)
