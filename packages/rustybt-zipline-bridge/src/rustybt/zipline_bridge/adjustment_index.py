"""The adjustment questions zipline asks every session (splits, dividends by ex-date) answered
from rows read once per asset, instead of one SQLite query per session and table."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable
from typing import Any

import pandas as pd
from typing_extensions import override
from zipline.data.adjustments import Dividend, SQLiteAdjustmentReader, StockDividend
from zipline.utils.sqlite_utils import SQLITE_MAX_VARIABLE_NUMBER, group_into_chunks

Row = tuple[Any, ...]


class DatedRows:
    """Rows of one adjustment table by date, read for an asset the first time it is asked about.

    ``rows_on`` answers like ``SELECT columns FROM table WHERE date_column = ? AND sid IN (...)``
    does with the table's date index: rows of that date, in row id order.
    """

    def __init__(self, conn: sqlite3.Connection, table: str, date_column: str, columns: tuple[str, ...]) -> None:
        self._conn = conn
        self._query = f"SELECT rowid, {date_column}, {', '.join(columns)} FROM {table} WHERE sid IN ({{}})"
        self._loaded: set[int] = set()
        self._by_date: dict[int, list[tuple[int, Row]]] = {}

    def rows_on(self, sids: Collection[int], seconds: float) -> list[Row]:
        """Rows dated ``seconds`` (epoch seconds) of the assets ``sids``."""
        missing = [s for s in sids if s not in self._loaded]
        if missing:
            self._load(missing)
        bucket = self._by_date.get(seconds)  # type: ignore[call-overload]  # 1.2e9 finds 1200000000
        if not bucket:
            return []
        return [row for _, row in bucket if row[0] in sids]

    def _load(self, sids: Iterable[int]) -> None:
        touched = set()
        for chunk in group_into_chunks(list(sids), SQLITE_MAX_VARIABLE_NUMBER):
            cursor = self._conn.execute(self._query.format(",".join("?" * len(chunk))), chunk)
            for rowid, date, *row in cursor.fetchall():
                if date is None:
                    continue
                self._by_date.setdefault(date, []).append((rowid, tuple(row)))
                touched.add(date)
            self._loaded.update(chunk)
        for date in touched:
            self._by_date[date].sort(key=lambda item: item[0])


class IndexedSQLiteAdjustmentReader(SQLiteAdjustmentReader):
    """A ``SQLiteAdjustmentReader`` answering the per-session questions of a backtest (splits
    and dividends of the assets held) from an in-memory index of the held assets' rows.

    zipline asks these every session with one query per table; here each asset's rows are
    read once, the first time it is held, and every answer (values, types and order) is the
    one zipline's queries give. Pipeline and history adjustments are read as zipline reads them.
    """

    def __init__(self, conn: str | sqlite3.Connection) -> None:
        super().__init__(conn)
        self._splits = DatedRows(self.conn, "splits", "effective_date", ("sid", "ratio"))
        self._cash = DatedRows(self.conn, "dividend_payouts", "ex_date", ("sid", "amount", "pay_date"))
        self._stock = DatedRows(
            self.conn, "stock_dividend_payouts", "ex_date", ("sid", "payment_sid", "ratio", "pay_date")
        )

    def splits_on(self, sids: Collection[int], seconds: int) -> list[tuple[int, float]]:
        """``(sid, ratio)`` of the splits of ``sids`` effective at ``seconds`` (epoch seconds)."""
        return [(row[0], row[1]) for row in self._splits.rows_on(sids, seconds)]

    @override
    def get_dividends_with_ex_date(
        self, assets: Iterable[Any], date: pd.Timestamp, asset_finder: Any
    ) -> list[Dividend]:
        seconds = date.value / int(1e9)
        divs = []
        for chunk in group_into_chunks(assets):
            for sid, amount, pay_date in self._cash.rows_on({int(a) for a in chunk}, seconds):
                divs.append(
                    Dividend(asset_finder.retrieve_asset(sid), amount, pd.Timestamp(pay_date, unit="s", tz="UTC"))
                )
        return divs

    @override
    def get_stock_dividends_with_ex_date(
        self, assets: Iterable[Any], date: pd.Timestamp, asset_finder: Any
    ) -> list[StockDividend]:
        seconds = date.value / int(1e9)
        divs = []
        for chunk in group_into_chunks(assets):
            for sid, payment_sid, ratio, pay_date in self._stock.rows_on({int(a) for a in chunk}, seconds):
                divs.append(
                    StockDividend(
                        asset_finder.retrieve_asset(sid),
                        asset_finder.retrieve_asset(payment_sid),
                        ratio,
                        pd.Timestamp(pay_date, unit="s", tz="UTC"),
                    )
                )
        return divs
