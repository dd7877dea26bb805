"""Stacked training (initspec.training.stacked): K character models as one equal K separate runs.

Every member of a stacked model must train as :func:`initspec.training.loop.train` trains it alone:
the same per-step losses, probe readings, validation loss and final weights (BatchNorm's
running buffers included), from its own initial weights and its own data seed.

Equal to float tolerance, not bit for bit: the batched matmul (``baddbmm``) may sum its
products in another order than the single model's ``addmm``, and each member's mean loss over
its batch is reduced apart from ``cross_entropy``'s own mean, so the last bits of a step can
differ and training carries them on. Over a few hundred steps they stay far below rtol 1e-4.
The stacked run itself is deterministic on one thread: the same members give the same bytes.
"""

from __future__ import annotations

import dataclasses

import pytest
import torch

from initspec.data.corpus import CharSplits, Vocabulary, default_splits
from initspec.data.toy import Dataset, rows
from initspec.models.charmodel import CharMLP, build_char_mlp
from initspec.training import stacked
from initspec.training.blog_recipe import blog_config
from initspec.training.loop import Probe, TrainConfig, TrainResult, train
from initspec.training.stacked import StackedCharMLP, StackedProbe, train_stacked

STEPS = 300
PROBE_EVERY = 10
RTOL, ATOL = 1e-4, 1e-6
# (init, weight seed, data seed) of each member: mixed inits, one data seed shared by two
MEMBERS = [
    ("naive", 0, 0),
    ("hidden-fix", 1, 1),
    ("output-fix", 2, 0),
    ("hidden-fix", 3, 3),
    ("naive", 4, 4),
]


@pytest.fixture(scope="module")
def char_data() -> tuple[Vocabulary, CharSplits]:
    return default_splits()


def build(vocab: Vocabulary, members: list[tuple[str, int, int]], bn: bool) -> list[CharMLP]:
    return [build_char_mlp(vocab.size, init=i, seed=s, batchnorm=bn) for i, s, _ in members]


def single_probe(probe_x: torch.Tensor) -> dict[str, Probe]:
    def logit_std(model: torch.nn.Module) -> float:
        with torch.no_grad():
            return float(model(probe_x).std().item())

    return {"logit_std": logit_std}


def stacked_probe(probe_x: torch.Tensor) -> dict[str, StackedProbe]:
    def logit_std(model: StackedCharMLP) -> list[float]:
        with torch.no_grad():
            logits = model(probe_x.expand(model.members, -1, -1))
            values: list[float] = logits.flatten(start_dim=1).std(dim=1).tolist()
            return values

    return {"logit_std": logit_std}


def configs(members: list[tuple[str, int, int]], lr: float = 0.1) -> list[TrainConfig]:
    return [blog_config(STEPS, lr=lr, data_seed=d, probe_every=PROBE_EVERY) for _, _, d in members]


def run_single(
    models: list[CharMLP], data: Dataset, members: list[tuple[str, int, int]], probe_x: torch.Tensor
) -> list[TrainResult]:
    return [
        train(model, data, config, single_probe(probe_x))
        for model, config in zip(models, configs(members), strict=True)
    ]


def assert_same_run(single: TrainResult, stacked: TrainResult, what: str) -> None:
    assert stacked.first_nan_step == single.first_nan_step, what
    assert [x is None for x in stacked.losses] == [x is None for x in single.losses], what
    finite = [(a, b) for a, b in zip(single.losses, stacked.losses, strict=True) if a is not None]
    torch.testing.assert_close(
        torch.tensor([b for _, b in finite]),
        torch.tensor([a for a, _ in finite]),
        rtol=RTOL,
        atol=ATOL,
        msg=lambda m: f"{what}: per-step losses differ: {m}",
    )
    for name, readings in single.probes.items():
        assert [s for s, _ in stacked.probes[name]] == [s for s, _ in readings], what
        torch.testing.assert_close(
            torch.tensor([v for _, v in stacked.probes[name]]),
            torch.tensor([v for _, v in readings]),
            rtol=RTOL,
            atol=ATOL,
        )
    if single.val_loss is None:
        assert stacked.val_loss is None, what
    else:
        assert stacked.val_loss == pytest.approx(single.val_loss, rel=RTOL), what


