"""Value types: Resolution, DateRange, Bar, assets, DatasetInfo."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from rustybt.domain import (
    AssetKey,
    AssetType,
    Bar,
    DatasetInfo,
    DateRange,
    InvalidBarError,
    InvalidDateRangeError,
    InvalidRequestError,
    InvalidResolutionError,
    Resolution,
)

UTC = timezone.utc


@pytest.mark.parametrize("text", ["1m", "5m", "15m", "1h", "4h", "1d", "1w"])
def test_resolution_round_trips(text: str) -> None:
    assert str(Resolution.parse(text)) == text
    assert Resolution.parse(Resolution.parse(text)) is Resolution.parse(text)


@pytest.mark.parametrize("text", ["", "1s", "2m", "1M", "1mo", "daily", "60", "1 d", "1y"])
def test_resolution_rejects_everything_else(text: str) -> None:
    with pytest.raises(InvalidResolutionError, match="expected one of '1m'"):
        Resolution.parse(text)


def test_resolution_is_case_tolerant_but_never_reads_M_as_minute() -> None:
    assert Resolution.parse(" 1D ") is Resolution.D1
    assert Resolution.parse("1H") is Resolution.H1
    with pytest.raises(InvalidResolutionError):
        Resolution.parse("5M")


def test_resolution_properties() -> None:
    assert Resolution.M15.duration == timedelta(minutes=15)
    assert Resolution.H4.is_intraday and not Resolution.D1.is_intraday
    assert Resolution.W1.storage_kind == "daily"
    assert Resolution.M5.storage_kind == "minute"


def test_date_range_of_bare_dates_covers_the_last_day() -> None:
    span = DateRange.of("2024-01-01", "2024-03-31")
    assert span.start == datetime(2024, 1, 1, tzinfo=UTC)
    assert span.end == datetime(2024, 3, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert datetime(2024, 3, 31, 23, 0, tzinfo=UTC) in span
    assert date(2024, 4, 1) not in span


def test_date_range_converts_timezones_and_rejects_inverted_ranges() -> None:
    eastern = timezone(timedelta(hours=-5))
    span = DateRange.of(datetime(2024, 1, 1, 9, 30, tzinfo=eastern), "2024-01-02T00:00:00Z")
    assert span.start == datetime(2024, 1, 1, 14, 30, tzinfo=UTC)
    with pytest.raises(InvalidDateRangeError, match="after end"):
        DateRange.of("2024-02-01", "2024-01-01")
    with pytest.raises(InvalidDateRangeError, match="ISO-8601"):
        DateRange.of("yesterday", "2024-01-01")


def test_date_range_cover_and_union() -> None:
    outer = DateRange.of("2024-01-01", "2024-12-31")
    inner = DateRange.of("2024-03-01", "2024-03-31")
    assert outer.covers(inner) and not inner.covers(outer)
    assert inner.union(DateRange.of("2025-01-01", "2025-01-02")).end.year == 2025


def test_bar_checks_ohlc_and_names_the_rule() -> None:
    ts = datetime(2024, 1, 2, tzinfo=UTC)
    Bar("AAPL", ts, Decimal("10"), Decimal("11"), Decimal("9"), Decimal("10.5"), Decimal("100"))
    with pytest.raises(InvalidBarError, match="high_gte_low"):
        Bar("AAPL", ts, Decimal("10"), Decimal("8"), Decimal("9"), Decimal("8.5"), Decimal("1"))
    with pytest.raises(InvalidBarError, match="high_gte_open_close"):
        Bar("AAPL", ts, Decimal("12"), Decimal("11"), Decimal("9"), Decimal("10"), Decimal("1"))
    with pytest.raises(InvalidBarError, match="low_lte_open_close"):
        Bar("AAPL", ts, Decimal("10"), Decimal("11"), Decimal("10.5"), Decimal("10.7"), Decimal("1"))
    with pytest.raises(InvalidBarError, match="volume_non_negative"):
        Bar("AAPL", ts, Decimal("10"), Decimal("11"), Decimal("9"), Decimal("10"), Decimal("-1"))
    with pytest.raises(InvalidBarError, match="finite"):
        Bar("AAPL", ts, Decimal("NaN"), Decimal("11"), Decimal("9"), Decimal("10"), Decimal("1"))


def test_bars_sort_by_symbol_then_time() -> None:
    t = datetime(2024, 1, 2, tzinfo=UTC)
    one = Decimal(1)
    later = Bar("A", t + timedelta(days=1), one, one, one, one, one)
    earlier = Bar("A", t, one, one, one, one, one)
    other = Bar("B", t - timedelta(days=9), one, one, one, one, one)
    assert sorted([other, later, earlier]) == [earlier, later, other]


def test_asset_identity() -> None:
    assert str(AssetKey("binance", "BTC/USDT")) == "binance:BTC/USDT"
    assert AssetType.parse("Cryptocurrency") is AssetType.CRYPTOCURRENCY
    with pytest.raises(InvalidRequestError, match="asset type"):
        AssetType.parse("bond")
    with pytest.raises(InvalidRequestError, match="control character"):
        AssetKey("x", "AB\x00C")
    with pytest.raises(InvalidRequestError, match="empty"):
        AssetKey("x", "  ")


def test_dataset_info_reads_like_the_spec_dict() -> None:
    info = DatasetInfo("id-1", "yfinance", Resolution.D1, datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC), "c" * 64)
    assert info["checksum"] == "c" * 64
    assert info.get("nope") is None
    assert "source" in info
    as_dict = info.to_dict()
    assert as_dict["resolution"] == "1d"
    assert as_dict["start_date"] == "2024-01-01T00:00:00+00:00"
