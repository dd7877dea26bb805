"""The ``initspec`` command line.

    initspec lab 01 --out reports            # write reports/10-init-matters/
    initspec lab all --out reports           # every lab, full fidelity
    initspec claims                          # every claim, with its latest verdict

Each lab is a subcommand whose options are its config's fields (:mod:`initspec.experiments.options`:
help text and range live in the field). Every option of every lab to run is checked before any lab
trains: bad input gets one line on stderr, exit code 2, and nothing is written.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from initspec.maps.cli import add_map_command, run_map_command
from initspec.runtime.interrupts import run_interruptibly

if TYPE_CHECKING:
    from initspec.experiments.options import CliOption
    from initspec.labs import Lab

# The labs, the devices and the report are imported where they are used: they load torch or
# matplotlib, which `initspec --version` and `initspec claims` do not need
# (tests/test_layering.py checks it).

DESCRIPTION = (
    "initspec is an executable specification of how initialization, normalization and "
    "residual connections decide whether a deep network trains. Four course documents make "
    "claims about it; `pytest spec/` tests every claim on real models and writes a report of "
    "verdicts. `initspec lab KEY` runs one lab (or all of them) and writes its directory: the "
    "figures and JSON its document asks for, a README that answers the document's questions "
    "from the numbers of the run, a manifest, and a train.py that regenerates it. "
    "`initspec claims` lists every claim with its latest verdict."
)
EPILOG = """examples:
  initspec lab 01 --out reports              write reports/10-init-matters/
  initspec lab 01 --out /tmp/x --steps 50 --init xavier,kaiming
  initspec lab all --out reports             every lab; ends with each lab's wall time
  initspec lab 03 --help                     lab 03's options, their ranges and defaults
  initspec claims                            every claim and its verdict in reports/claims.json

Progress goes to stdout (a bar on a terminal, plain lines elsewhere; --quiet for none);
errors go to stderr as one line, with exit code 2, and nothing is written."""
ALL = "all"


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument gets one line on stderr (no usage block), exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _version() -> str:
    try:
        return importlib.metadata.version("initspec")
    except importlib.metadata.PackageNotFoundError:
        return "(not installed)"


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", default="reports", metavar="DIR", help="parent directory (default reports)"
    )
    parser.add_argument(
        "--seed",
        default="0",
        metavar="S",
        help="base seed, an integer from 0 to 2**63 - 1 (default 0); the lab derives its data "
        "and weight seeds from it",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no header and no progress lines while it trains"
    )
    parser.add_argument(
        "--device",
        default=None,
        metavar="D",
        help="train on cpu (the default), cuda or cuda:N (default $INITSPEC_DEVICE, else cpu)",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="train every run as a task on the Dask scheduler at ADDRESS, e.g. "
        "tcp://10.0.0.5:8786 (default $INITSPEC_SCHEDULER, else here); needs "
        "initspec[distributed]",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace a lab directory that git tracks (a committed lab), which is refused "
        "without it",
    )


def _add_option(parser: argparse.ArgumentParser, item: CliOption, help_text: str) -> None:
    choices = item.spec.choices or None
    metavar = item.spec.metavar or (None if choices else item.name.upper())
    parser.add_argument(
        item.flag, dest=item.name, choices=choices, metavar=metavar, default=None, help=help_text
    )


def build_parser(*, with_labs: bool = True) -> argparse.ArgumentParser:
    """The command line; ``with_labs=False`` leaves out each lab's options, and so the labs'
    imports, for `initspec --version` and `initspec claims`."""
    parser = _Parser(
        prog="initspec",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    lab = commands.add_parser(
        "lab",
        help="run a lab and write its directory",
        description="Run a lab and write its directory under --out; `all` runs every lab.",
        allow_abbrev=False,
    )
    labs = lab.add_subparsers(dest="lab", required=True, metavar="LAB")
    if with_labs:
        _add_labs(labs)

    claims = commands.add_parser(
        "claims",
        help="list every claim, with its latest verdict",
        description="Every claim of the registry: its ID, its latest verdict (from "
        "DIR/claims.json, written by `pytest spec/`, where there is one) and its statement.",
        allow_abbrev=False,
    )
    claims.add_argument(
        "--reports",
        default="reports",
        metavar="DIR",
        help="where the report lies (default reports)",
    )
    add_map_command(commands)
    return parser


def _add_labs(labs: Any) -> None:
    """A subcommand per lab, its options its config's fields, and `all`."""
    from initspec.experiments.options import cli_options
    from initspec.labs import LABS

    for key, spec in LABS.items():
        sub = labs.add_parser(
            key,
            help=f"{spec.title} -> {spec.directory}/",
            description=f"{spec.title}: writes DIR/{spec.directory}/.",
            allow_abbrev=False,
        )
        _add_common(sub)
        for item in cli_options(spec.config):
            _add_option(sub, item, item.describe())
    every = labs.add_parser(
        ALL,
        help="every lab, one after another",
        description="Every lab. An option goes to every lab, and each lab must take it.",
        allow_abbrev=False,
    )
    _add_common(every)
    for item, keys in _options_of_every_lab().values():
        labs_text = f"lab {keys[0]}" if len(keys) == 1 else f"labs {', '.join(keys)}"
        _add_option(
            every,
            item,
            f"{item.spec.help} ({labs_text}; `initspec lab KEY --help` "
            "gives each lab's range and default)",
        )


