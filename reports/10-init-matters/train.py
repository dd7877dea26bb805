"""Regenerate this directory (lab 01, the init ablation): python train.py [--out DIR] [--seed S].

The experiment itself is initspec.labs.lab01.run_ablation; this script calls initspec's CLI.
"""

import argparse
import sys
from pathlib import Path

from initspec.cli import main

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()
sys.exit(main(["lab", "01", "--out", str(args.out), "--seed", str(args.seed), *[]]))