def assert_same_weights(single: CharMLP, stacked: CharMLP, what: str) -> None:
    mine, theirs = stacked.state_dict(), single.state_dict()
    assert mine.keys() == theirs.keys(), what
    for name, tensor in theirs.items():

        def message(default: str, name: str = name) -> str:
            return f"{what} {name}: {default}"

        torch.testing.assert_close(mine[name], tensor, rtol=RTOL, atol=1e-5, msg=message)


@pytest.mark.parametrize("bn", [False, True], ids=["plain", "batchnorm"])
@pytest.mark.parametrize("k", [1, 2, 5])
def test_every_member_trains_as_its_own_single_run(
    char_data: tuple[Vocabulary, CharSplits], k: int, bn: bool
) -> None:
    vocab, splits = char_data
    data, probe_x = splits.as_dataset(), splits.val.x[:512]
    members = MEMBERS[:k]
    singles = build(vocab, members, bn)
    stacked = StackedCharMLP(build(vocab, members, bn))
    for i, model in enumerate(singles):  # the stack starts from the single builder's weights
        assert_same_weights(model, stacked.member(i), f"member {i} at init")
        assert all(
            torch.equal(a, b)
            for a, b in zip(
                model.state_dict().values(), stacked.member(i).state_dict().values(), strict=True
            )
        ), f"member {i}: the stacked copy of the initial weights is not exact"
    expected = run_single(singles, data, members, probe_x)
    got = train_stacked(stacked, data, configs(members), stacked_probe(probe_x))
    assert len(got) == k
    for i, (single, result) in enumerate(zip(expected, got, strict=True)):
        what = f"member {i} {members[i]}, BatchNorm {bn}"
        assert_same_run(single, result, what)
        assert_same_weights(singles[i], stacked.member(i), what)


@pytest.mark.parametrize("bn", [False, True], ids=["plain", "batchnorm"])
def test_a_diverging_member_stops_as_a_single_run_stops_and_the_others_go_on(
    char_data: tuple[Vocabulary, CharSplits], bn: bool
) -> None:
    """Member 1's output weights overflow its logits: its loss is NaN at step 0, so it stops
    there, weights and running statistics untouched, while members 0 and 2 train on."""
    vocab, splits = char_data
    data, probe_x = splits.as_dataset(), splits.val.x[:512]
    members = MEMBERS[:3]

    def models() -> list[CharMLP]:
        built = build(vocab, members, bn)
        with torch.no_grad():
            built[1].output.weight.mul_(1e38)
        return built

    singles = models()
    stacked = StackedCharMLP(models())
    expected = run_single(singles, data, members, probe_x)
    assert expected[1].first_nan_step is not None, "the setup should make member 1 diverge"
    got = train_stacked(stacked, data, configs(members), stacked_probe(probe_x))
    assert stacked.stopped == [False, True, False]
    for i, (single, result) in enumerate(zip(expected, got, strict=True)):
        assert_same_run(single, result, f"member {i}, BatchNorm {bn}")
        assert_same_weights(singles[i], stacked.member(i), f"member {i}, BatchNorm {bn}")
    again = train_stacked(stacked, data, configs(members))
    assert all(loss is None for loss in again[1].losses), "a stopped member is not trained again"


