"""Missing bars grouped into runs with real dates, and per-day counts for the gap calendar."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class GapRun:
    """Consecutive expected bars that are missing: no stored bar lies between ``first`` and ``last``."""

    first: datetime
    last: datetime
    bars: int


@dataclass(frozen=True)
class CalendarDay:
    """One day of the gap calendar: bars expected that day and how many of them are missing."""

    day: date
    expected: int
    missing: int


def gap_runs(present: Sequence[datetime], missing: Sequence[datetime]) -> list[GapRun]:
    """Runs of ``missing`` times not interrupted by a ``present`` one, in time order."""
    events = sorted([(t, False) for t in present] + [(t, True) for t in missing])
    runs: list[GapRun] = []
    start: datetime | None = None
    last: datetime | None = None
    count = 0
    for moment, gone in events:
        if gone:
            if start is None:
                start, count = moment, 0
            last, count = moment, count + 1
        elif start is not None and last is not None:
            runs.append(GapRun(start, last, count))
            start = None
    if start is not None and last is not None:
        runs.append(GapRun(start, last, count))
    return runs


def calendar_days(present: Sequence[datetime], missing: Sequence[datetime]) -> list[CalendarDay]:
    """Per day with at least one expected bar: expected (present + missing) and missing counts."""
    expected: dict[date, int] = {}
    gone: dict[date, int] = {}
    for moment in present:
        expected[moment.date()] = expected.get(moment.date(), 0) + 1
    for moment in missing:
        expected[moment.date()] = expected.get(moment.date(), 0) + 1
        gone[moment.date()] = gone.get(moment.date(), 0) + 1
    return [CalendarDay(day, expected[day], gone.get(day, 0)) for day in sorted(expected)]


__all__ = ["CalendarDay", "GapRun", "calendar_days", "gap_runs"]
