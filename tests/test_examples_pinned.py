"""A property test's examples do not depend on the modules the session imported before it
(:mod:`initspec.plugin.examples`).

Each case runs in a fresh interpreter: a derandomized property draws its examples, a local module
full of constants in the property's range is imported, and the property draws again. Unpinned,
Hypothesis harvests the new module's constants and the second draw differs (the check can fail);
pinned, the two draws are the same examples.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = """
import importlib, json, sys
from hypothesis import given, settings, strategies as st

if sys.argv[1] == "pinned":
    from initspec.plugin.examples import pin_examples
    pin_examples()
seen = []

@settings(derandomize=True, max_examples=100, database=None, deadline=None)
@given(st.floats(0.5, 2.0), st.integers(3, 900))
def probe(x, n):
    seen.append([x, n])

probe()
before = list(seen)
seen.clear()
sys.path.insert(0, sys.argv[2])
importlib.import_module("many_constants")
probe()
print(json.dumps({"before": before, "after": seen}))
"""


def draws(mode: str, tmp_path: Path) -> tuple[list[list[float]], list[list[float]]]:
    """The property's examples before and after the constants module is imported."""
    lines = [f"C{i} = ({0.5 + i * 0.0123:.6f}, {3 + i * 7})" for i in range(120)]
    (tmp_path / "many_constants.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, f"expected the probe to run; it failed:\n{done.stderr}"
    result = json.loads(done.stdout)
    return result["before"], result["after"]


def test_unpinned_examples_change_with_the_modules_loaded(tmp_path: Path) -> None:
    """The rule below can fail: without the pin, importing a module changes the examples."""
    before, after = draws("unpinned", tmp_path)
    assert len(before) == len(after) > 0, f"expected two draws; got {len(before)}, {len(after)}"
    assert before != after, (
        "expected Hypothesis's local constants to change the unpinned examples once a module "
        "of constants is loaded; they were the same (has Hypothesis stopped harvesting "
        "constants? then initspec.plugin.examples has nothing left to pin)"
    )


def test_pinned_examples_ignore_the_modules_loaded(tmp_path: Path) -> None:
    before, after = draws("pinned", tmp_path)
    changed = sum(b != a for b, a in zip(before, after, strict=True))
    assert before == after, (
        f"expected the same examples before and after a module of constants is imported; "
        f"{changed} of {len(before)} differ"
    )
