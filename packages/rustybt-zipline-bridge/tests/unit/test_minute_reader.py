"""ZiplineMinuteBarReader over the in-memory store, on XNYS and on the 24/7 calendar."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest
from zipline.data.bar_reader import NoDataOnDate
from zipline.utils.calendar_utils import get_calendar

from rustybt.domain.fakes import InMemoryBarReader
from rustybt.zipline_bridge import ZiplineMinuteBarReader


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


XNYS_ROWS = [  # 2024-01-02 opens 14:31 UTC
    (utc(2024, 1, 2, 14, 31), 1, "10", "10.5", "9.5", "10.25", "5"),
    (utc(2024, 1, 2, 14, 33), 1, "11", "11", "11", "11", "0"),
    (utc(2024, 1, 2, 14, 32), 2, "20", "20", "20", "20", "3"),
    (utc(2024, 1, 3, 20, 59), 1, "12", "12", "12", "12", "1"),
    (utc(2024, 1, 3, 21, 30), 1, "99", "99", "99", "99", "1"),  # after the close: not a market minute
]

CRYPTO_ROWS = [  # 24/7: Saturday night and Sunday morning are trading minutes
    (utc(2024, 1, 6, 23, 59), 7, "42000.12345678", "42001", "41999", "42000.5", "1.25"),
    (utc(2024, 1, 7, 0, 0), 7, "42000.5", "42002", "42000", "42001", "0.5"),
    (utc(2024, 1, 7, 0, 2), 7, "42001", "42001", "42001", "42001", "0.75"),
]


@pytest.fixture
def xnys(bars_frame) -> ZiplineMinuteBarReader:
    return ZiplineMinuteBarReader(InMemoryBarReader(bars_frame(XNYS_ROWS, "minute"), "minute"), get_calendar("XNYS"))


@pytest.fixture
def crypto(bars_frame) -> ZiplineMinuteBarReader:
    return ZiplineMinuteBarReader(InMemoryBarReader(bars_frame(CRYPTO_ROWS, "minute"), "minute"), get_calendar("24/7"))


def test_arrays_cover_every_market_minute(xnys: ZiplineMinuteBarReader) -> None:
    start, end = pd.Timestamp("2024-01-02 14:31", tz="UTC"), pd.Timestamp("2024-01-02 14:34", tz="UTC")
    close, volume = xnys.load_raw_arrays(["close", "volume"], start, end, [1, 2])
    np.testing.assert_array_equal(close, [[10.25, np.nan], [np.nan, 20], [11, np.nan], [np.nan, np.nan]])
    np.testing.assert_array_equal(volume, [[5, 0], [0, 3], [0, 0], [0, 0]])


def test_a_range_across_the_night_skips_closed_minutes(xnys: ZiplineMinuteBarReader) -> None:
    start, end = pd.Timestamp("2024-01-02 20:59", tz="UTC"), pd.Timestamp("2024-01-03 14:32", tz="UTC")
    (close,) = xnys.load_raw_arrays(["close"], start, end, [1])
    assert close.shape == (4, 1)


def test_get_value_and_last_traded(xnys: ZiplineMinuteBarReader) -> None:
    assert xnys.get_value(1, pd.Timestamp("2024-01-02 14:31", tz="UTC"), "high") == 10.5
    assert np.isnan(xnys.get_value(1, pd.Timestamp("2024-01-02 14:32", tz="UTC"), "close"))
    assert xnys.get_value(1, pd.Timestamp("2024-01-02 14:32", tz="UTC"), "volume") == 0
    with pytest.raises(NoDataOnDate):
        xnys.get_value(1, pd.Timestamp("2024-01-02 22:00", tz="UTC"), "close")
    # the 14:33 bar has zero volume: zipline's last trade is the 14:31 one
    assert xnys.get_last_traded_dt(1, pd.Timestamp("2024-01-02 15:00", tz="UTC")) == pd.Timestamp(
        "2024-01-02 14:31", tz="UTC"
    )
    assert xnys.get_last_traded_dt(2, pd.Timestamp("2024-01-02 14:31", tz="UTC")) is pd.NaT


def test_xnys_bounds(xnys: ZiplineMinuteBarReader) -> None:
    assert xnys.first_trading_day == pd.Timestamp("2024-01-02")
    assert xnys.last_available_dt == pd.Timestamp("2024-01-03 21:00", tz="UTC")


def test_24_7_minutes_run_through_weekends_and_midnight(crypto: ZiplineMinuteBarReader) -> None:
    start, end = pd.Timestamp("2024-01-06 23:58", tz="UTC"), pd.Timestamp("2024-01-07 00:02", tz="UTC")
    opens, volume = crypto.load_raw_arrays(["open", "volume"], start, end, [7])
    np.testing.assert_array_equal(opens[:, 0], [np.nan, 42000.12345678, 42000.5, np.nan, 42001])
    np.testing.assert_array_equal(volume[:, 0], [0, 1.25, 0.5, 0, 0.75])
    assert crypto.get_value(7, pd.Timestamp("2024-01-06 23:59", tz="UTC"), "open") == 42000.12345678
    assert list(crypto.sessions.date.astype(str)) == ["2024-01-06", "2024-01-07"]
    assert crypto.last_available_dt == crypto.trading_calendar.session_close(pd.Timestamp("2024-01-07"))
    assert len(crypto.trading_calendar.session_minutes(crypto.sessions[0])) == 1440