def _print_claims(reports: Path) -> None:
    """A header, each claim's ID, latest verdict (where the report has one) and statement, and
    the counts by verdict. A claims.json that is there but cannot be read is a UsageError."""
    from initspec.claims.registry import CLAIMS
    from initspec.cli.claims_listing import claims_listing
    from initspec.report.store import CLAIMS_JSON, read_earlier

    path = reports / CLAIMS_JSON
    if path.exists() and not path.is_file():
        raise UsageError(f"{path} is not a regular file; remove it or name another --reports")
    earlier = read_earlier(path)
    if earlier.problems:
        raise UsageError(
            f"{path} is damaged ({earlier.problems[0]}); `pytest spec/` moves it aside "
            "and writes a new one"
        )
    verdicts = {entry.id: entry.verdict for entry in earlier.entries}
    for line in claims_listing(list(CLAIMS.values()), verdicts, str(path)):
        print(line)


def _options_of_every_lab() -> dict[str, tuple[CliOption, list[str]]]:
    """Flag -> (its option in the first lab that has it, every lab that has it)."""
    from initspec.experiments.options import cli_options
    from initspec.labs import LABS

    found: dict[str, tuple[CliOption, list[str]]] = {}
    for key, spec in LABS.items():
        for item in cli_options(spec.config):
            found.setdefault(item.flag, (item, []))[1].append(key)
    return found


class UsageError(Exception):
    """Bad input from the user: reported as one line, exit code 2."""


def _refuse_foreign_options(args: argparse.Namespace, extras: list[str]) -> None:
    """Name an option the chosen lab does not take (another lab's), or any unknown argument."""
    if not extras:
        return
    flag = next((text.split("=", 1)[0] for text in extras if text.startswith("-")), None)
    if getattr(args, "command", None) == "lab" and flag in _options_of_every_lab():
        raise UsageError(f"lab {args.lab} does not take {flag}")
    raise UsageError(f"unrecognized arguments: {' '.join(extras)}")


def _seed(text: str) -> int:
    from initspec.experiments.options import check_seed

    try:
        seed = int(text)
    except ValueError:
        raise ValueError(f"--seed must be an integer, got {text!r}") from None
    check_seed(seed)
    return seed


def _configs(
    args: argparse.Namespace, keys: list[str]
) -> tuple[int, list[tuple[Lab[Any, Any], Any]]]:
    """The seed, and each lab's config from the given options: every lab checked before any
    trains, each message naming the lab."""
    from initspec.experiments.options import cli_options, parse_option
    from initspec.labs import LABS

    given = {
        flag: getattr(args, item.name)
        for flag, (item, _) in _options_of_every_lab().items()
        if getattr(args, item.name, None) is not None
    }
    for key in keys:  # `lab all`: every option must suit every lab
        flags = {item.flag for item in cli_options(LABS[key].config)}
        for flag in given:
            if flag not in flags:
                raise UsageError(f"lab {key} does not take {flag}")
    chosen = []
    seed = 0
    for key in keys:
        lab = LABS[key]
        try:
            seed = _seed(args.seed)
            values = {
                item.name: parse_option(item, given[item.flag])
                for item in cli_options(lab.config)
                if item.flag in given
            }
            config = lab.config(**values)
            lab.check(config, seed)
        except ValueError as error:
            raise UsageError(f"lab {key}: {error}") from None
        chosen.append((lab, config))
    return seed, chosen


