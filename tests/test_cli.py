"""``initspec lab 01`` on the command line: bad input is refused cleanly, good input writes the lab.

The CLI runs in-process (``initspec.cli.main.main``) so each case costs milliseconds, not a new
interpreter. Bad input: exit code 2, one line on stderr, nothing written.
"""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from initspec.claims.registry import CLAIMS
from initspec.cli.main import main
from initspec.report import write_report

LAB01_FILES = {"train.py", "losses.json", "loss_curves.png", "manifest.json", "README.md"}
TINY = ["--steps", "5", "--depth", "3", "--width", "16", "--quiet"]

BAD_INPUT = {
    "depth-0": ["--depth", "0"],
    "unknown-init": ["--init", "orthogonal-ish"],
    "unknown-init-in-list": ["--init", "xavier,nope"],
    "unknown-activation": ["--activation", "swishy"],
    "lr-0": ["--lr", "0"],
    "lr-nan": ["--lr", "nan"],
    "lr-negative": ["--lr", "-1"],
    "lr-inf": ["--lr", "inf"],
    "steps-0": ["--steps", "0"],
    "corpus-not-for-lab-01": ["--corpus", "names.txt"],
}


def run_cli(argv: list[str]) -> int:
    """``main(argv)``'s exit code, whether it returns it or argparse raises SystemExit."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)


def files_under(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


@pytest.mark.parametrize("arguments", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    arguments: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = run_cli(["lab", "01", "--out", str(out), *TINY, *arguments])
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2, f"expected exit code 2, got {code}; stderr {captured.err!r}"
    assert len(lines) == 1 and "error" in lines[0], f"expected one error line, got {lines}"
    assert files_under(tmp_path) == [], f"bad input wrote {files_under(tmp_path)}"


def test_an_output_path_under_a_regular_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n")
    code = run_cli(["lab", "01", "--out", str(blocker / "reports"), *TINY])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1, f"expected exit 2 and one line; got {code}, {lines}"
    assert files_under(tmp_path) == ["a-file"]


@pytest.mark.parametrize("value", ["0", "two", "-1", "²", "\uff13"])
def test_a_bad_worker_count_is_refused(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INITSPEC_WORKERS", value)
    code = run_cli(["lab", "01", "--out", str(tmp_path / "out"), *TINY])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1, f"expected exit 2 and one line; got {code}, {lines}"
    assert "INITSPEC_WORKERS" in lines[0], lines
    assert files_under(tmp_path) == []


def test_unknown_lab_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["lab", "99", "--out", str(tmp_path / "out")])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1, f"expected exit 2 and one line; got {code}, {lines}"
    assert files_under(tmp_path) == []


def test_a_tiny_run_writes_the_five_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_cli(["lab", "01", "--out", str(tmp_path), "--seed", "3", *TINY])
    assert code == 0, capsys.readouterr().err
    lab = tmp_path / "10-init-matters"
    assert {p.name for p in lab.iterdir()} == LAB01_FILES
    assert files_under(tmp_path) == sorted(
        ["10-init-matters", *(f"10-init-matters/{f}" for f in LAB01_FILES)]
    )
    losses = json.loads((lab / "losses.json").read_text())
    assert set(losses["losses"]) == {"uniform", "xavier", "kaiming"}
    assert all(len(curve) == 5 for curve in losses["losses"].values())
    summary = json.loads((lab / "manifest.json").read_text())["results_summary"]
    for key in ("steps_to_nan_uniform", "final_loss_xavier", "final_loss_kaiming"):
        assert key in summary, f"results_summary lacks {key}"
    readme = (lab / "README.md").read_text()
    assert all(f"\n{n}. " in readme for n in (1, 2, 3, 4)), "README lacks a Block D answer"
    assert (lab / "loss_curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_train_py_regenerates_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["lab", "01", "--out", str(tmp_path / "first"), "--seed", "2", *TINY]) == 0
    script = tmp_path / "first" / "10-init-matters" / "train.py"
    monkeypatch.setattr(sys, "argv", [str(script), "--out", str(tmp_path / "second")])
    with pytest.raises(SystemExit) as exit_:
        runpy.run_path(str(script), run_name="__main__")
    assert exit_.value.code == 0, capsys.readouterr().err
    first = (tmp_path / "first" / "10-init-matters" / "losses.json").read_bytes()
    second = (tmp_path / "second" / "10-init-matters" / "losses.json").read_bytes()
    assert first == second, "train.py did not reproduce the run it came from"


def test_no_arguments_print_the_usage_and_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: initspec") and "initspec lab KEY" in err and "--help" in err


def test_claims_lists_each_claims_latest_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["claims", "--reports", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["claim", "verdict", "statement"], f"expected a header: {lines[0]}"
    assert len(lines) == len(CLAIMS) + 2 and "claims.json is missing" in lines[-1], lines[-1]
    write_report(tmp_path, [], "2026-01-01T00:00:00+00:00", commit="abc")
    assert run_cli(["claims", "--reports", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    first = next(iter(CLAIMS.values()))
    assert len(lines) == len(CLAIMS) + 2, f"expected header, claims and counts: {len(lines)}"
    assert lines[1].split()[:2] == [first.id, "not-run"]
    assert lines[-1].startswith(f"{len(CLAIMS)} claims: {len(CLAIMS)} not-run"), lines[-1]


@pytest.mark.parametrize("damage", [b"{not json", b'{"claims": NaN}', b""])
def test_claims_names_a_damaged_report_and_exits_2(
    damage: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "claims.json").write_bytes(damage)
    code = run_cli(["claims", "--reports", str(tmp_path)])
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2, f"expected exit code 2 for a damaged claims.json, got {code}"
    assert len(lines) == 1 and str(tmp_path / "claims.json") in lines[0], lines
    assert "damaged" in lines[0] and "missing" not in lines[0], lines[0]
    assert captured.out == "", f"expected no listing, got {captured.out[:200]!r}"


def test_claims_refuses_a_directory_at_claims_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "claims.json").mkdir()
    code = run_cli(["claims", "--reports", str(tmp_path)])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1, f"expected exit 2 and one line; got {code}, {lines}"
    assert "not a regular file" in lines[0], lines[0]


def test_a_committed_lab_directory_is_refused_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """From a checkout, `initspec lab 01 --out reports` must not silently replace the committed
    lab: refused in one line before anything trains, and written with --force."""
    lab = tmp_path / "reports" / "10-init-matters"
    lab.mkdir(parents=True)
    (lab / "README.md").write_text("the committed lab\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    for command in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "lab"]):
        subprocess.run([*git, *command], cwd=tmp_path, check=True, capture_output=True)
    code = run_cli(["lab", "01", "--out", str(tmp_path / "reports"), *TINY])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1, f"expected exit 2 and one line; got {code}, {lines}"
    assert "--force" in lines[0] and str(lab) in lines[0], lines[0]
    assert (lab / "README.md").read_text() == "the committed lab\n", "the lab was replaced"
    assert run_cli(["lab", "01", "--out", str(tmp_path / "reports"), *TINY, "--force"]) == 0
    assert (lab / "losses.json").is_file(), "expected --force to write the lab"
