"""Regenerate this directory (lab 02 stand-in, the norm ablation)."""

import sys

from initspec.cli import main

sys.exit(main(["lab", "02", "--seed", "0", *sys.argv[1:]]))
