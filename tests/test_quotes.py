"""initspec.judging.quotes: a criterion's quote must be the documents' own words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from initspec.judging import quotes
from initspec.plugin.evidence import Evidence, interpreted, printed


@pytest.fixture
def seeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    (tmp_path / "lab.txt").write_text(
        "The loss should be ~1e-3 \u2014 roughly.\nUse  Kaiming\n init with gain 5/3.",
        encoding="utf-8",
    )
    (tmp_path / "notes.txt").write_text("tanh \u2248 \u00b11 means dead.", encoding="utf-8")
    monkeypatch.setenv(quotes.SEEDS_ENV, str(tmp_path))
    quotes.document_text.cache_clear()
    yield tmp_path
    quotes.document_text.cache_clear()


def test_normalize_drops_whitespace_case_and_typography() -> None:
    assert quotes.normalize("  A\u2019s \u201cquote\u201d \u2014\n x ") == 'a\'s "quote" - x'


def test_passages_split_at_ellipses() -> None:
    assert quotes.passages("one ... two \u2026 three...") == ["one", "two", "three"]


def test_a_quote_in_the_documents_passes(seeds: Path) -> None:
    quotes.check_quote("use kaiming init ... should be ~1e-3 - roughly", ["lab.txt"])
    quotes.check_quote("tanh \u2248 \u00b11", ["lab.txt"])  # another document's words


@pytest.mark.parametrize("quote", ["use kaiming init with gain 2", "should be ~1e-3 ... gain 7"])
def test_words_the_documents_do_not_hold_are_refused(seeds: Path, quote: str) -> None:
    with pytest.raises(ValueError, match="not the documents' words"):
        quotes.check_quote(quote, ["lab.txt"])


def test_a_claim_without_a_document_is_not_checked(seeds: Path) -> None:
    quotes.check_quote("words no document holds", [])


def test_evidence_checks_every_quote_it_records(seeds: Path, tmp_path: Path) -> None:
    ev = Evidence(tmp_path / "a", tmp_path, documents=["lab.txt"], require_readings=True)
    ev.check("g", [1.0], comparison="==", bound=1.0, document="gain 5/3", reading=printed())
    with pytest.raises(ValueError, match="not found: 'gain 7/3'"):
        ev.check(
            "h", [1.0], comparison="==", bound=1.0, document="gain 7/3", reading=interpreted("x")
        )
    with pytest.raises(ValueError, match="says no reading"):
        ev.check("i", [1.0], comparison="==", bound=1.0, document="gain 5/3")
