"""The shared phrases of initspec.judging.phrases, each tested on synthetic curves against what its
words include and what they exclude.

"Smooth" is the one a wide window can get wrong: a loss that jumps several-fold for a few steps,
first steps included, is not a smooth descent, while per-batch noise on a descent is.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from initspec.judging import phrases

CHANCE = math.log(2)  # the toy task's chance loss; the rules scale with it


def noisy_descent(
    length: int, floor: float, tau: float, noise: float, seed: int
) -> list[float | None]:
    """A monotone descent from chance to ``floor`` (time constant ``tau`` steps), each step
    multiplied by an independent factor in [1 - noise, 1 + noise]: per-batch noise."""
    rng = np.random.default_rng(seed)
    steps = np.arange(length)
    level = floor + (CHANCE - floor) * np.exp(-steps / tau)
    factors = 1 + rng.uniform(-noise, noise, size=length)
    return [float(v) for v in level * factors]


descents = st.builds(
    noisy_descent,
    length=st.integers(60, 800),
    floor=st.floats(0.0, 0.5 * CHANCE),
    tau=st.floats(5.0, 300.0),
    noise=st.floats(0.0, 0.1),
    seed=st.integers(0, 2**16),
)


@given(losses=descents)
def test_a_noisy_monotone_descent_is_smooth(losses: list[float | None]) -> None:
    assert phrases.smooth(losses, CHANCE), (
        f"expected a noisy monotone descent to be smooth; measured window rise "
        f"{phrases.window_rise(losses):.4g} (tolerance {phrases.smooth_tolerance(CHANCE):.4g}), "
        f"spike fold {phrases.spike_fold(losses, CHANCE):.3g} (limit {phrases.SPIKE_FOLD})"
    )


@given(
    losses=st.builds(
        noisy_descent,
        length=st.integers(60, 800),
        floor=st.floats(0.3 * CHANCE, 0.6 * CHANCE),
        tau=st.floats(5.0, 300.0),
        noise=st.floats(0.0, 0.1),
        seed=st.integers(0, 2**16),
    ),
    where=st.floats(0.0, 1.0),
    fold=st.floats(3.0, 10.0),
    width=st.integers(1, 5),
    first=st.integers(1, 5),
    early=st.booleans(),
)
def test_a_several_fold_spike_anywhere_is_not_smooth(
    losses: list[float | None], where: float, fold: float, width: int, first: int, early: bool
) -> None:
    """A stretch of 1 to 5 steps at 3 to 10 times the loss just before it, at any step from the
    second on (one of the first five in half the examples), on a curve that stays above 0.3 of
    chance, so that the spike is at least half of chance tall (the noise floor)."""
    start = first if early else 1 + int(where * (len(losses) - 2))
    before = losses[start - 1]
    assert before is not None
    spiked = [
        fold * before if start <= step < start + width else v for step, v in enumerate(losses)
    ]
    assert not phrases.smooth(spiked, CHANCE), (
        f"expected a {fold:.2f}-fold spike of {width} steps at step {start} to fail smooth; "
        f"measured spike fold {phrases.spike_fold(spiked, CHANCE):.3g}"
    )


def test_a_jump_in_the_first_steps_fails_smooth_where_window_means_cannot_see_it() -> None:
    """The audit's case: a loss that jumps five-fold at steps 3 to 5 and then descends. Its
    50-step window means never rise (the jump sits inside the first window), so the slow half
    alone would call it smooth; the fast half does not."""
    losses = noisy_descent(400, 0.1, 50.0, 0.05, seed=0)
    jumped = [5 * v if v is not None and 3 <= step < 6 else v for step, v in enumerate(losses)]
    assert phrases.window_rise(jumped) <= phrases.smooth_tolerance(CHANCE)
    assert phrases.spike_fold(jumped, CHANCE) >= phrases.SPIKE_FOLD
    assert not phrases.smooth(jumped, CHANCE)


def test_per_batch_noise_at_a_low_loss_is_not_a_spike() -> None:
    """Batches that flicker between 0.0001 and 0.18 nats (a quarter of chance) after a descent:
    thousand-fold jumps, yet at the bottom of a plot that starts at chance: smooth."""
    losses = noisy_descent(300, 0.0, 20.0, 0.05, seed=1)
    flicker = [0.18 if step >= 50 and step % 7 == 0 else v for step, v in enumerate(losses)]
    assert phrases.spike_fold(flicker, CHANCE) == 1.0
    assert phrases.smooth(flicker, CHANCE)


@given(losses=descents, at=st.integers(0, 59))
def test_a_nan_step_is_neither_smooth_nor_trained(losses: list[float | None], at: int) -> None:
    diverged = [*losses[:at], *([None] * (len(losses) - at))]
    assert not phrases.smooth(diverged, CHANCE)
    assert phrases.final_mean(diverged) is None
    assert not phrases.trains(phrases.final_mean(diverged), CHANCE)


@given(
    losses=st.builds(
        noisy_descent,
        length=st.integers(300, 800),
        floor=st.floats(0.1 * CHANCE, 0.5 * CHANCE),
        tau=st.floats(5.0, 30.0),
        noise=st.floats(0.0, 0.1),
        seed=st.integers(0, 2**16),
    ),
    rise=st.floats(0.15, 0.5),
)
def test_a_slow_climb_back_is_not_smooth(losses: list[float | None], rise: float) -> None:
    """The slow half: a descent that has levelled off by mid-run, its second half lifted
    gradually (no step jumps) by up to ``rise`` of chance, climbs back above its lowest window
    mean."""
    half = len(losses) // 2
    lifted = [
        v + rise * CHANCE * max(0.0, (step - half) / (len(losses) - half))
        if v is not None
        else None
        for step, v in enumerate(losses)
    ]
    assert not phrases.smooth(lifted, CHANCE), (
        f"expected a climb of {rise:.2f} of chance to fail smooth; measured window rise "
        f"{phrases.window_rise(lifted):.4g}"
    )


@given(final=st.floats(0.0, 2.0, allow_nan=False))
def test_trains_low_loss_and_flat_are_thresholds_on_the_final_loss(final: float) -> None:
    assert phrases.trains(final, CHANCE) == (final <= phrases.TRAINS_BELOW * CHANCE)
    assert phrases.low_loss(final, CHANCE) == (final <= phrases.LOW_LOSS * CHANCE)
    assert phrases.flat_at_chance(final, CHANCE) == (abs(final - CHANCE) <= phrases.FLAT * CHANCE)
    # A run flat at chance does not train; a low loss trains.
    assert not (phrases.flat_at_chance(final, CHANCE) and phrases.trains(final, CHANCE))
    assert not phrases.low_loss(final, CHANCE) or phrases.trains(final, CHANCE)


@given(before=st.floats(0.0, 2.0), after=st.floats(0.0, 2.0))
def test_plateaus_means_the_loss_fell_by_at_most_the_tolerance(before: float, after: float) -> None:
    assert phrases.plateaued(before, after, CHANCE) == (
        before - after <= phrases.plateau_tolerance(CHANCE)
    )


@given(
    finals=st.lists(st.floats(0.0, 2.0), min_size=1, max_size=6),
    order=st.randoms(use_true_random=False),
)
def test_close_together_reads_the_spread_in_any_order_and_never_a_diverged_run(
    finals: list[float], order: object
) -> None:
    shuffled = list(finals)
    order.shuffle(shuffled)  # type: ignore[attr-defined]
    assert phrases.close_together(finals, CHANCE) == phrases.close_together(shuffled, CHANCE)
    assert phrases.close_together(finals, CHANCE) == (
        max(finals) - min(finals) <= phrases.CLOSE_TOGETHER * CHANCE
    )
    assert not phrases.close_together([*finals, None], CHANCE)


@given(norm=st.floats(0.0, 1.0), exponent=st.integers(-12, 0))
def test_vanishes_is_below_1e_minus_7_and_alive_is_never_vanished(
    norm: float, exponent: int
) -> None:
    value = norm * 10.0**exponent
    assert phrases.vanished(value) == (value < phrases.VANISHED_GRADIENT)
    assert phrases.alive([1.0, value]) == (not phrases.vanished(value))
    assert not phrases.alive([1.0, math.nan]) and not phrases.vanished(math.nan)


@given(loss=st.floats(0.0, 10.0), vocab=st.integers(2, 100))
def test_close_to_log_v_is_a_relative_gap_the_posts_own_figure_passes(
    loss: float, vocab: int
) -> None:
    log_v = math.log(vocab)
    gap = abs(loss - log_v) / log_v
    if not math.isclose(gap, phrases.CLOSE_TO_LOG_V, rel_tol=1e-9):
        assert phrases.close_to_log_v(loss, vocab) == (gap <= phrases.CLOSE_TO_LOG_V)
    assert phrases.close_to_log_v(log_v, vocab)
    assert not phrases.close_to_log_v(math.inf, vocab)


def test_close_to_log_v_takes_the_posts_first_loss_as_its_edge() -> None:
    assert phrases.close_to_log_v(3.9139, 29)
    assert not phrases.close_to_log_v(3.9139 * 1.01, 29)


@given(part=st.floats(0.0, 10.0), reference=st.floats(0.01, 10.0))
def test_dominates_means_larger_than(part: float, reference: float) -> None:
    assert phrases.dominates(part, reference) == (part > reference)


@given(
    figure=st.floats(-5.0, 5.0),
    values=st.lists(st.floats(-5.0, 5.0), min_size=2, max_size=10),
    scale=st.floats(1.5, 4.0),
)
def test_the_one_run_band_holds_the_figure_and_widens_with_the_seeds_spread(
    figure: float, values: list[float], scale: float
) -> None:
    low, high = phrases.one_run_band(figure, values)
    assert low <= figure <= high
    assert (high - figure) == pytest.approx(figure - low, abs=1e-9)
    mean = sum(values) / len(values)
    wider = [mean + scale * (v - mean) for v in values]
    wide_low, wide_high = phrases.one_run_band(figure, wider)
    assert wide_high - wide_low >= high - low - 1e-9
