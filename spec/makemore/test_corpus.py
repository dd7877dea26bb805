"""The character corpus and models: cleaning, vocabulary, seeded splits, shapes, sampling."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from initspec.data.corpus import Vocabulary, char_splits, clean_name, default_splits, load_names
from initspec.models.charmodel import build_char_mlp, build_deep_char_mlp, sample


def test_default_corpus_is_the_lecture_names_file_over_a_to_z() -> None:
    names = load_names()
    vocab = Vocabulary.from_names(names)
    assert len(names) == 32_033, f"expected the lecture's 32,033 names, got {len(names):,}"
    assert (
        vocab.size == 27
        and vocab.itos[0] == "."
        and vocab.itos[1:] == tuple("abcdefghijklmnopqrstuvwxyz")
    ), f"expected '.' + a-z, got {vocab.itos}"
    assert names[:3] == ["emma", "olivia", "ava"], f"the file's first names: {names[:3]}"


def test_census_first_names_stay_available_by_name() -> None:
    names = load_names("census")
    assert len(names) == len(set(names)) == 5_163, f"expected 5,163 unique, got {len(names):,}"
    assert {"mary", "james"} <= set(names)
    assert Vocabulary.from_names(names).size == 27


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [("  Zoë ", "zoe"), ("O'Brien", "obrien"), ("Anne Marie", "anne_marie"), ("???", "")],
    ids=["accent", "punctuation", "space", "nothing-left"],
)
def test_clean_name_follows_the_blog(raw: str, cleaned: str) -> None:
    assert clean_name(raw) == cleaned


def test_vocabulary_round_trips_and_puts_the_end_token_first() -> None:
    vocab = Vocabulary.from_names(["bob", "ada"])
    assert vocab.itos == (".", "a", "b", "d", "o")
    assert vocab.decode(vocab.encode("abba")) == "abba" and vocab.stoi["."] == 0


def test_splits_are_seeded_80_10_10_context_windows() -> None:
    names = [f"{a}{b}" for a in "abcdefghij" for b in "klmnopqrst"]
    vocab = Vocabulary.from_names(names)
    one, two, other = (char_splits(names, vocab, seed=s) for s in (1, 1, 2))
    assert torch.equal(one.train.x, two.train.x) and not torch.equal(one.train.x, other.train.x)
    # each two-letter name "ab" gives three windows: "..." -> a, "..a" -> b, ".ab" -> end
    assert (len(one.train), len(one.val), len(one.test)) == (240, 30, 30)
    assert one.train.x.shape == (240, 3) and one.train.x.dtype == torch.long
    assert one.as_dataset().x_val.shape == (30, 3)


@pytest.mark.parametrize(
    "content", ["", "\n  \n", "!!!\n"], ids=["empty", "blank-lines", "no-letters"]
)
def test_a_corpus_file_without_names_is_a_one_line_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "names.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match="holds no names"):
        load_names(path)


def test_a_missing_corpus_file_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        load_names(tmp_path / "absent.txt")


def test_models_map_context_windows_to_logits_and_sample_names() -> None:
    vocab, splits = default_splits()
    x = splits.train.x[:8]
    for model in (
        build_char_mlp(vocab.size, init="hidden-fix"),
        build_deep_char_mlp(vocab.size, batchnorm=True),
    ):
        assert model(x).shape == (8, vocab.size)
    names = sample(build_char_mlp(vocab.size), vocab, 5, seed=3)
    assert names == sample(build_char_mlp(vocab.size), vocab, 5, seed=3)
    assert all(set(name) <= set(vocab.itos[1:]) for name in names)


def test_the_three_char_inits_scale_the_same_draws() -> None:
    naive, fixed = build_char_mlp(27, init="naive"), build_char_mlp(27, init="hidden-fix")
    assert torch.allclose(fixed.hidden.weight, 0.1 * naive.hidden.weight)
    assert torch.equal(fixed.embedding.weight, naive.embedding.weight)
    assert fixed.output.bias.abs().max().item() == 0.0
