"""Which bar times a dataset should have: exchange sessions for equities, every slot for crypto."""

from __future__ import annotations

import polars as pl

from rustybt.domain.assets import AssetType
from rustybt.domain.dataset import DatasetInfo

EQUITY_CALENDAR = "XNYS"


def expected_times(info: DatasetInfo, bars: pl.DataFrame) -> pl.Series | None:
    """Session dates (UTC midnight) of the NYSE calendar for daily equity datasets; ``None``
    (a continuous grid at the dataset's resolution) for everything else."""
    if info.asset_type is not AssetType.EQUITY or info.resolution.is_intraday or bars.is_empty():
        return None
    import exchange_calendars as xcals

    first = bars.get_column("timestamp").min()
    last = bars.get_column("timestamp").max()
    calendar = xcals.get_calendar(EQUITY_CALENDAR)
    start = max(first.date(), calendar.first_session.date())  # type: ignore[union-attr]
    end = min(last.date(), calendar.last_session.date())  # type: ignore[union-attr]
    sessions = calendar.sessions_in_range(start.isoformat(), end.isoformat())
    return pl.Series("timestamp", [s.to_pydatetime() for s in sessions]).dt.replace_time_zone("UTC").cast(pl.Datetime("us", "UTC"))
