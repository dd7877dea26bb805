"""What a lab is: a directory of artifacts, computed by experiments, described by a README.

A :class:`Lab` names its directory and title, its config (a frozen dataclass that checks itself;
the fields declared with :func:`initspec.options.option` are its command-line options), how to
run its experiments (``run(config, seed, progress) -> results``, no files) and how to turn the
results into its directory (``report(config, seed, results) -> LabReport``: the files it writes,
its README text and its manifest's numbers). :func:`initspec.labs.writer.write_lab` writes every
lab's directory the same way, with its ``train.py``, ``manifest.json`` and README title.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from initspec.artifacts import JSONValue

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
    (:func:`initspec.figures.save_figure`)."""

    draw: Callable[[Path], object]


LabFile = Json | Text | Figure


@dataclass(frozen=True)
class LabReport:
    """Everything a lab's directory holds besides what every lab has.

    ``files``: path inside the directory -> content. ``readme``: the README's lines below its
    title. ``config``: manifest config entries beyond the config's own fields (for example a
    derived depth). ``seeds`` and ``summary``: the manifest's ``seeds`` and
    ``results_summary``, functions of the seed and the options alone.
    """

    files: Mapping[str, LabFile]
    readme: list[str]
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
    trains."""

    key: str
    directory: str
    title: str
    config: type[C]
    run: Callable[[C, int, bool], R]
    report: Callable[[C, int, R], LabReport]
    files: tuple[str, ...]
    check: Callable[[C, int], None] = _no_check
