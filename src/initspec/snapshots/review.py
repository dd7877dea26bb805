"""The review page: one HTML page listing every snapshot that changed beyond its tolerance.

Each mismatch is written under ``<root>/.snapshot-review/`` (git-ignored; ``root`` is the
project directory, the first above the snapshot holding ``pyproject.toml``; the environment
variable ``INITSPEC_SNAPSHOT_REVIEW`` names another directory): for a figure the expected,
actual and diff PNGs, for a results document the values that changed (old and new, difference
and allowed difference), each as one entry (``runs/<run>/<name>.json``). After every entry,
``index.html`` is rewritten from all the entries of this run: one row per snapshot, old | new |
diff side by side, the measured difference against the tolerance. A pytest run is one run (its
xdist workers share ``PYTEST_XDIST_TESTRUNUID``); the first mismatch of a new run removes the
entries of earlier ones, so the page shows this run's changes only; and where the session loads
:mod:`initspec.snapshots.plugin` (the root ``conftest.py`` does), a run starts without the
last run's page and its terminal summary names its own.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock

from initspec.snapshots.numbers import Change

REVIEW_DIRECTORY = ".snapshot-review"
PAGE = "index.html"
ENVIRONMENT = "INITSPEC_SNAPSHOT_REVIEW"
MAX_ROWS = 200  # changed values shown per results snapshot
_PROCESS_RUN = uuid.uuid4().hex[:12]


@dataclass
class Entry:
    """One changed snapshot: its ``name``, the snapshot file, the measured difference against
    the tolerance (``summary``), and either the three images (``expected``, ``actual``,
    ``diff``: file names beside the entry) or the changed values (``changes``)."""

    name: str
    snapshot: str
    summary: str
    expected: str | None = None
    actual: str | None = None
    diff: str | None = None
    changes: list[dict[str, object]] = field(default_factory=list)
    changed_values: int = 0


def review_root(snapshot_location: str | Path) -> Path:
    """``INITSPEC_SNAPSHOT_REVIEW``, else ``.snapshot-review/`` in the first directory above
    the snapshot that holds ``pyproject.toml`` (else beside the ``__snapshots__`` directory)."""
    if os.environ.get(ENVIRONMENT):
        return Path(os.environ[ENVIRONMENT]).resolve()
    location = Path(snapshot_location).resolve()
    for parent in location.parents:
        if (parent / "pyproject.toml").is_file():
            return parent / REVIEW_DIRECTORY
    snapshots = next((p for p in location.parents if p.name == "__snapshots__"), location.parent)
    return snapshots.parent / REVIEW_DIRECTORY


def project_review_root(project: Path) -> Path:
    """``INITSPEC_SNAPSHOT_REVIEW``, else ``<project>/.snapshot-review``."""
    if os.environ.get(ENVIRONMENT):
        return Path(os.environ[ENVIRONMENT]).resolve()
    return Path(project).resolve() / REVIEW_DIRECTORY


def clear(root: Path) -> None:
    """Remove the page and every run's entries under ``root`` (nothing else there)."""
    (root / PAGE).unlink(missing_ok=True)
    shutil.rmtree(root / "runs", ignore_errors=True)


def run_id() -> str:
    """This pytest run: the xdist workers' shared ``PYTEST_XDIST_TESTRUNUID``, else this
    process's own."""
    return os.environ.get("PYTEST_XDIST_TESTRUNUID") or _PROCESS_RUN


def file_stem(snapshot_location: str | Path) -> str:
    """A file name for a snapshot: its test module's directory and its own name, characters
    outside ``[A-Za-z0-9._-]`` as ``_``."""
    location = Path(snapshot_location)
    name = f"{location.parent.name}--{location.stem}"
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[:180]


