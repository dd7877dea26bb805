"""The README's examples run as written."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_diagnostics_example_flags_the_saturated_layers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(EXAMPLES / "diagnose_your_model.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "flag: 1 saturated" in out, f"expected the first tanh layer flagged; printed:\n{out}"
    written = sorted(path.name for path in tmp_path.iterdir())
    assert written == ["activations.png", "gradients.png", "update_ratio.png"], written
