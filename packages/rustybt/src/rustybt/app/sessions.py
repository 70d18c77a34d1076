"""Which bar times a dataset should have, the one definition of a gap everywhere (ingest
summary, catalog, report): exchange sessions for daily equities, every slot of a continuous
grid at the resolution for everything else."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from rustybt.domain.assets import AssetType
from rustybt.domain.dataset import DatasetInfo
from rustybt.domain.ingest_quality import ExpectedTimes
from rustybt.domain.resolution import Resolution

EQUITY_CALENDAR = "XNYS"


def nyse_sessions(resolution: Resolution, first: datetime, last: datetime) -> pl.Series | None:
    """The NYSE calendar's sessions (UTC midnight) from ``first`` to ``last`` for daily bars;
    ``None`` (a continuous grid) for intraday ones."""
    if resolution.is_intraday:
        return None
    import exchange_calendars as xcals

    calendar = xcals.get_calendar(EQUITY_CALENDAR)
    start = max(first.date(), calendar.first_session.date())
    end = min(last.date(), calendar.last_session.date())
    if start > end:
        return pl.Series("timestamp", [], dtype=pl.Datetime("us", "UTC"))
    sessions = calendar.sessions_in_range(start.isoformat(), end.isoformat())
    return pl.Series("timestamp", [s.to_pydatetime() for s in sessions]).dt.replace_time_zone("UTC").cast(pl.Datetime("us", "UTC"))


def continuous(_resolution: Resolution, _first: datetime, _last: datetime) -> pl.Series | None:
    """Every slot of the resolution's grid (crypto trades around the clock)."""
    return None


def expected_times_of(asset_type: AssetType) -> ExpectedTimes:
    """The expected bar times of datasets of ``asset_type``."""
    return nyse_sessions if asset_type is AssetType.EQUITY else continuous


def expected_times(info: DatasetInfo, bars: pl.DataFrame) -> pl.Series | None:
    """The expected times over the dataset's bars, for the report's validation (``None``: a
    continuous grid at the dataset's resolution)."""
    if bars.is_empty():
        return None
    times = bars.get_column("timestamp")
    first, last = times.min(), times.max()
    assert isinstance(first, datetime) and isinstance(last, datetime)
    return expected_times_of(info.asset_type)(info.resolution, first, last)
