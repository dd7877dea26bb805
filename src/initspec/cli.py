"""The ``initspec`` command line.

    initspec lab 01 --out reports            # write reports/10-init-matters/
    initspec lab all --out reports           # every lab, full fidelity
    initspec claims                          # list the claim registry

Bad input gets one line on stderr and exit code 2, and leaves no half-written directory.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from initspec.artifacts import atomic_directory, check_writable_dir
from initspec.claims import CLAIMS
from initspec.labs import LAB_MODULES, LabOptions, load_lab
from initspec.parallel import default_workers


class UsageError(Exception):
    """Bad input from the user: reported as one line, exit code 2."""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive finite number, got {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument gets one line on stderr (no usage block), exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="initspec", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    lab = commands.add_parser("lab", help="run a lab and write its directory")
    lab.add_argument("lab", help=f"which lab: {', '.join(LAB_MODULES)} or all")
    lab.add_argument("--out", type=Path, default=Path("reports"), help="parent directory")
    lab.add_argument("--seed", type=_non_negative_int, default=0, help="base seed (default 0)")
    lab.add_argument("--quiet", action="store_true", help="no progress lines")
    lab.add_argument("--steps", type=_positive_int, help="training steps (default: the lab's)")
    lab.add_argument("--depth", type=_positive_int, help="number of layers or blocks")
    lab.add_argument("--width", type=_positive_int, help="hidden width")
    lab.add_argument("--lr", type=_positive_float, help="learning rate")
    lab.add_argument("--activation", help="activation function")
    lab.add_argument("--init", dest="inits", help="comma-separated init schemes")
    lab.add_argument("--corpus", type=Path, help="a names file, one name a line (makemore)")
    lab.add_argument("--use-residual", choices=("yes", "no", "both"), help="lab 03 variants")

    commands.add_parser("claims", help="list every claim in the registry")
    return parser


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    names = ("steps", "depth", "width", "lr", "activation", "inits", "corpus", "use_residual")
    return {name: getattr(args, name) for name in names if getattr(args, name) is not None}


def run_lab(key: str, out: Path, options: LabOptions) -> Path:
    """Run one lab into ``out/<its directory>``, atomically. Returns the directory."""
    module = load_lab(key)
    validate = getattr(module, "validate", None)
    if validate is not None:
        validate(options)  # raises ValueError before anything is written
    final = out / str(module.DIRECTORY)
    with atomic_directory(final) as staging:
        module.run(staging, options)
    return final


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "claims":
            for claim in CLAIMS.values():
                print(f"{claim.id:40s} {claim.statement}")
            return 0
        keys = list(LAB_MODULES) if args.lab == "all" else [args.lab]
        for key in keys:
            load_lab(key)
        default_workers()  # a bad $INITSPEC_WORKERS fails here, before anything is written
        check_writable_dir(args.out)
        options = LabOptions(seed=args.seed, progress=not args.quiet, overrides=_overrides(args))
        for key in keys:
            written = run_lab(key, args.out, options)
            print(f"wrote {written}")
    except (ValueError, UsageError, OSError) as error:
        print(f"initspec: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
