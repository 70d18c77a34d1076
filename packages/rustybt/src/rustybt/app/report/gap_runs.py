"""Missing bars grouped into runs with real dates, and per-day counts for the gap calendar."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import polars as pl


@dataclass(frozen=True)
class GapRun:
    """Consecutive expected bars that are missing: no stored bar lies between ``first`` and ``last``."""

    first: datetime
    last: datetime
    bars: int


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


def calendar_days(present: pl.Series, missing: Sequence[datetime]) -> pl.DataFrame:
    """Per day with at least one expected bar: ``day``, ``expected`` (present + missing) and
    ``missing`` bar counts, in day order."""
    days = pl.concat(
        [
            pl.DataFrame({"day": present.dt.date(), "gone": pl.Series([0] * present.len(), dtype=pl.Int64)}),
            pl.DataFrame({"day": [t.date() for t in missing], "gone": [1] * len(missing)}, schema={"day": pl.Date, "gone": pl.Int64}),
        ]
    )
    return (
        days.group_by("day")
        .agg(pl.len().cast(pl.Int64).alias("expected"), pl.col("gone").sum().alias("missing"))
        .sort("day")
    )


__all__ = ["GapRun", "calendar_days", "gap_runs"]
