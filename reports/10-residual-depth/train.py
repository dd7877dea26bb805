"""Regenerate this directory (lab 03, residual depth).

    python train.py [--use-residual yes|no|both] [--out DIR] [--seed S]

The experiment itself is initspec.labs.lab03; this script calls initspec's CLI.
"""

import argparse
import sys
from pathlib import Path

from initspec.cli import main

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--use-residual", choices=("yes", "no", "both"), default="both")
parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()
print("Using residual:", args.use_residual)
sys.exit(main(["lab", "03", "--out", str(args.out), "--seed", str(args.seed),
               "--use-residual", args.use_residual, *[]]))
