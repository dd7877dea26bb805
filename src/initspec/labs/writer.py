"""Writing a lab's directory: the one writer every lab goes through.

:func:`write_lab` runs the lab inside a staging directory
(:func:`initspec.runtime.atomic.atomic_directory`: the directory appears whole or not at all), then
writes what its report lists, and for every lab the same three files: ``README.md`` (the title, then
the lab's text), ``manifest.json`` (:func:`initspec.labs.manifest.manifest`) and ``train.py``, a
script that regenerates the directory with the options it was written with. The README's numbers are
read from the JSON files as written (:class:`initspec.labs.lab.Facts`). With ``progress``, the run
prints its header and progress (:func:`initspec.runtime.progress.lab_progress`).
"""

from __future__ import annotations

import dataclasses
import json
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any, NamedTuple

from initspec.experiments.options import CliOption, check_seed, cli_options
from initspec.labs.lab import Facts, Figure, Json, Lab, LabFile, Stated, Text
from initspec.labs.manifest import manifest
from initspec.runtime.artifacts import JSONValue, atomic_directory, dumps, write_json
from initspec.runtime.progress import lab_progress
from initspec.training.parallel import default_workers

COMMON_FILES = ("README.md", "manifest.json", "train.py")


class Written(NamedTuple):
    """A lab directory written: where, the numbers its README states, the wall time."""

    path: Path
    stated: tuple[Stated, ...]
    seconds: float


def write_lab(lab: Lab[Any, Any], config: Any, seed: int, out: Path, *, progress: bool) -> Written:
    """Run ``lab`` with ``config`` and ``seed``; write its directory under ``out``."""
    check_seed(seed)
    lab.check(config, seed)
    final = Path(out) / lab.directory
    start = time.perf_counter()
    plan = lab.plan(config) if lab.plan is not None else None
    shown = lab_progress(lab.title, f"{final}/", plan, workers=default_workers())
    with atomic_directory(final) as staging, shown if progress else nullcontext():
        results = lab.run(config, seed, progress)
        report = lab.report(config, seed, results)
        documents: dict[str, JSONValue] = {}
        for name, content in report.files.items():
            write_file(staging / name, content)
            if isinstance(content, Json):
                documents[name] = as_written(content.value)
        document = manifest(
            lab=lab.key,
            config={**dataclasses.asdict(config), **report.config},
            seeds=report.seeds,
            results_summary=report.summary,
            wall_time_s=time.perf_counter() - start,
        )
        facts = Facts({**documents, "manifest.json": as_written(document)})
        lines = report.readme(facts) if callable(report.readme) else report.readme
        readme = "\n".join([f"# {lab.title}", "", *lines]) + "\n"
        (staging / "README.md").write_text(readme, encoding="utf-8")
        (staging / "train.py").write_text(train_script(lab, config, seed), encoding="utf-8")
        write_json(staging / "manifest.json", document)
        written = sorted(path.name for path in staging.iterdir())
        expected = sorted({*lab.files, *COMMON_FILES})
        if written != expected:
            raise RuntimeError(f"lab {lab.key} wrote {written}, but declares {expected}")
    return Written(final, tuple(facts.stated), time.perf_counter() - start)


def as_written(value: JSONValue) -> JSONValue:
    """``value`` as its JSON file will read back (NaN as null, tuples as lists)."""
    return json.loads(dumps(value))


def write_file(path: Path, content: LabFile) -> None:
    """Write one of a report's files (parent folders created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, Json):
        write_json(path, content.value)
    elif isinstance(content, Text):
        path.write_text(content.text, encoding="utf-8")
    elif isinstance(content, Figure):
        content.draw(path)
    else:
        raise TypeError(f"cannot write {path.name}: unknown content {type(content).__name__}")


def option_arguments(config: Any, defaults: Any, skip: tuple[str, ...] = ()) -> list[str]:
    """The command-line options that turn ``defaults`` into ``config`` (none if equal)."""
    arguments: list[str] = []
    for item in cli_options(type(config)):
        value = getattr(config, item.name)
        if item.name not in skip and value != getattr(defaults, item.name):
            arguments += [item.flag, option_text(value)]
    return arguments


def option_text(value: Any) -> str:
    """A config value as typed on the command line (a tuple of names joined by commas)."""
    if isinstance(value, tuple):
        return ",".join(str(part) for part in value)
    return str(value)


TRAIN_SCRIPT = '''\
"""Regenerate this directory ({title}).

    python train.py [--out DIR] [--seed S]{usage}
                    [any other option of `initspec lab {key}`]

It runs `initspec lab {key}` with the options this directory was written with; options given
here override them (`initspec lab {key} --help` lists them).
"""

import argparse
import sys
from pathlib import Path

from initspec.cli.main import main

# How this directory's run differs from the lab's defaults:
OPTIONS = {options}

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent)
parser.add_argument("--seed", type=int, default={seed})
{announced}args, overrides = parser.parse_known_args()
{prints}argv = ["lab", "{key}", "--out", str(args.out), "--seed", str(args.seed), *OPTIONS]
{passed}sys.exit(main([*argv, *overrides]))
'''


def train_script(lab: Lab[Any, Any], config: Any, seed: int) -> str:
    """``train.py``: reruns ``initspec lab KEY`` with this directory's seed and options.

    Options whose :class:`~initspec.experiments.options.Option` has an ``announce`` label become the
    script's own arguments and are printed at its start (lab 03's "Using residual:").
    """
    announced = [item for item in cli_options(type(config)) if item.spec.announce]
    options = option_arguments(config, lab.config(), skip=tuple(i.name for i in announced))
    return TRAIN_SCRIPT.format(
        title=lab.title,
        key=lab.key,
        seed=seed,
        options=json.dumps(options),
        usage="".join(f" [{i.flag} {'|'.join(i.spec.choices) or 'VALUE'}]" for i in announced),
        announced="".join(_argument(i, getattr(config, i.name)) for i in announced),
        prints="".join(f"print({json.dumps(i.spec.announce)}, args.{i.name})\n" for i in announced),
        passed="".join(f'argv += ["{i.flag}", args.{i.name}]\n' for i in announced),
    )


def _argument(item: CliOption, value: Any) -> str:
    choices = f", choices={json.dumps(list(item.spec.choices))}" if item.spec.choices else ""
    default = json.dumps(option_text(value))
    return f'parser.add_argument("{item.flag}"{choices}, default={default})\n'
