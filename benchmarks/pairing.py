"""Paired timing: every side of a comparison runs in every round, so load hits them alike.

This machine's speed drifts by up to 2x over seconds, so a time is only compared with times
taken in the same round. Rounds alternate the order of the sides (ABBA: forward, then
reversed), so a drift within a round favours none of them. A ratio is the median of the
per-round ratios, reported with their range.

    times = abba_rounds({"floor": read_bare, "ours": read_ours}, min_rounds=5)
    ratio_of(times["ours"], times["floor"])          # Ratio(median=1.21, low=1.12, high=1.40, n=9)
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

ROUND_BUDGET = 2.0  # seconds of rounds per comparison, by the warm-up round's time (at least ``min_rounds``)
MAX_ROUNDS = 41


def timed(fn: Callable[[], object]) -> float:
    """Wall seconds of one call of ``fn``."""
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def round_order(names: Sequence[str], round_index: int) -> list[str]:
    """The order the sides run in round ``round_index``: as given in even rounds, reversed in odd ones."""
    return list(names) if round_index % 2 == 0 else list(reversed(names))


def abba_rounds(
    sides: Mapping[str, Callable[[], object]],
    min_rounds: int,
    *,
    budget: float = ROUND_BUDGET,
    max_rounds: int = MAX_ROUNDS,
    warm: bool = True,
    prepare: Mapping[str, Callable[[], object]] | None = None,
) -> dict[str, list[float]]:
    """Seconds of each side in each round: at least ``min_rounds`` rounds, more (up to
    ``max_rounds``) while they fit in ``budget`` seconds by the warm-up round's time.
    ``warm``: run every side once first, untimed (page cache, lazy imports, file indexes);
    without it exactly ``min_rounds`` rounds run. ``prepare[name]()`` runs untimed before
    each timed (and warm-up) call of that side, e.g. to give a writer an empty folder."""
    names = list(sides)
    before = prepare or {}

    def run(name: str) -> float:
        if name in before:
            before[name]()
        return timed(sides[name])

    rounds = min_rounds
    if warm:
        took = sum(run(name) for name in names)
        rounds = max(min_rounds, min(max_rounds, int(budget / max(took, 1e-6))))
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(rounds):
        for name in round_order(names, i):
            times[name].append(run(name))
    return times


@dataclass(frozen=True)
class Ratio:
    """The median and range of per-round ratios, over ``n`` rounds."""

    median: float
    low: float
    high: float
    n: int

    def __str__(self) -> str:
        return f"{self.median:.2f} ({self.low:.2f}–{self.high:.2f})"


def ratio_of(ours: Sequence[float], theirs: Sequence[float]) -> Ratio:
    """The per-round ratios ``ours[i] / theirs[i]`` summarised (the rounds must match)."""
    if len(ours) != len(theirs) or not ours:
        raise ValueError(f"ratios need the same rounds on both sides, got {len(ours)} and {len(theirs)}")
    ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
    return Ratio(statistics.median(ratios), min(ratios), max(ratios), len(ratios))


def best_per_round(*sides: Sequence[float]) -> list[float]:
    """The fastest of several sides in each round (e.g. a peer's best layout)."""
    return [min(times) for times in zip(*sides, strict=True)]


def paired(floor: Callable[[], object], candidate: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """Medians of floor and candidate, and the median of their per-round ratios (ABBA
    rounds, at least ``repeat``, more while they fit in ``ROUND_BUDGET`` seconds)."""
    times = abba_rounds({"floor": floor, "candidate": candidate}, repeat)
    return statistics.median(times["floor"]), statistics.median(times["candidate"]), ratio_of(times["candidate"], times["floor"]).median
