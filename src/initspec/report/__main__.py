"""``python -m initspec.report [--code-commit] [REPORTS_DIR]``: render the report again from
claims.json.

Nothing is measured: the verdicts, figures and freshness are claims.json's; what the registry
says (statements, lab directories) is today's. With ``--code-commit`` the report is rendered
for the code it runs from (its git commit): every verdict measured at another commit is marked
as older than the code, and the summary says so. Everything rendered from claims.json is written
again: the claim pages and their figures (``claims/``), index.md and index.html. A claims.json
that does not match its schema is left as it is, with one line on stderr and exit code 2.
"""

from __future__ import annotations

import sys
from pathlib import Path

from filelock import FileLock

from initspec.claims.registry import CLAIMS
from initspec.report.entry import Report
from initspec.report.merge import as_registry_says, blank_entry
from initspec.report.publish import render_report
from initspec.report.store import CLAIMS_JSON, LOCK_TIMEOUT_S, read_earlier
from initspec.runtime.artifacts import git_commit

USAGE = "usage: python -m initspec.report [--code-commit] [REPORTS_DIR]"


def main(argv: list[str]) -> int:
    code_commit = None
    if argv and argv[0] == "--code-commit":
        argv = argv[1:]
        code_commit = git_commit()
        if code_commit is None:
            print("initspec: --code-commit: this code is not a git checkout", file=sys.stderr)
            return 2
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        print(USAGE, file=sys.stderr)
        return 2
    reports_dir = Path(argv[0] if argv else "reports")
    json_path = reports_dir / CLAIMS_JSON
    if not json_path.is_file():
        print(f"initspec: {json_path} is not a file", file=sys.stderr)
        return 2
    with FileLock(f"{json_path}.lock", timeout=LOCK_TIMEOUT_S):
        earlier = read_earlier(json_path)
        if earlier.problems or earlier.generated_at is None:
            problem = earlier.problems[0] if earlier.problems else "no generated_at"
            print(f"initspec: {json_path} did not match its schema ({problem})", file=sys.stderr)
            return 2
        kept = {entry.id: entry for entry in earlier.entries}
        entries = [
            as_registry_says(kept[claim.id]) if claim.id in kept else blank_entry(claim)
            for claim in CLAIMS.values()
        ]
        report = Report(
            generated_at=earlier.generated_at,
            commit=earlier.commit,
            claims=entries,
            previous_generated_at=earlier.previous_generated_at,
            code_commit=code_commit,
            machine=earlier.machine,
        )
        failures: list[str] = []

        def warn(line: str) -> None:
            failures.append(line)
            print(line, file=sys.stderr, flush=True)

        render_report(report, reports_dir, warn)
    return 2 if failures else 0


def command(argv: list[str]) -> int:
    """:func:`main`, with a reports directory that cannot be written or locked said in one line
    naming the path, exit code 2 (not a traceback)."""
    try:
        return main(argv)
    except OSError as error:  # filelock's Timeout is one too
        where = error.filename or next((a for a in argv if not a.startswith("-")), "reports")
        reason = error.strerror or str(error)
        print(
            f"initspec: cannot write the report at {where}: {reason}; make it writable "
            "or name another directory",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(command(sys.argv[1:]))