def record(
    root: Path,
    entry: Entry,
    images: dict[str, bytes] | None = None,
) -> Path:
    """Write ``entry`` (and its ``images``: file name -> PNG bytes) into this run's directory
    under ``root``, rewrite the page, and return the page's path."""
    root.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root / ".lock")):
        runs = root / "runs"
        current = runs / run_id()
        if runs.is_dir():
            for other in runs.iterdir():
                if other != current:
                    shutil.rmtree(other, ignore_errors=True)
        current.mkdir(parents=True, exist_ok=True)
        for name, data in (images or {}).items():
            (current / name).write_bytes(data)
        (current / f"{file_stem(entry.snapshot)}.json").write_text(
            json.dumps(asdict(entry), indent=1), encoding="utf-8"
        )
        entries = [
            Entry(**json.loads(path.read_text(encoding="utf-8")))
            for path in sorted(current.glob("*.json"))
        ]
        page = root / PAGE
        temporary = root / f".{PAGE}.{os.getpid()}"
        temporary.write_text(render(entries, f"runs/{current.name}"), encoding="utf-8")
        os.replace(temporary, page)
    return page


def change_row(change: Change) -> dict[str, object]:
    """A changed value as the page shows it."""
    return asdict(change)


_STYLE = """
body { font-family: sans-serif; margin: 1.5em; }
table { border-collapse: collapse; margin-bottom: 2em; }
td, th { border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; text-align: left; }
img { max-width: 29vw; border: 1px solid #ddd; }
.numbers td { font-family: monospace; }
h2 { font-size: 1.1em; margin-top: 2em; }
"""


def _images(entry: Entry, folder: str) -> str:
    titles = ("old (snapshot)", "new (this run)", "diff (red: changed pixels)")
    cells = [f"<th>{title}</th>" for title in titles]
    images = [
        f'<td><a href="{folder}/{html.escape(name)}"><img src="{folder}/{html.escape(name)}" '
        f'alt="{html.escape(name)}"></a></td>'
        if name
        else "<td>(no diff image: the sizes differ)</td>"
        for name in (entry.expected, entry.actual, entry.diff)
    ]
    return f"<table><tr>{''.join(cells)}</tr><tr>{''.join(images)}</tr></table>"


def _numbers(entry: Entry) -> str:
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(value))}</td>"
            for value in (
                change.get("path") or "(whole document)",
                change.get("old"),
                change.get("new"),
                "" if change.get("difference") is None else f"{change['difference']:.3g}",
                "" if change.get("allowed") is None else f"{change['allowed']:.3g}",
            )
        )
        + "</tr>"
        for change in entry.changes
    )
    more = entry.changed_values - len(entry.changes)
    note = f"<p>and {more} more changed values</p>" if more > 0 else ""
    head = "<tr><th>value</th><th>old</th><th>new</th><th>difference</th><th>allowed</th></tr>"
    return f'<table class="numbers">{head}{rows}</table>{note}'


def render(entries: list[Entry], folder: str) -> str:
    """The page: a heading per changed snapshot, its measured difference against the
    tolerance, then old | new | diff (figures) or a table of changed values (results)."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Snapshot review: {len(entries)} changed</title><style>{_STYLE}</style></head>",
        f"<body><h1>Snapshot review: {len(entries)} changed beyond tolerance</h1>",
        f"<p>Written {when}. Accept the new versions with "
        "<code>pytest &lt;the tests&gt; --snapshot-update</code>; changes within tolerance "
        "are not rewritten.</p><ul>",
        *(
            f'<li><a href="#{html.escape(file_stem(e.snapshot))}">{html.escape(e.name)}</a>: '
            f"{html.escape(e.summary)}</li>"
            for e in entries
        ),
        "</ul>",
    ]
    for entry in entries:
        anchor = html.escape(file_stem(entry.snapshot))
        parts.append(
            f'<h2 id="{anchor}">{html.escape(entry.name)}</h2>'
            f"<p>{html.escape(entry.summary)}<br><code>{html.escape(entry.snapshot)}</code></p>"
        )
        parts.append(_numbers(entry) if entry.expected is None else _images(entry, folder))
    parts.append("</body></html>")
    return "\n".join(parts)
