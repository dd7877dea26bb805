"""Fixtures of the theory's specs: the names' split the post's model trains on."""

from __future__ import annotations

import pytest

from initspec.data.corpus import CharSplits, Vocabulary, default_splits
from initspec.plugin.evidence import current_seed_base


@pytest.fixture(scope="session")
def char_data(pytestconfig: pytest.Config) -> tuple[Vocabulary, CharSplits]:
    """The names' vocabulary and one split of them (seed ``--seed-base``), as makemore's."""
    return default_splits(current_seed_base(pytestconfig))
