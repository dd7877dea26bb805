"""An earlier claims.json: decoded, checked against ``claims.schema.json``, kept as far as it holds.

The schema (shipped beside this module) is the file format written down. An earlier report is
trusted only as far as it matches: each entry that matches the schema is kept and each one that
does not is dropped. A file that is not strict UTF-8 JSON as a whole (cut short by a full disk,
a NaN token or a byte that is not UTF-8 in one entry) keeps every entry of its ``claims`` list
that can still be read whole and matches the schema (:func:`salvage`). Every departure is named
in ``problems``, so that the caller can set the file aside when it writes a new one.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import jsonschema

from initspec.report.entry import ClaimEntry

SCHEMA_FILE = "claims.schema.json"


@functools.cache
def schema() -> dict[str, Any]:
    """The JSON Schema of claims.json (draft 2020-12)."""
    text = resources.files("initspec.report").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@functools.cache
def _validator() -> Any:
    jsonschema.Draft202012Validator.check_schema(schema())
    return jsonschema.Draft202012Validator(schema())


@dataclass
class Earlier:
    """The entries kept from an earlier report, and what was wrong with the rest of it."""

    entries: list[ClaimEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    generated_at: str | None = None
    commit: str | None = None
    previous_generated_at: str | None = None
    machine: dict[str, str] | None = None  # what the run measured on, if the report says


def _reject_constant(token: str) -> Any:
    raise ValueError(f"non-strict JSON token {token}")


def parse(raw: bytes) -> Any:
    """The value of ``raw`` as strict UTF-8 strict JSON (no NaN, no Infinity); ValueError if not."""
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _short(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _where(path: Any) -> str:
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
    return where.lstrip(".") or "the document"


def check(document: Any) -> Earlier:
    """The entries of ``document`` that match the schema, and a line for each that does not."""
    earlier = Earlier()
    bad_entries: set[int] = set()
    for error in _validator().iter_errors(document):
        path = list(error.absolute_path)
        if len(path) >= 2 and path[0] == "claims" and isinstance(path[1], int):
            bad_entries.add(path[1])
        earlier.problems.append(f"{_where(path)}: {_short(error.message)}")
    if not isinstance(document, dict) or not isinstance(document.get("claims"), list):
        return earlier
    generated_at, commit = document.get("generated_at"), document.get("commit")
    earlier.generated_at = generated_at if isinstance(generated_at, str) else None
    earlier.commit = commit if isinstance(commit, str) else None
    previous = document.get("previous_generated_at")
    earlier.previous_generated_at = previous if isinstance(previous, str) else None
    machine = document.get("machine")
    if isinstance(machine, dict) and all(isinstance(v, str) for v in machine.values()):
        earlier.machine = {str(k): v for k, v in machine.items()}
    claims = document["claims"]
    seen: set[str] = set()
    for index, item in enumerate(claims):
        if index in bad_entries:
            continue
        entry = ClaimEntry.from_json(item)
        if entry.seeds is not None and entry.seeds.held > entry.seeds.run:
            earlier.problems.append(f"claims[{index}].seeds: held exceeds run")
        elif entry.id in seen:
            earlier.problems.append(f"claims[{index}]: a second entry for {entry.id}")
        else:
            seen.add(entry.id)
            earlier.entries.append(entry)
    return earlier


def read(raw: bytes) -> Earlier:
    """What an earlier claims.json, given as its bytes, still says."""
    try:
        document = parse(raw)
    except ValueError as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        problem = f"not strict UTF-8 JSON: {_short(str(error))}"
        return salvage(raw, problem)
    return check(document)


_CLAIMS_LIST = re.compile(r'"claims"\s*:\s*\[')
_SEPARATOR = re.compile(r"\s*,?\s*")


class _NotStrict:
    """Where a lenient reading met NaN, Infinity or a byte that is not UTF-8."""


def _lenient_constant(token: str) -> _NotStrict:
    return _NotStrict()


def _strict_value(value: Any) -> bool:
    """Whether ``value`` came from strict UTF-8 JSON: no NaN or Infinity, no undecodable byte."""
    if isinstance(value, _NotStrict):
        return False
    if isinstance(value, str):
        return not any("\udc80" <= ch <= "\udcff" for ch in value)
    if isinstance(value, dict):
        return all(_strict_value(k) and _strict_value(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_strict_value(v) for v in value)
    return True


def salvage(raw: bytes, problem: str) -> Earlier:
    """The entries that can still be read from a file that is not strict JSON as a whole.

    The ``claims`` list is read one entry at a time; an entry with NaN, Infinity or an
    undecodable byte is dropped, and reading stops where the text stops being JSON (a file
    cut short keeps the entries before the cut). The entries read are checked as usual.
    """
    text = raw.decode("utf-8", errors="surrogateescape")
    start = _CLAIMS_LIST.search(text)
    if start is None:
        return Earlier(problems=[problem])
    decoder = json.JSONDecoder(parse_constant=_lenient_constant)
    items: list[Any] = []
    dropped: list[int] = []
    position = start.end()
    while True:
        position = _SEPARATOR.match(text, position).end()  # type: ignore[union-attr]
        if position >= len(text) or text[position] == "]":
            break
        try:
            item, position = decoder.raw_decode(text, position)
        except (ValueError, RecursionError):
            break
        if _strict_value(item):
            items.append(item)
        else:
            dropped.append(len(items) + len(dropped))
    earlier = check({"claims": items})
    earlier.problems = [
        problem,
        *(f"claims[{index}]: NaN, Infinity or a byte that is not UTF-8" for index in dropped),
        *(p for p in earlier.problems if not p.startswith("the document")),
    ]
    return earlier
