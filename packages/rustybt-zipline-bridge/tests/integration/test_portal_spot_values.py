"""The portal's short paths for spot values and splits give zipline's own answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from zipline.data.data_portal import DataPortal
from zipline.utils.calendar_utils import get_calendar

from rustybt.zipline_bridge import BundleData, PolarsDataPortal, ZiplineDailyBarReader

FIELDS = ["price", "open", "high", "low", "close", "volume", "last_traded"]


def _same(a: object, b: object) -> bool:
    return bool((pd.isna(a) and pd.isna(b)) or a == b)


@pytest.fixture(scope="module")
def portals(migrated_example) -> tuple[PolarsDataPortal, DataPortal]:
    calendar = get_calendar("XNYS")
    bundle = BundleData.open(
        migrated_example.output, daily=migrated_example.writer.reader("1d"), catalog=migrated_example.catalog
    )
    ours = PolarsDataPortal.from_bundle(bundle, calendar)
    reader = ZiplineDailyBarReader(
        migrated_example.writer.reader("1d"), calendar, start_session="2004-01-02", end_session="2014-12-31"
    )
    theirs = DataPortal(
        bundle.asset_finder,
        calendar,
        bundle.resolved_first_trading_day(),
        equity_daily_reader=reader,
        adjustment_reader=bundle.adjustment_reader,
    )
    return ours, theirs


def test_daily_spot_values_equal_zipline_s(
    portals: tuple[PolarsDataPortal, DataPortal], monkeypatch: pytest.MonkeyPatch
) -> None:
    ours, theirs = portals
    reader = ours._daily_bars
    answered = []
    direct = reader.stored_value
    monkeypatch.setattr(reader, "stored_value", lambda *args: answered.append(args) or direct(*args))
    assets = theirs.asset_finder.retrieve_all(range(9))
    sessions = get_calendar("XNYS").sessions_in_range(pd.Timestamp("2004-01-02"), pd.Timestamp("2014-12-31"))
    days = [*sessions[::97], pd.Timestamp("2013-10-29"), pd.Timestamp("2013-10-30"), sessions[0], sessions[-1]]
    checked = 0
    for day in days:
        close = get_calendar("XNYS").session_close(day)
        for moment in (day, close):  # a session label (BarData) and a close (the ledger)
            for field in FIELDS:
                expected = theirs.get_spot_value(assets, field, moment, "daily")
                actual = ours.get_spot_value(assets, field, moment, "daily")
                assert all(_same(a, e) for a, e in zip(actual, expected, strict=True)), (day, field)
                for asset, value in zip(assets, expected, strict=True):
                    assert _same(ours.get_scalar_asset_spot_value(asset, field, moment, "daily"), value)
                checked += len(assets)
    assert checked > 1000
    assert len(answered) > checked // 2  # most answers took the short path
    delisted = theirs.asset_finder.retrieve_asset(3)  # DELL: no bars after 2013-10-29
    assert np.isnan(ours.get_spot_value(delisted, "price", pd.Timestamp("2014-01-02"), "daily"))


def test_splits_equal_zipline_s(portals: tuple[PolarsDataPortal, DataPortal]) -> None:
    ours, theirs = portals
    held = set(theirs.asset_finder.retrieve_all(range(9)))
    for day in pd.to_datetime(["2005-02-28", "2006-01-10", "2011-06-27", "2013-07-01", "2014-06-09", "2014-06-10"]):
        assert ours.get_splits(held, day) == theirs.get_splits(held, day)
    assert ours.get_splits(held, pd.Timestamp("2014-06-09")) != []


def test_daily_price_history_equals_zipline_s(portals: tuple[PolarsDataPortal, DataPortal]) -> None:
    """The numpy forward fill of daily price windows gives zipline's frames: windows across
    DELL's last bar (2013-10-29), at the store's first sessions and across the 2014 split."""
    ours, theirs = portals
    assets = theirs.asset_finder.retrieve_all(range(9))
    sessions = get_calendar("XNYS").sessions_in_range(pd.Timestamp("2004-03-01"), pd.Timestamp("2014-12-31"))
    ends = [*sessions[::131], pd.Timestamp("2013-10-29"), pd.Timestamp("2013-10-30"), pd.Timestamp("2013-11-29"), pd.Timestamp("2014-06-10")]
    for end in ends:
        for bar_count in (1, 20, 40):
            for chosen in (assets, assets[2:5], [assets[3]]):
                expected = DataPortal.get_history_window(ours, chosen, end, bar_count, "1d", "price", "daily")
                actual = ours.get_history_window(chosen, end, bar_count, "1d", "price", "daily")
                pd.testing.assert_frame_equal(actual, expected, check_exact=True)
    window = ours.get_history_window([assets[3]], pd.Timestamp("2013-11-29"), 40, "1d", "price", "daily")
    assert window.iloc[-1].isna().all() and not window.iloc[0].isna().any()  # no price after DELL's end
