"""The paired-rounds timing every bench shares (``benchmarks/pairing.py``)."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from pairing import abba_rounds, best_per_round, ratio_of, round_order

NAMES = st.lists(st.text("abcdefgh", min_size=1, max_size=4), min_size=1, max_size=6, unique=True)
TIMES = st.floats(min_value=1e-6, max_value=1e3, allow_nan=False)


@given(NAMES, st.integers(0, 50))
def test_rounds_alternate_forward_and_reversed(names: list[str], i: int) -> None:
    """Over any two consecutive rounds every side runs once in each half of the order
    (its positions sum to n - 1), so a drift within a round favours none of them."""
    this, following = round_order(names, i), round_order(names, i + 1)
    assert sorted(this) == sorted(names)
    assert {name: this.index(name) + following.index(name) for name in names} == dict.fromkeys(names, len(names) - 1)


@given(NAMES, st.integers(1, 5))
def test_every_round_runs_every_side_once_after_its_prepare(names: list[str], rounds: int) -> None:
    calls: list[tuple[str, str]] = []
    sides = {name: (lambda n=name: calls.append(("run", n))) for name in names}
    prepare = {name: (lambda n=name: calls.append(("prepare", n))) for name in names}
    times = abba_rounds(sides, rounds, warm=False, prepare=prepare)
    assert {name: len(values) for name, values in times.items()} == dict.fromkeys(names, rounds)
    runs = [name for what, name in calls if what == "run"]
    assert runs == [name for i in range(rounds) for name in round_order(names, i)]
    assert calls[0::2] == [("prepare", name) for name in runs]  # each run right after its own prepare
    assert calls[1::2] == [("run", name) for name in runs]


def test_warm_up_runs_each_side_once_untimed_and_sets_the_round_count() -> None:
    ran: list[str] = []
    times = abba_rounds({"a": lambda: ran.append("a"), "b": lambda: ran.append("b")}, 3, budget=0.0, max_rounds=9)
    assert ran[:2] == ["a", "b"]  # the warm-up round
    assert len(ran) == 2 + 2 * 3 and len(times["a"]) == 3  # a budget of 0 s leaves the minimum
    many = abba_rounds({"a": lambda: None}, 1, budget=10.0, max_rounds=7)
    assert len(many["a"]) == 7  # a fast side gets as many rounds as allowed


@given(st.lists(st.tuples(TIMES, TIMES), min_size=1, max_size=30), st.floats(min_value=1e-3, max_value=1e3))
def test_ratio_is_the_median_of_per_round_ratios(pairs: list[tuple[float, float]], scale: float) -> None:
    ours, theirs = [a for a, _ in pairs], [b for _, b in pairs]
    ratio = ratio_of(ours, theirs)
    per_round = [a / b for a, b in pairs]
    assert ratio.median == statistics.median(per_round)
    assert ratio.low == min(per_round) <= ratio.median <= max(per_round) == ratio.high
    assert ratio.n == len(pairs)
    scaled = ratio_of([a * scale for a in ours], [b * scale for b in theirs])  # units cancel
    assert scaled.median == pytest.approx(ratio.median, rel=1e-9)


def test_ratio_needs_the_same_rounds_on_both_sides() -> None:
    with pytest.raises(ValueError, match="same rounds"):
        ratio_of([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="same rounds"):
        ratio_of([], [])


@given(st.lists(st.lists(TIMES, min_size=3, max_size=3), min_size=1, max_size=5))
def test_best_per_round_is_the_fastest_side_of_each_round(sides: list[list[float]]) -> None:
    assert best_per_round(*sides) == [min(values) for values in zip(*sides, strict=True)]
