"""Regenerate this directory (Lab 01: init ablation).

    python train.py [--out DIR] [--seed S]
                    [any other option of `initspec lab 01`]

It runs `initspec lab 01` with the options this directory was written with; options given
here override them (`initspec lab 01 --help` lists them).
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
args, overrides = parser.parse_known_args()
argv = ["lab", "01", "--out", str(args.out), "--seed", str(args.seed), *OPTIONS]
sys.exit(main([*argv, *overrides]))
