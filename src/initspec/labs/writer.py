"""Writing a lab's directory: the one writer every lab goes through.

:func:`write_lab` runs the lab inside a staging directory (:func:`initspec.atomic.atomic_directory`:
the directory appears whole or not at all), then writes what its report lists, and for every lab
the same three files: ``README.md`` (the title, then the lab's text), ``manifest.json``
(:func:`initspec.artifacts.manifest`) and ``train.py``, a script that regenerates the directory
with the options it was written with.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

from initspec.artifacts import atomic_directory, manifest, write_json
from initspec.labs.lab import Figure, Json, Lab, LabFile, Text
from initspec.options import CliOption, check_seed, cli_options

COMMON_FILES = ("README.md", "manifest.json", "train.py")


def write_lab(lab: Lab[Any, Any], config: Any, seed: int, out: Path, *, progress: bool) -> Path:
    """Run ``lab`` with ``config`` and ``seed``; write its directory under ``out``; return it."""
    check_seed(seed)
    lab.check(config, seed)
    final = Path(out) / lab.directory
    start = time.perf_counter()
    with atomic_directory(final) as staging:
        results = lab.run(config, seed, progress)
        report = lab.report(config, seed, results)
        for name, content in report.files.items():
            write_file(staging / name, content)
        readme = "\n".join([f"# {lab.title}", "", *report.readme]) + "\n"
        (staging / "README.md").write_text(readme, encoding="utf-8")
        (staging / "train.py").write_text(train_script(lab, config, seed), encoding="utf-8")
        document = manifest(
            lab=lab.key,
            config={**dataclasses.asdict(config), **report.config},
            seeds=report.seeds,
            results_summary=report.summary,
            wall_time_s=time.perf_counter() - start,
        )
        write_json(staging / "manifest.json", document)
        written = sorted(path.name for path in staging.iterdir())
        expected = sorted({*lab.files, *COMMON_FILES})
        if written != expected:
            raise RuntimeError(f"lab {lab.key} wrote {written}, but declares {expected}")
    return final


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

from initspec.cli import main

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

    Options whose :class:`~initspec.options.Option` has an ``announce`` label become the
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
