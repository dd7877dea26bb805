"""The options of an experiment's config: help text and valid range live in each field.

A config is a frozen dataclass. Each field a user may set is declared with :func:`option`, which
records in the field's metadata what the option means, its range or choices and its
command-line flag. The config checks itself against that metadata (:func:`check_options`, from
``__post_init__``), and ``initspec lab`` builds its arguments from the same fields
(:func:`cli_options`, :func:`parse_option`), so every range is written once. Error messages name
the flag (``--lr``), as the user typed it.
"""

from __future__ import annotations

import dataclasses
import math
import os
import typing
from dataclasses import dataclass
from typing import Any

import numpy as np

# A learning rate or an init bound must survive the cast to float32 (the weights' type) as a
# positive finite number: from the smallest positive normal float32 to the largest.
FLOAT32_MIN = float(np.finfo(np.float32).tiny)
FLOAT32_MAX = float(np.finfo(np.float32).max)
# torch seeds any generator from 0 to 2**64 - 1; the labs' seeds stay within a signed 64-bit
# integer, and the seeds they derive from them are reduced into torch's range.
SEED_MAX = 2**63 - 1
TORCH_SEEDS = 2**64
MAX_STEPS = 10_000_000  # a list of this many losses is about 80 MB


@dataclass(frozen=True)
class Option:
    """What a config field means to a user. ``low`` and ``high`` are inclusive bounds of a
    number; ``choices`` the allowed strings; ``flag`` the command-line flag (default
    ``--field-name``); ``announce``: train.py prints this label with the value at its start."""

    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    flag: str | None = None
    metavar: str | None = None
    announce: str | None = None


def option(
    default: Any,
    help: str,
    *,
    low: float | None = None,
    high: float | None = None,
    choices: tuple[str, ...] = (),
    flag: str | None = None,
    metavar: str | None = None,
    announce: str | None = None,
) -> Any:
    """A dataclass field with ``default`` that a user may set (see :class:`Option`)."""
    spec = Option(help, low, high, choices, flag, metavar, announce)
    return dataclasses.field(default=default, metadata={"option": spec})


@dataclass(frozen=True)
class CliOption:
    """One user-settable field of a config: its name, type, default and :class:`Option`."""

    name: str
    kind: Any  # int, float, str, str | None or tuple[str, ...]
    default: Any
    spec: Option

    @property
    def flag(self) -> str:
        return self.spec.flag or "--" + self.name.replace("_", "-")

    def describe(self) -> str:
        """The help line: what it is, its range, its default."""
        parts = [self.spec.help]
        if (self.spec.low, self.spec.high) == (FLOAT32_MIN, FLOAT32_MAX):
            parts.append(f"a positive float32, {FLOAT32_MIN:.2g} to {FLOAT32_MAX:.2g}")
        elif self.spec.low is not None or self.spec.high is not None:
            parts.append(f"from {_number(self.spec.low)} to {_number(self.spec.high)}")
        default = self.default
        if isinstance(default, tuple):
            default = ",".join(default)
        if default is not None:
            parts.append(f"default {default}")
        return "; ".join(parts)


def cli_options(config_type: type) -> list[CliOption]:
    """The fields of ``config_type`` declared with :func:`option`, in field order."""
    hints = typing.get_type_hints(config_type)
    found = []
    for field in dataclasses.fields(config_type):
        spec = field.metadata.get("option")
        if isinstance(spec, Option):
            found.append(CliOption(field.name, hints[field.name], field.default, spec))
    return found


def parse_option(item: CliOption, text: str) -> Any:
    """``text`` (as typed) converted to the field's type; ValueError naming the flag."""
    kind = item.kind
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{item.flag} must be an integer, got {text!r}") from None
    if kind is float:
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"{item.flag} must be a number, got {text!r}") from None
    if kind == tuple[str, ...]:
        return tuple(part.strip() for part in text.split(","))
    return text


def check_options(config: Any) -> None:
    """Check every option field of the dataclass instance ``config`` against its type and range;
    ValueError naming the flag and the value."""
    for item in cli_options(type(config)):
        _check(item, getattr(config, item.name))


def _check(item: CliOption, value: Any) -> None:
    spec, kind = item.spec, item.kind
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError(f"{item.flag} must be an integer, got {value!r}")
    if kind is float and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ValueError(f"{item.flag} must be a number, got {value!r}")
    if kind is float and (spec.low, spec.high) == (FLOAT32_MIN, FLOAT32_MAX):
        check_positive_float32(item.flag, value)
    elif kind is int or kind is float:
        low = -math.inf if spec.low is None else spec.low
        high = math.inf if spec.high is None else spec.high
        if not (math.isfinite(value) and low <= value <= high):
            raise ValueError(
                f"{item.flag} must be from {_number(spec.low)} to {_number(spec.high)}, "
                f"got {value!r}"
            )
    if kind == tuple[str, ...]:
        if not isinstance(value, tuple) or not all(isinstance(v, str) and v for v in value):
            raise ValueError(f"{item.flag} must be a comma-separated list of names, got {value!r}")
        if not value:
            raise ValueError(f"{item.flag} needs at least one name")
        if len(set(value)) != len(value):
            raise ValueError(f"{item.flag} lists a name twice: {','.join(value)}")
    if spec.choices and value not in spec.choices:
        raise ValueError(f"{item.flag} must be one of {', '.join(spec.choices)}, got {value!r}")


def check_positive_float32(flag: str, value: float) -> None:
    """ValueError unless ``value`` is a positive number that float32 holds without loss to 0
    or infinity (see :data:`FLOAT32_MIN`, :data:`FLOAT32_MAX`)."""
    if not (math.isfinite(value) and FLOAT32_MIN <= value <= FLOAT32_MAX):
        raise ValueError(
            f"{flag} must be from {_number(FLOAT32_MIN)} to {_number(FLOAT32_MAX)} "
            f"(a positive float32), got {value!r}"
        )


def check_seed(seed: int) -> None:
    """ValueError unless ``seed`` is an integer from 0 to 2**63 - 1."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= SEED_MAX:
        raise ValueError(
            f"--seed must be an integer from 0 to {SEED_MAX} (2**63 - 1), got {seed!r}"
        )


def machine_memory() -> int:
    """This machine's physical memory in bytes (``os.sysconf``)."""
    return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))


def check_memory(needed: int, what: str) -> None:
    """ValueError if ``needed`` bytes (an estimate for ``what``, which names the options) is more
    than this machine's memory."""
    available = machine_memory()
    if needed > available:
        raise ValueError(
            f"{what} need about {_bytes(needed)} of memory for the models' weights and "
            f"optimizer state, more than this machine's {_bytes(available)}"
        )


def _bytes(count: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if count < 1024 or unit == "TiB":
            return f"{count:.3g} {unit}"
        count /= 1024
    raise AssertionError("unreachable")


def _number(value: float | None) -> str:
    if value is None:
        return "any"
    if isinstance(value, int):
        return str(value)
    return f"{value:.8g}"
