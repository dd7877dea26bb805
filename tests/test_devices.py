"""``--device`` and ``INITSPEC_DEVICE`` (initspec.training.devices): where training runs.

Without a GPU the checks are of the choice itself: a device that is not there is refused with
one line and exit code 2 by the labs' command and by ``pytest spec/``, before anything trains or
is written; naming the CPU changes nothing. Where a CUDA GPU is present, the last tests train
the three training loops on it and compare every loss with the CPU run's, to rounding.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import torch

from initspec.claims.numbers import LAB03_GELU_GAIN
from initspec.cli.main import main
from initspec.data.corpus import default_splits
from initspec.data.toy import toy_data
from initspec.models.blocks import build_deep_mlp
from initspec.models.charmodel import build_char_mlp
from initspec.models.mlp import build_mlp
from initspec.training import devices
from initspec.training.blog_recipe import blog_config
from initspec.training.devices import (
    DEVICE_ENV,
    DeviceError,
    current_device,
    parse_device,
    use_device,
)
from initspec.training.hand_sgd import train_deep
from initspec.training.loop import TrainConfig, TrainResult, train
from initspec.training.stacked import StackedCharMLP, train_stacked

pytest_plugins = ["pytester"]

TINY = ["--steps", "5", "--depth", "3", "--width", "16", "--quiet"]
HAS_CUDA = torch.cuda.is_available()


@pytest.fixture(autouse=True)
def no_device_chosen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts with no device chosen and no $INITSPEC_DEVICE, and leaves none."""
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    monkeypatch.setattr(devices, "_chosen", None)
    yield


@pytest.fixture
def no_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


@pytest.mark.parametrize("text", ["cpu", " cpu "])
def test_the_cpu_is_always_there(text: str) -> None:
    assert parse_device(text) == torch.device("cpu")


@pytest.mark.parametrize("text", ["tpu", "cuda:x", "cpu:1", "", "cuda:-1"])
def test_an_unknown_device_is_refused(text: str) -> None:
    with pytest.raises(DeviceError, match="unknown device"):
        parse_device(text)


@pytest.mark.usefixtures("no_gpu")
@pytest.mark.parametrize("text", ["cuda", "cuda:0"])
def test_cuda_without_a_gpu_is_refused(text: str) -> None:
    with pytest.raises(DeviceError, match="no CUDA GPU is available"):
        parse_device(text)


def test_a_gpu_index_beyond_the_machines_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert parse_device("cuda:0") == torch.device("cuda:0")
    with pytest.raises(DeviceError, match="has 1 CUDA device"):
        parse_device("cuda:1")


def test_the_environment_chooses_when_no_option_does(monkeypatch: pytest.MonkeyPatch) -> None:
    assert current_device() == torch.device("cpu")
    monkeypatch.setenv(DEVICE_ENV, "cpu")
    assert use_device(None) == torch.device("cpu")
    monkeypatch.setenv(DEVICE_ENV, "abacus")
    with pytest.raises(DeviceError, match=f"^{DEVICE_ENV}: unknown device 'abacus'"):
        use_device(None)


def run_cli(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)


@pytest.mark.usefixtures("no_gpu")
@pytest.mark.parametrize("where", ["option", "environment"])
def test_the_labs_refuse_a_missing_gpu_with_one_line_and_write_nothing(
    where: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    device = ["--device", "cuda"] if where == "option" else []
    if where == "environment":
        monkeypatch.setenv(DEVICE_ENV, "cuda")
    code = run_cli(["lab", "01", "--out", str(tmp_path / "out"), *TINY, *device])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1, f"expected exit 2 and one line; got {code}, {lines}"
    assert "no CUDA GPU" in lines[0], lines
    assert list(tmp_path.iterdir()) == [], "a refused device wrote something"


def test_the_spec_refuses_a_missing_gpu_with_exit_code_2(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_nothing="def test_nothing():\n    pass\n")
    monkeypatch.setenv(DEVICE_ENV, "" if HAS_CUDA else "cuda")
    device = "cuda:99" if HAS_CUDA else "cuda"
    result = pytester.runpytest_subprocess(
        "-p", "initspec.plugin.hooks", f"--device={device}", "--no-claims-report"
    )
    assert result.ret == 2, result.stdout.str() + result.stderr.str()
    assert "initspec: error: device" in result.stdout.str() + result.stderr.str()


def test_naming_the_cpu_writes_the_same_lab(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["lab", "01", "--out", str(tmp_path / "a"), *TINY]) == 0
    assert run_cli(["lab", "01", "--out", str(tmp_path / "b"), *TINY, "--device", "cpu"]) == 0
    capsys.readouterr()
    first, second = (tmp_path / d / "10-init-matters" for d in ("a", "b"))
    assert (first / "losses.json").read_bytes() == (second / "losses.json").read_bytes()
    manifest = json.loads((second / "manifest.json").read_text())
    assert manifest["run"]["device"] == "cpu"


# Where a GPU is present: each training loop on it against the same run on the CPU.


def plain_mlp() -> TrainResult:
    model = build_mlp(depth=4, width=32, in_dim=256, out_dim=2, init="kaiming", seed=1)
    return train(model, toy_data(0), TrainConfig(steps=30, lr=0.01))


def deep_blocks() -> TrainResult:
    model = build_deep_mlp(seed=1, depth=4, residual=True, gain=LAB03_GELU_GAIN)
    return train_deep(model, toy_data(0), TrainConfig(steps=30, lr=0.01, probe_every=5))


def stacked_char_models() -> TrainResult:
    vocab, splits = default_splits(0)
    models = [build_char_mlp(vocab.size, init="hidden-fix", seed=s) for s in (1, 2)]
    configs = [blog_config(30, data_seed=s) for s in (1, 2)]
    return train_stacked(StackedCharMLP(models), splits.as_dataset(), configs)[1]


LOOPS: dict[str, Callable[[], TrainResult]] = {
    "train": plain_mlp,
    "train_deep": deep_blocks,
    "train_stacked": stacked_char_models,
}


@pytest.mark.skipif(not HAS_CUDA, reason="no CUDA GPU on this machine")
@pytest.mark.parametrize("loop", LOOPS.values(), ids=LOOPS.keys())
def test_training_on_the_gpu_agrees_with_the_cpu(loop: Callable[[], TrainResult]) -> None:
    on_cpu = loop()
    use_device("cuda")
    on_gpu = loop()
    assert on_cpu.losses and len(on_gpu.losses) == len(on_cpu.losses)
    for step, (cpu, gpu) in enumerate(zip(on_cpu.losses, on_gpu.losses, strict=True)):
        assert cpu is not None and gpu is not None, f"step {step}: a loss is missing"
        assert math.isclose(cpu, gpu, rel_tol=1e-3), f"step {step}: cpu {cpu}, cuda {gpu}"
    assert on_gpu.val_loss is not None and on_cpu.val_loss is not None
    assert math.isclose(on_cpu.val_loss, on_gpu.val_loss, rel_tol=1e-3)
