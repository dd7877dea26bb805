"""The figures' layout rules, apart from any picture: titles wrap in even lines, every run of a
gradient-norm figure gets its vanishing mark, and a fitted y range holds what it fits."""

from __future__ import annotations

import textwrap

from hypothesis import given
from hypothesis import strategies as st

from initspec.plotting.curves import balanced_wrap, loss_scale, vanishing_mark

WORDS = st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=12), min_size=1, max_size=40)


@given(words=WORDS, chars=st.integers(min_value=12, max_value=120))
def test_a_wrapped_title_keeps_every_word_in_as_few_lines_as_textwrap_within_the_width(
    words: list[str], chars: int
) -> None:
    text = " ".join(words)
    lines = balanced_wrap(text, chars).split("\n")
    assert " ".join(lines) == text, "words lost, reordered or joined"
    fewest = len(textwrap.wrap(text, chars, break_long_words=False))
    assert len(lines) == fewest, "more lines than textwrap needs"
    widest = max(chars, *map(len, words))  # a word is never broken
    assert all(len(line) <= widest for line in lines), f"a line wider than {widest}: {lines}"


def test_a_wrapped_title_leaves_no_orphan_words_on_its_last_line() -> None:
    """The lab 03 title that left "seed 0" alone under a full line."""
    title = (
        "Lab 03, training loss: 50 pre-norm GeLU blocks, hidden 256, SGD lr 0.001 "
        "(momentum 0.9, batch 64), data seed 0"
    )
    plain = textwrap.wrap(title, 103)
    assert plain[-1] == "seed 0", "the case this test guards: textwrap leaves an orphan"
    lines = balanced_wrap(title, 103).split("\n")
    assert len(lines) == 2
    assert min(map(len, lines)) >= 0.8 * max(map(len, lines)), f"uneven lines: {lines}"


def test_each_run_is_marked_at_its_first_step_below_the_level_or_at_its_lowest() -> None:
    assert vanishing_mark([1.0, 1e-3, 1e-8, 1e-9], 1e-7) == ((2, 1e-8), "below 1e-7 at step 2")
    point, text = vanishing_mark([1.0, 1e-5, 3e-6, 1e-4], 1e-7)
    assert point == (2, 3e-6)
    assert text == "never below 1e-7; lowest 3.00e-06 at step 2"


def test_a_range_fitted_from_a_step_holds_the_later_losses_and_not_the_earlier_ones() -> None:
    curves = [[27.0, 9.0, 3.1, 2.4, 2.2], [3.0, 2.6, 2.5, 2.3, 2.1]]
    whole = loss_scale(curves, reference=3.3)
    assert whole.linear[0] == 0.0 and whole.linear[1] >= 27.0
    fitted = loss_scale(curves, reference=3.3, fit_from=2)
    low, high = fitted.linear
    assert low < 2.1 and high > 3.3, "the later losses and the reference lie inside"
    assert low > 1.9 and high < 9.0, f"the range {fitted.linear} reaches past what it fits"
    assert fitted.log[0] < 2.1 and 3.3 < fitted.log[1] < 9.0
