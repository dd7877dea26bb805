"""An earlier claims.json: decoded, checked against ``claims.schema.json``, kept as far as it holds.

The schema (shipped beside this module) is the file format written down. An earlier report is
trusted only as far as it matches: if the file is not UTF-8, not strict JSON or not an object
with a ``claims`` list, nothing of it is kept; otherwise each entry that matches the schema is
kept and each one that does not is dropped. Every departure is named in ``problems``, so that
the caller can set the file aside before writing a new one.
"""

from __future__ import annotations

import functools
import json
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
        return Earlier(problems=[f"not strict UTF-8 JSON: {_short(str(error))}"])
    return check(document)
