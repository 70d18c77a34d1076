"""Aggregation: OHLCV semantics in exact Decimal, UTC and exchange-calendar periods."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import polars as pl
import pytest

from rustybt.domain.errors import InvalidRequestError
from rustybt.domain.schemas import DAILY_BARS_SCHEMA, MINUTE_BARS_SCHEMA
from rustybt.storage.parquet import MONTHLY, aggregate

UTC = timezone.utc


def reference(frame: pl.DataFrame, key: Callable[[object], object]) -> dict[tuple[object, int], tuple[Decimal, ...]]:
    """OHLCV per (key(time), sid) computed row by row with Python Decimals."""
    t = frame.columns[0]
    out: dict[tuple[object, int], list] = {}
    for row in frame.sort(t).iter_rows(named=True):
        k = (key(row[t]), row["sid"])
        if k not in out:
            out[k] = [row["open"], row["high"], row["low"], row["close"], row["volume"]]
        else:
            bar = out[k]
            bar[1] = max(bar[1], row["high"])
            bar[2] = min(bar[2], row["low"])
            bar[3] = row["close"]
            bar[4] += row["volume"]
    return {k: tuple(v) for k, v in out.items()}


def as_dict(frame: pl.DataFrame) -> dict[tuple[object, int], tuple[Decimal, ...]]:
    t = frame.columns[0]
    return {(r[t], r["sid"]): (r["open"], r["high"], r["low"], r["close"], r["volume"]) for r in frame.iter_rows(named=True)}


def two_assets(btc_minutes: pl.DataFrame) -> pl.DataFrame:
    """The real BTC minutes as sid 1, and a second asset (sid 2) with every 7th minute missing."""
    other = btc_minutes.filter(pl.int_range(pl.len()) % 7 != 0).with_columns(pl.lit(2, dtype=pl.Int64).alias("sid"))
    return pl.concat([btc_minutes, other]).sort("timestamp", "sid")


@pytest.mark.parametrize(
    ("target", "key"),
    [
        ("5m", lambda ts: ts - timedelta(minutes=ts.minute % 5, seconds=ts.second, microseconds=ts.microsecond)),
        ("15m", lambda ts: ts - timedelta(minutes=ts.minute % 15, seconds=ts.second, microseconds=ts.microsecond)),
        ("1h", lambda ts: ts.replace(minute=0, second=0, microsecond=0)),
    ],
)
def test_minute_to_intraday_in_utc_is_exact(btc_minutes: pl.DataFrame, target: str, key) -> None:
    bars = two_assets(btc_minutes.head(6000))
    got = aggregate(bars, target).collect()
    assert got.schema == MINUTE_BARS_SCHEMA
    assert got.equals(got.sort("timestamp", "sid"))
    assert as_dict(got) == reference(bars, key)


def test_minute_to_daily_in_utc_is_exact(btc_minutes: pl.DataFrame) -> None:
    bars = two_assets(btc_minutes)
    got = aggregate(bars.lazy(), "1d").collect()
    assert got.schema == DAILY_BARS_SCHEMA
    assert as_dict(got) == reference(bars, lambda ts: ts.date())
    first = got.row(0, named=True)  # 2021-12-31 holds only 23:01..23:59
    assert first["date"] == date(2021, 12, 31) and first["open"] == Decimal("46319")


def test_row_order_does_not_matter(btc_minutes: pl.DataFrame) -> None:
    bars = two_assets(btc_minutes.head(3000))
    shuffled = bars.sample(fraction=1.0, shuffle=True, seed=3)
    for target in ("15m", "1d"):
        assert aggregate(shuffled.lazy(), target).collect().equals(aggregate(bars, target).collect())
        assert aggregate(shuffled, target).collect().equals(aggregate(bars, target).collect())


def test_daily_to_weekly_and_monthly_in_utc(zipline_daily: pl.DataFrame) -> None:
    bars = zipline_daily.filter(pl.col("date").dt.year() == 2013)
    weekly = aggregate(bars, "1w").collect()
    assert as_dict(weekly) == reference(bars, lambda d: d - timedelta(days=d.weekday()))
    monthly = aggregate(bars, MONTHLY).collect()
    assert as_dict(monthly) == reference(bars, lambda d: d.replace(day=1))
    assert monthly.height == 12 * bars.get_column("sid").n_unique() - 2  # DELL (3) delisted 2013-10-29


def test_weekly_label_is_the_first_session_with_a_calendar(zipline_daily: pl.DataFrame) -> None:
    bars = zipline_daily.filter((pl.col("date") >= date(2014, 1, 13)) & (pl.col("date") <= date(2014, 1, 24)) & (pl.col("sid") == 7))
    got = aggregate(bars, "1w", calendar="XNYS").collect()
    # 2014-01-20 was Martin Luther King Day: that week starts on Tuesday the 21st
    assert got.get_column("date").to_list() == [date(2014, 1, 13), date(2014, 1, 21)]
    utc = aggregate(bars, "1w").collect()
    assert utc.get_column("date").to_list() == [date(2014, 1, 13), date(2014, 1, 20)]
    assert utc.drop("date").equals(got.drop("date"))


def _session_minutes(day: date, start: tuple[int, int], minutes: int, sid: int = 1) -> list[dict]:
    first = datetime(day.year, day.month, day.day, *start, tzinfo=UTC)
    rows = []
    for i in range(minutes):
        price = Decimal("100") + Decimal(i) / Decimal(100)
        rows.append({"timestamp": first + timedelta(minutes=i), "sid": sid, "open": price, "high": price + Decimal("0.05"), "low": price - Decimal("0.05"), "close": price + Decimal("0.01"), "volume": Decimal("10.5")})
    return rows


def test_exchange_sessions_exclude_minutes_outside_and_handle_half_days() -> None:
    # 2024-11-29 (day after Thanksgiving) closes at 18:00 UTC; 2024-12-02 is a full session.
    rows = _session_minutes(date(2024, 11, 29), (14, 0), 300) + _session_minutes(date(2024, 12, 2), (14, 30), 390)
    bars = pl.DataFrame(rows, schema=MINUTE_BARS_SCHEMA)
    daily = aggregate(bars, "1d", calendar="XNYS").collect()
    half = daily.row(0, named=True)
    assert half["date"] == date(2024, 11, 29)
    # 14:00..14:29 is before the open, 18:00 onwards after the close: 210 minutes remain
    assert half["volume"] == Decimal("10.5") * 210
    assert half["open"] == Decimal("100.30")  # the 14:30 bar
    assert half["close"] == Decimal("100") + Decimal(239) / Decimal(100) + Decimal("0.01")  # the 17:59 bar
    assert daily.row(1, named=True)["volume"] == Decimal("10.5") * 390
    hourly = aggregate(bars, "1h", calendar="XNYS").collect()
    starts = hourly.filter(pl.col("timestamp").dt.date() == date(2024, 12, 2)).get_column("timestamp").dt.strftime("%H:%M").to_list()
    assert starts == ["14:30", "15:30", "16:30", "17:30", "18:30", "19:30", "20:30"]  # from the open
    utc_hours = aggregate(bars, "1h").collect().filter(pl.col("timestamp").dt.date() == date(2024, 12, 2))
    assert utc_hours.get_column("timestamp").dt.strftime("%H:%M").to_list()[0] == "14:00"


def test_calendar_object_is_accepted() -> None:
    import exchange_calendars as xcals
    bars = pl.DataFrame(_session_minutes(date(2024, 12, 2), (14, 30), 390), schema=MINUTE_BARS_SCHEMA)
    by_name = aggregate(bars, "1d", calendar="XNYS").collect()
    by_object = aggregate(bars, "1d", calendar=xcals.get_calendar("XNYS")).collect()
    assert by_name.equals(by_object) and by_name.height == 1


def test_impossible_targets_are_refused(zipline_daily: pl.DataFrame) -> None:
    with pytest.raises(InvalidRequestError, match="daily bars to 1h"):
        aggregate(zipline_daily.head(10), "1h")


def test_result_is_lazy(btc_minutes: pl.DataFrame) -> None:
    assert isinstance(aggregate(btc_minutes.head(10), "5m"), pl.LazyFrame)
