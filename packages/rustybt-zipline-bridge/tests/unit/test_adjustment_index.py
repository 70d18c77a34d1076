"""The in-memory answers to zipline's per-session adjustment questions equal its SQLite queries."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from zipline.assets import AssetFinder
from zipline.data.adjustments import SQLiteAdjustmentReader
from zipline.data.data_portal import DataPortal
from zipline.utils.calendar_utils import get_calendar

from rustybt.zipline_bridge.adjustment_index import IndexedSQLiteAdjustmentReader
from rustybt.zipline_bridge.portal import PolarsDataPortal

CALENDAR = get_calendar("XNYS")


@pytest.fixture(scope="module")
def bundle(example_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = next((example_data / "root" / "data" / "test").iterdir())
    target = tmp_path_factory.mktemp("adjustments")
    for name in ("adjustments.sqlite", "assets-7.sqlite"):
        shutil.copy(source / name, target / name)
    return target


@pytest.fixture(scope="module")
def finder(bundle: Path) -> AssetFinder:
    return AssetFinder(str(bundle / "assets-7.sqlite"))


def _rows(divs: list) -> list[tuple]:
    """Dividends as comparable tuples (a pay date zipline stored as 'unknown' is NaT)."""
    return [(d.asset.sid, *[None if pd.isna(v) else v for v in d[1:]]) for d in divs]


def _dates(path: Path, table: str, column: str) -> Iterator[pd.Timestamp]:
    with sqlite3.connect(path) as conn:
        seconds = sorted({row[0] for row in conn.execute(f"SELECT {column} FROM {table}")})
    for value in seconds:
        day = pd.Timestamp(value, unit="s")
        yield from (day - pd.Timedelta(days=1), day, day + pd.Timedelta(days=1))


@pytest.mark.parametrize("held", [set(range(9)), {7}, {2, 4, 6}, {3, 5}, set()])
def test_dividends_by_ex_date_match_zipline_on_the_example_bundle(
    bundle: Path, finder: AssetFinder, held: set[int]
) -> None:
    path = bundle / "adjustments.sqlite"
    theirs, ours = SQLiteAdjustmentReader(str(path)), IndexedSQLiteAdjustmentReader(str(path))
    found = 0
    for day in _dates(path, "dividend_payouts", "ex_date"):
        expected = _rows(theirs.get_dividends_with_ex_date(held, day, finder))
        assert _rows(ours.get_dividends_with_ex_date(held, day, finder)) == expected, day
        assert ours.get_stock_dividends_with_ex_date(held, day, finder) == theirs.get_stock_dividends_with_ex_date(
            held, day, finder
        )
        found += len(expected)
    assert found > 0 or not held & {2, 3, 4, 5, 6, 7, 8}


def test_splits_match_zipline_on_the_example_bundle(bundle: Path, finder: AssetFinder) -> None:
    path = bundle / "adjustments.sqlite"
    theirs = DataPortal(
        finder, CALENDAR, pd.Timestamp("2004-01-02"), adjustment_reader=SQLiteAdjustmentReader(str(path))
    )
    ours = PolarsDataPortal(
        finder, CALENDAR, pd.Timestamp("2004-01-02"), adjustment_reader=IndexedSQLiteAdjustmentReader(str(path))
    )
    held_sets = [set(finder.retrieve_all(range(9))), {finder.retrieve_asset(7)}, {finder.retrieve_asset(1), 3}]
    seen = 0
    for day in _dates(path, "splits", "effective_date"):
        for held in held_sets:
            expected = theirs.get_splits(held, day)
            assert ours.get_splits(held, day) == expected, (day, held)
            seen += len(expected)
    assert seen == 5 + 2 + 3  # every split for everyone, AAPL's two, CERN's three


def test_rows_of_one_day_come_in_the_database_order(tmp_path: Path, bundle: Path, finder: AssetFinder) -> None:
    path = tmp_path / "adjustments.sqlite"
    shutil.copy(bundle / "adjustments.sqlite", path)
    day = pd.Timestamp("2010-06-01")
    seconds = int(day.timestamp())
    with sqlite3.connect(path) as conn:
        for sid, payment_sid in ((8, 1), (2, 7), (5, 5)):
            conn.execute(
                "INSERT INTO stock_dividend_payouts (sid, ex_date, declared_date, record_date, pay_date, payment_sid, ratio)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (sid, seconds, seconds, seconds, seconds + 86400, payment_sid, 0.25),
            )
            conn.execute(
                "INSERT INTO dividend_payouts (sid, ex_date, declared_date, record_date, pay_date, amount)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (sid, seconds, seconds, seconds, seconds + 86400, 0.5 + sid),
            )
    theirs, ours = SQLiteAdjustmentReader(str(path)), IndexedSQLiteAdjustmentReader(str(path))
    held = {2, 5, 8}
    assert [d.asset.sid for d in ours.get_stock_dividends_with_ex_date(held, day, finder)] == [8, 2, 5]
    assert ours.get_stock_dividends_with_ex_date(held, day, finder) == theirs.get_stock_dividends_with_ex_date(
        held, day, finder
    )
    assert _rows(ours.get_dividends_with_ex_date(held, day, finder)) == _rows(
        theirs.get_dividends_with_ex_date(held, day, finder)
    )


def test_each_asset_is_read_once_not_once_per_session(bundle: Path, finder: AssetFinder) -> None:
    ours = IndexedSQLiteAdjustmentReader(str(bundle / "adjustments.sqlite"))
    queries: list[str] = []
    ours.conn.set_trace_callback(queries.append)
    for day in CALENDAR.sessions_in_range(pd.Timestamp("2010-01-04"), pd.Timestamp("2010-12-31")):
        ours.get_dividends_with_ex_date({2, 7}, day, finder)
        ours.get_dividends_with_ex_date({2, 7, 8}, day, finder)
        ours.get_stock_dividends_with_ex_date({2, 7}, day, finder)
    assert len([q for q in queries if "dividend_payouts" in q]) == 3  # {2, 7}, then {8}; stock: {2, 7}