@pytest.mark.parametrize("bn", [False, True], ids=["plain", "batchnorm"])
def test_the_stacked_run_is_deterministic(
    char_data: tuple[Vocabulary, CharSplits], bn: bool
) -> None:
    vocab, splits = char_data
    data = splits.as_dataset()
    runs = []
    for _ in range(2):
        stacked = StackedCharMLP(build(vocab, MEMBERS[:3], bn))
        results = train_stacked(stacked, data, configs(MEMBERS[:3]))
        runs.append(([r.losses for r in results], [r.val_loss for r in results], stacked))
    assert runs[0][0] == runs[1][0] and runs[0][1] == runs[1][1]
    for a, b in zip(
        runs[0][2].state_dict().values(), runs[1][2].state_dict().values(), strict=True
    ):
        assert torch.equal(a, b)


def test_configs_other_than_plain_sgd_differing_in_data_seed_alone_are_refused(
    char_data: tuple[Vocabulary, CharSplits],
) -> None:
    vocab, splits = char_data
    data = splits.as_dataset()
    stacked = StackedCharMLP(build(vocab, MEMBERS[:2], False))
    good = configs(MEMBERS[:2])
    for bad, message in (
        (good[:1], "one config a member"),
        ([good[0], dataclasses.replace(good[1], lr=0.5)], "data seed only"),
        ([dataclasses.replace(c, momentum=0.9) for c in good], "plain SGD"),
    ):
        with pytest.raises(ValueError, match=message):
            train_stacked(stacked, data, bad)
    with pytest.raises(ValueError, match="same shapes"):
        StackedCharMLP([build_char_mlp(vocab.size), build_char_mlp(vocab.size, batchnorm=True)])


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)], ids=["1d", "2d", "3d"])
def test_rows_gathers_what_indexing_gathers(shape: tuple[int, ...]) -> None:
    generator = torch.Generator().manual_seed(0)
    table = torch.randn(10, 3, generator=generator)
    index = torch.randint(0, 10, shape, generator=generator)
    assert torch.equal(rows(table, index), table[index])
    assert torch.equal(rows(table[:, 0], index), table[:, 0][index])


def test_step_batches_are_each_steps_batch_across_gathers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches gathered several steps at a time are the batches a step-by-step gather gives,
    also where one gather ends and the next begins."""
    monkeypatch.setattr(stacked, "GATHER_STEPS", 4)
    generator = torch.Generator().manual_seed(0)
    data = Dataset(
        torch.randint(0, 27, (50, 3), generator=generator),
        torch.randint(0, 27, (50,), generator=generator),
        torch.zeros(1, 3, dtype=torch.long),
        torch.zeros(1, dtype=torch.long),
    )
    orders = torch.randint(0, 50, (10, 2, 8), generator=generator)  # 10 steps, 2 members
    got = list(stacked.step_batches(data, orders))
    assert len(got) == 10, f"expected 10 steps' batches, got {len(got)}"
    for step, (x, y) in enumerate(got):
        assert torch.equal(x, data.x_train[orders[step]]), f"step {step}: inputs differ"
        assert torch.equal(y, data.y_train[orders[step]]), f"step {step}: targets differ"


@pytest.mark.parametrize("bn", [False, True], ids=["plain", "batchnorm"])
def test_a_probe_leaves_the_training_losses_exactly_as_they_are_without_it(
    char_data: tuple[Vocabulary, CharSplits], bn: bool
) -> None:
    """A caller that reads only the losses may skip the logit probe (the BatchNorm sweep does):
    the probe runs without gradients, so every step's loss is the same bits without it."""
    vocab, splits = char_data
    data, probe_x = splits.as_dataset(), splits.val.x[:512]
    members = MEMBERS[:3]
    with_probe = train_stacked(
        StackedCharMLP(build(vocab, members, bn)), data, configs(members), stacked_probe(probe_x)
    )
    without = train_stacked(StackedCharMLP(build(vocab, members, bn)), data, configs(members))
    assert all(r.probes["logit_std"] for r in with_probe), "the probe should have read values"
    for i, (a, b) in enumerate(zip(with_probe, without, strict=True)):
        assert a.losses == b.losses, f"member {i}, BatchNorm {bn}: the probe changed the losses"
        assert a.first_nan_step == b.first_nan_step
