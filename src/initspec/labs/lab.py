"""What a lab is: a directory of artifacts, computed by experiments, described by a README.

A :class:`Lab` names its directory and title, its config (a frozen dataclass that checks itself;
the fields declared with :func:`initspec.experiments.options.option` are its command-line options),
how to run its experiments (``run(config, seed, progress) -> results``, no files) and how to turn
the results into its directory (``report(config, seed, results) -> LabReport``: the files it writes,
its README text and its manifest's numbers). :func:`initspec.labs.writer.write_lab` writes every
lab's directory the same way, with its ``train.py``, ``manifest.json`` and README title.

A README never says another number than its lab's JSON: its text is a function of
:class:`Facts`, which reads every number it states from the JSON files as written (the
manifest, ``losses.json``...) and records where it read it (:class:`Stated`), so a test can
check each one against the files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from initspec.plotting.formatting import fmt
from initspec.runtime.artifacts import JSONValue
from initspec.runtime.progress import Planned

C = TypeVar("C")  # the lab's config dataclass
R = TypeVar("R")  # what its run returns


@dataclass(frozen=True)
class Json:
    """A strict JSON file (sorted keys, no NaN)."""

    value: JSONValue


@dataclass(frozen=True)
class Text:
    """A UTF-8 text file."""

    text: str


@dataclass(frozen=True)
class Figure:
    """A PNG: ``draw(path)`` draws the figure and saves it there
    (:func:`initspec.plotting.save.save_figure`)."""

    draw: Callable[[Path], object]


LabFile = Json | Text | Figure
Key = str | int  # a step in a JSON path: an object's key or a list's index


@dataclass(frozen=True)
class Stated:
    """A number a README states: the JSON file and the path inside it that it was read from,
    the format it was written in (:func:`initspec.plotting.formatting.fmt`) and the text it gave."""

    file: str
    path: tuple[Key, ...]
    spec: str
    text: str


class Facts:
    """The numbers a README may state, read from the lab's JSON files as they are written.

    ``documents`` maps a file name (``manifest.json``, ``losses.json``) to its JSON value.
    ``facts(file, *path, spec=".4g")`` returns the value there written with ``spec`` and
    records it in ``stated``; ``facts.value(file, *path)`` reads a value without stating it
    (to choose what to say). A path that is not there is a KeyError: a README cannot state a
    number of a run that was not made.
    """

    def __init__(self, documents: Mapping[str, JSONValue]) -> None:
        self.documents = documents
        self.stated: list[Stated] = []

    def value(self, file: str, *path: Key) -> Any:
        return lookup(self.documents[file], path, file)

    def __call__(self, file: str, *path: Key, spec: str = ".4g") -> str:
        text = fmt(self.value(file, *path), spec)
        self.stated.append(Stated(file, tuple(path), spec, text))
        return text


def lookup(document: JSONValue, path: Sequence[Key], file: str = "the document") -> Any:
    """The value at ``path`` inside a JSON value; KeyError naming the file and path if absent."""
    value = document
    for key in path:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            where = "/".join(str(k) for k in path)
            raise KeyError(f"{file} has no {where}") from None
    return value


def last_steps(steps: int, window: int) -> str:
    """The steps a windowed statistic reads, in words: ``the last 200 steps``, or in a run
    shorter than the window ``all 50 steps`` (never more steps than were run)."""
    return f"the last {window} steps" if steps >= window else f"all {steps} steps"


@dataclass(frozen=True)
class LabReport:
    """Everything a lab's directory holds besides what every lab has.

    ``files``: path inside the directory -> content. ``readme``: the README's lines below its
    title, or a function that makes them from the run's :class:`Facts`. ``config``: manifest
    config entries beyond the config's own fields (for example a derived depth). ``seeds`` and
    ``summary``: the manifest's ``seeds`` and ``results_summary``, functions of the seed and
    the options alone.
    """

    files: Mapping[str, LabFile]
    readme: list[str] | Callable[[Facts], list[str]]
    seeds: Mapping[str, JSONValue]
    summary: Mapping[str, JSONValue]
    config: Mapping[str, JSONValue] = field(default_factory=dict)


def _no_check(config: Any, seed: int) -> None:
    """A lab whose config's own checks say everything."""


@dataclass(frozen=True)
class Lab(Generic[C, R]):
    """One lab: see the module docstring. ``files`` lists the names at the top of its directory
    besides ``train.py``, ``manifest.json`` and ``README.md`` (a folder by its name);
    ``check(config, seed)`` refuses, with a ValueError naming the option, what the config
    cannot know alone (the machine's memory, a corpus file's contents); it runs before any lab
    trains. ``plan(config)`` lists the training setups a run makes, for the progress header
    and the ETA (:mod:`initspec.runtime.progress`)."""

    key: str
    directory: str
    title: str
    config: type[C]
    run: Callable[[C, int, bool], R]
    report: Callable[[C, int, R], LabReport]
    files: tuple[str, ...]
    check: Callable[[C, int], None] = _no_check
    plan: Callable[[C], list[Planned]] | None = None
