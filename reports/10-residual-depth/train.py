"""Regenerate this directory (Lab 03: residual depth).

    python train.py [--out DIR] [--seed S] [--use-residual yes|no|both]
                    [any other option of `initspec lab 03`]

It runs `initspec lab 03` with the options this directory was written with; options given
here override them (`initspec lab 03 --help` lists them).
"""

import argparse
import sys
from pathlib import Path

from initspec.cli.main import main

# How this directory's run differs from the lab's defaults:
OPTIONS = []

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent)
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--use-residual", choices=["yes", "no", "both"], default="both")
args, overrides = parser.parse_known_args()
print("Using residual:", args.use_residual)
argv = ["lab", "03", "--out", str(args.out), "--seed", str(args.seed), *OPTIONS]
argv += ["--use-residual", args.use_residual]
sys.exit(main([*argv, *overrides]))