def _main(argv: Sequence[str] | None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(with_labs=_needs_labs(arguments))
    if not arguments:
        parser.print_usage(sys.stderr)
        print(
            "initspec: a command is needed: `initspec lab KEY` writes a lab's directory, "
            "`initspec claims` lists the claims; `initspec --help` says more",
            file=sys.stderr,
        )
        return 2
    args, extras = parser.parse_known_args(arguments)
    try:
        _refuse_foreign_options(args, extras)
        if args.command == "claims":
            _print_claims(Path(args.reports))
            return 0
        if args.command == "map":
            return run_map_command(args)
        return _run_labs(args)
    except BrokenPipeError:  # stdout closed early (`initspec claims | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # as a command killed by SIGPIPE
    except (ValueError, UsageError, OSError) as error:
        print(f"initspec: error: {error}", file=sys.stderr)
        return 2


def _needs_labs(arguments: Sequence[str]) -> bool:
    """Whether the command line needs the labs' options: not for `initspec claims ...` nor for
    `initspec --version` (an option before any command, and no --help)."""
    command = next((text for text in arguments if not text.startswith("-")), None)
    if command is not None:
        return command != "claims"
    return any(text in ("-h", "--help") for text in arguments)


def _run_labs(args: argparse.Namespace) -> int:
    """`initspec lab KEY|all`: check everything, then write each lab; 0 when all were written."""
    from initspec.cli.committed import refuse_committed
    from initspec.cli.room import check_room, named
    from initspec.labs import LABS
    from initspec.labs.writer import write_lab
    from initspec.report.run_summary import labs_table
    from initspec.runtime.artifacts import check_writable_dir
    from initspec.runtime.atomic import check_target
    from initspec.runtime.progress import duration
    from initspec.training.cluster import ClusterError, on_cluster
    from initspec.training.devices import use_device
    from initspec.training.parallel import default_workers

    if not args.out:
        raise UsageError("--out must name a directory, got an empty string")
    keys = list(LABS) if args.lab == ALL else [args.lab]
    seed, chosen = _configs(args, keys)
    default_workers()  # a bad $INITSPEC_WORKERS fails here, before anything is written
    use_device(args.device)  # so does a device that is not there
    out = Path(args.out)
    check_writable_dir(out)
    check_room(out)
    for lab, _ in chosen:
        check_target(out / lab.directory)
        if not args.force:
            refuse_committed(out / lab.directory)
    done = []
    try:  # a scheduler that cannot be reached, or other versions: one line, before training
        with on_cluster(args.scheduler, _cluster_say(args.quiet)):
            for lab, config in chosen:
                try:
                    written = write_lab(lab, config, seed, out, progress=not args.quiet)
                except OSError as error:
                    raise named(error, out / lab.directory) from None
                print(f"wrote {written.path} in {duration(written.seconds)}")
                done.append((lab.key, written.path, written.seconds))
    except ClusterError as error:
        raise UsageError(str(error)) from None
    if len(done) > 1:
        print("\n".join(labs_table(done)))
    return 0


def _cluster_say(quiet: bool) -> Callable[[str], None]:
    """Where the cluster's progress lines go: stdout, above a lab's bar (none under --quiet)."""

    def say(text: str) -> None:
        if not quiet:
            from tqdm import tqdm

            tqdm.write(f"initspec: {text}", file=sys.stdout)

    return say


def main(argv: Sequence[str] | None = None) -> int:
    """The command; Ctrl-C, SIGTERM or SIGHUP stop it within a training step (exit code 130)."""
    return run_interruptibly(lambda: _main(argv))


if __name__ == "__main__":
    sys.exit(main())
