"""``initspec map NAME``: measure one map (initspec.maps.measure) and write its PNG, JSON and page.

The coarse grid is what the spec runs (tests/test_maps.py); ``--full`` measures the full grid.
A bar on stderr shows cells done, the rate and the ETA.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from initspec.maps.measure import MAP_NAMES


def add_map_command(commands: Any) -> None:
    """The ``map`` subcommand's arguments."""
    parser = commands.add_parser(
        "map",
        help="measure a map of where a headline claim holds, with the theory's lines",
        description="Measure one map over its grid (coarse by default, --full for the full "
        "grid) and write NAME.png, NAME.json and NAME.md under --out.",
        allow_abbrev=False,
    )
    parser.add_argument("name", metavar="NAME", help=f"the map: {', '.join(MAP_NAMES)}")
    parser.add_argument("--full", action="store_true", help="the full grid (default: coarse)")
    parser.add_argument(
        "--out", default="reports/maps", metavar="DIR", help="where to write (default reports/maps)"
    )
    parser.add_argument(
        "--seed-base", type=int, default=0, metavar="N", help="added to every seed (default 0)"
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="measure every cell as a task on the Dask scheduler at ADDRESS (default "
        "$INITSPEC_SCHEDULER, else here); needs initspec[distributed]",
    )


def run_map_command(args: argparse.Namespace) -> int:
    """Measure the map with a progress bar and ETA; print the files written."""
    from tqdm import tqdm

    from initspec.maps.measure import get_spec, run_map
    from initspec.maps.write import write_map
    from initspec.training.cluster import ClusterError, on_cluster
    from initspec.training.threads import single_thread

    get_spec(args.name)  # an unknown name: ValueError, one line, exit 2 (before any work)
    started = time.monotonic()

    def say(text: str) -> None:
        tqdm.write(f"initspec: {text}", file=sys.stderr)

    # A scheduler that cannot be reached, or other versions: one line, before the bar and cells.
    try:
        with (
            on_cluster(args.scheduler, say),
            tqdm(desc=f"map {args.name}", unit="cell", file=sys.stderr) as bar,
        ):

            def progress(done: int, total: int) -> None:
                if bar.total != total:
                    bar.total = total
                    bar.refresh()
                bar.update(done - bar.n)

            with single_thread():
                result = run_map(
                    args.name, full=args.full, seed_base=args.seed_base, progress=progress
                )
    except ClusterError as error:
        raise ValueError(str(error)) from None
    for path in write_map(result, Path(args.out)):
        print(path)
    print(f"{len(result.measured)} cells in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return 0
