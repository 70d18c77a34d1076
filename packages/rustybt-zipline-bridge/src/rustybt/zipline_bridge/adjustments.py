"""zipline adjustment databases: read splits/mergers/dividends from a bundle, write them for ours."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from zipline.data.adjustments import SQLiteAdjustmentReader, SQLiteAdjustmentWriter
from zipline.data.session_bars import SessionBarReader

from rustybt.zipline_bridge.adjustment_index import IndexedSQLiteAdjustmentReader
from rustybt.zipline_bridge.errors import BundleFormatError
from rustybt.zipline_bridge.temp_names import temp_beside

ADJUSTMENTS_DB_NAME = "adjustments.sqlite"
_DATE_COLUMNS = ("ex_date", "record_date", "declared_date", "pay_date")


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: [] for c in columns})


@dataclass
class CorporateActions:
    """Splits and mergers (sid, effective_date, ratio), cash and stock dividend payouts."""

    splits: pd.DataFrame = field(default_factory=lambda: _empty(("sid", "effective_date", "ratio")))
    mergers: pd.DataFrame = field(default_factory=lambda: _empty(("sid", "effective_date", "ratio")))
    dividends: pd.DataFrame = field(default_factory=lambda: _empty(("sid", "amount", *_DATE_COLUMNS)))
    stock_dividends: pd.DataFrame = field(
        default_factory=lambda: _empty(("sid", "payment_sid", "ratio", *_DATE_COLUMNS))
    )

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in ("splits", "mergers", "dividends", "stock_dividends")}

    def renumbered(self, sid_map: Mapping[int, int]) -> CorporateActions:
        """The same actions with sids (and payment sids) replaced through ``sid_map``."""

        def remap(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
            frame = frame.copy()
            for column in columns:
                frame[column] = [sid_map.get(int(s), int(s)) for s in frame[column]]
            return frame

        return CorporateActions(
            remap(self.splits, ("sid",)),
            remap(self.mergers, ("sid",)),
            remap(self.dividends, ("sid",)),
            remap(self.stock_dividends, ("sid", "payment_sid")),
        )


def read_corporate_actions(path: Path) -> CorporateActions:
    """The splits, mergers and dividend payouts of a zipline ``adjustments.sqlite``."""
    if not path.is_file():
        raise BundleFormatError(f"adjustment database {path} does not exist", str(path))
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            splits = pd.read_sql("SELECT sid, effective_date, ratio FROM splits", conn)
            mergers = pd.read_sql("SELECT sid, effective_date, ratio FROM mergers", conn)
            dividends = pd.read_sql(f"SELECT sid, amount, {', '.join(_DATE_COLUMNS)} FROM dividend_payouts", conn)
            stock = pd.read_sql(
                f"SELECT sid, payment_sid, ratio, {', '.join(_DATE_COLUMNS)} FROM stock_dividend_payouts", conn
            )
    except (sqlite3.Error, pd.errors.DatabaseError) as err:
        raise BundleFormatError(f"{path}: cannot read the adjustment database ({err})", str(path)) from err
    for frame in (splits, mergers):
        frame["effective_date"] = pd.to_datetime(frame["effective_date"], unit="s")
    for frame in (dividends, stock):
        for column in _DATE_COLUMNS:
            frame[column] = _seconds_to_datetime(frame[column])
    return CorporateActions(splits, mergers, dividends, stock)


_MAX_SECONDS = 9_000_000_000  # datetime64[ns] spans about +-9.2e9 seconds around 1970


def _seconds_to_datetime(values: pd.Series) -> pd.Series:
    """Epoch seconds as datetimes; zipline's NaT markers (int64 extremes) and anything out of range are NaT."""
    numbers = pd.to_numeric(values, errors="coerce")
    numbers = numbers.where(numbers.abs() < _MAX_SECONDS)
    return pd.to_datetime(numbers, unit="s")


def write_adjustments_db(path: Path, actions: CorporateActions, daily_reader: SessionBarReader) -> Path:
    """Write ``actions`` as a zipline adjustment database; dividend ratios come from ``daily_reader``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_beside(path)
    try:
        writer = SQLiteAdjustmentWriter(str(tmp), daily_reader, overwrite=True)
        writer.write(
            splits=actions.splits,
            mergers=actions.mergers,
            dividends=actions.dividends,
            stock_dividends=actions.stock_dividends,
        )
        writer.close()
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def open_adjustments(path: Path) -> SQLiteAdjustmentReader:
    """A ``SQLiteAdjustmentReader`` over ``path`` (answering per-session questions from memory)."""
    if not path.is_file():
        raise BundleFormatError(f"adjustment database {path} does not exist", str(path))
    return IndexedSQLiteAdjustmentReader(str(path))
