"""ZiplineDailyBarReader over the in-memory store: shapes, missing-bar semantics, spot values."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from zipline.assets import Equity, ExchangeInfo
from zipline.data.bar_reader import NoDataAfterDate, NoDataBeforeDate, NoDataOnDate
from zipline.utils.calendar_utils import get_calendar

from rustybt.domain.errors import InvalidRequestError
from rustybt.domain.fakes import InMemoryBarReader, InMemoryBarWriter
from rustybt.zipline_bridge import ZiplineDailyBarReader

ROWS = [
    (date(2024, 1, 2), 1, "1.5", "1.6", "1.4", "1.55", "100"),
    (date(2024, 1, 3), 1, "2", "2", "2", "2", "0"),
    (date(2024, 1, 5), 1, "3.125", "3.2", "3", "3.1", "300"),
    (date(2024, 1, 3), 2, "40", "41", "39", "40.5", "7"),
    (date(2024, 1, 6), 2, "99", "99", "99", "99", "1"),  # a Saturday: not an XNYS session
]


@pytest.fixture
def reader(bars_frame) -> ZiplineDailyBarReader:
    return ZiplineDailyBarReader(InMemoryBarReader(bars_frame(ROWS, "daily"), "daily"), get_calendar("XNYS"))


def test_sessions_span_the_stored_bars_on_the_calendar(reader: ZiplineDailyBarReader) -> None:
    assert list(reader.sessions.date) == [date(2024, 1, d) for d in (2, 3, 4, 5)]
    assert reader.last_available_dt == pd.Timestamp("2024-01-05")
    assert reader.first_trading_day == pd.Timestamp("2024-01-02")
    assert reader.trading_calendar.name == "XNYS"
    assert reader.data_frequency == "session"


def test_arrays_are_float64_sessions_by_assets_with_nan_prices_and_zero_volume(reader: ZiplineDailyBarReader) -> None:
    close, volume = reader.load_raw_arrays(
        ["close", "volume"], pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-05"), [2, 1, 99]
    )
    assert close.dtype == np.float64 and close.shape == (4, 3)
    expected_close = np.array(
        [[np.nan, 1.55, np.nan], [40.5, 2.0, np.nan], [np.nan, np.nan, np.nan], [np.nan, 3.1, np.nan]]
    )
    np.testing.assert_array_equal(close, expected_close)
    np.testing.assert_array_equal(volume, [[0, 100, 0], [7, 0, 0], [0, 0, 0], [0, 300, 0]])


def test_a_range_not_on_sessions_raises_like_bcolz(reader: ZiplineDailyBarReader) -> None:
    with pytest.raises(NoDataOnDate):
        reader.load_raw_arrays(["close"], pd.Timestamp("2024-01-06"), pd.Timestamp("2024-01-06"), [1])


def test_get_value_accepts_an_asset_and_follows_bcolz_semantics(reader: ZiplineDailyBarReader) -> None:
    asset = Equity(1, ExchangeInfo("TEST", "TEST", "US"), symbol="A")
    assert reader.get_value(asset, pd.Timestamp("2024-01-05"), "open") == 3.125
    assert np.isnan(reader.get_value(asset, pd.Timestamp("2024-01-04"), "close"))
    assert reader.get_value(asset, pd.Timestamp("2024-01-04"), "volume") == 0
    with pytest.raises(NoDataBeforeDate):
        reader.get_value(2, pd.Timestamp("2024-01-02"), "close")
    with pytest.raises(NoDataAfterDate):
        reader.get_value(2, pd.Timestamp("2024-01-04"), "close")
    with pytest.raises(NoDataOnDate):
        reader.get_value(1, pd.Timestamp("2024-01-07"), "close")


def test_last_traded_skips_missing_and_zero_volume_bars(reader: ZiplineDailyBarReader) -> None:
    assert reader.get_last_traded_dt(1, pd.Timestamp("2024-01-04")) == pd.Timestamp("2024-01-02")
    assert reader.get_last_traded_dt(1, pd.Timestamp("2024-01-05")) == pd.Timestamp("2024-01-05")
    assert reader.get_last_traded_dt(2, pd.Timestamp("2024-01-02")) is pd.NaT
    assert reader.get_last_traded_dt(2, pd.Timestamp("2024-01-05")) == pd.Timestamp("2024-01-03")


def test_currency_codes_are_none_for_sids_without_bars(bars_frame) -> None:
    store = InMemoryBarReader(bars_frame(ROWS, "daily"), "daily")
    reader = ZiplineDailyBarReader(store, get_calendar("XNYS"), currencies={2: "EUR"})
    assert list(reader.currency_codes([1, 2, 3])) == ["USD", "EUR", None]


def test_session_span_can_be_wider_than_the_bars(bars_frame) -> None:
    store = InMemoryBarReader(bars_frame(ROWS, "daily"), "daily")
    reader = ZiplineDailyBarReader(
        store,
        get_calendar("XNYS"),
        start_session="2023-12-28",
        end_session="2024-01-10",
        first_trading_day="2023-01-03",
    )
    assert reader.sessions[0] == pd.Timestamp("2023-12-28") and reader.sessions[-1] == pd.Timestamp("2024-01-10")
    assert reader.first_trading_day == pd.Timestamp("2023-01-03")
    (close,) = reader.load_raw_arrays(["close"], pd.Timestamp("2023-12-28"), pd.Timestamp("2024-01-10"), [1])
    assert np.isnan(close[:2]).all() and close[2, 0] == 1.55 and np.isnan(close[-3:]).all()


def test_a_minute_store_is_refused(bars_frame) -> None:
    with pytest.raises(InvalidRequestError, match="daily BarReader"):
        ZiplineDailyBarReader(InMemoryBarWriter().reader("1m"), get_calendar("XNYS"))


class FloatPathReader(InMemoryBarReader):
    """An in-memory store that also answers ``load_float_arrays`` (on a calendar axis)."""

    calls = 0

    def load_float_arrays(self, sids, fields, start_date, end_date, times=None):
        type(self).calls += 1
        frame = self.load_raw_arrays(sids, fields, start_date, end_date).collect()
        axis = np.asarray(times, dtype="datetime64[D]")
        out = {f: np.full((len(axis), len(sids)), np.nan) for f in fields}
        for row in frame.iter_rows(named=True):
            r = int(np.searchsorted(axis, np.datetime64(row["date"], "D")))
            if r < len(axis) and axis[r] == np.datetime64(row["date"], "D"):
                for f in fields:
                    out[f][r, list(sids).index(row["sid"])] = float(row[f])
        return type("Bars", (), {"times": axis, "arrays": out})()


def test_the_float_path_gives_the_same_arrays(bars_frame) -> None:
    calendar = get_calendar("XNYS")
    plain = ZiplineDailyBarReader(InMemoryBarReader(bars_frame(ROWS, "daily"), "daily"), calendar)
    fast = ZiplineDailyBarReader(FloatPathReader(bars_frame(ROWS, "daily"), "daily"), calendar)
    args = (["open", "close", "volume"], pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-05"), [1, 2, 5])
    before = FloatPathReader.calls
    for a, b in zip(plain.load_raw_arrays(*args), fast.load_raw_arrays(*args), strict=True):
        np.testing.assert_array_equal(a, b)
    assert FloatPathReader.calls == before + 1


@pytest.mark.parametrize("sids", [[2, 1], [1, 99, 2, 1], [99]])
def test_arrays_cut_from_memory_equal_a_direct_read(bars_frame, sids: list[int]) -> None:
    store = InMemoryBarReader(bars_frame(ROWS, "daily"), "daily")
    calendar = get_calendar("XNYS")
    kept = ZiplineDailyBarReader(store, calendar)  # small enough: every sid is kept in memory
    direct = ZiplineDailyBarReader(store, calendar, spot_cells=0)  # reads the store every time
    fields = ["close", "volume", "open"]
    for start, end in [("2024-01-03", "2024-01-05"), ("2024-01-02", "2024-01-02"), ("2024-01-02", "2024-01-05")]:
        ours = kept.load_raw_arrays(fields, pd.Timestamp(start), pd.Timestamp(end), sids)
        theirs = direct.load_raw_arrays(fields, pd.Timestamp(start), pd.Timestamp(end), sids)
        for a, b in zip(ours, theirs, strict=True):
            np.testing.assert_array_equal(a, b)
    assert kept.sids_read == {s for s in sids if s != 99}
