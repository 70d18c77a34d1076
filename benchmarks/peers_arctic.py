"""ArcticDB (LMDB) holding the bench's bars in its two layouts, and the queries the bench asks.

* long: one symbol holding every asset, a ``DatetimeIndex`` plus ``sid`` and five float64
  columns, rows in (time, sid) order (ArcticDB's guidance for many-asset analysis);
* wide: one symbol per field, sessions (or minutes) × one column per asset (named by sid).

ArcticDB has no decimal type: it is given float64 frames, prepared before any timing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

FIELDS = ["open", "high", "low", "close", "volume"]
ROLLUP = {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}
LONG = "bars"  # the long layout's one symbol


def long_frame(bars: pl.DataFrame) -> pd.DataFrame:
    """Storage-schema bars as ArcticDB's long layout: float64 fields, the time as the index."""
    t = "date" if "date" in bars.columns else "timestamp"
    floats = bars.select(t, "sid", *(pl.col(f).cast(pl.Float64) for f in FIELDS)).to_pandas()
    index = pd.DatetimeIndex(floats.pop(t))
    return floats.set_index(index.tz_localize(None) if index.tz is not None else index)


def wide_frames(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Field → times × sids frames (``zipline_files.float_frames``) with string column names."""
    return {field: frame.set_axis([str(c) for c in frame.columns], axis=1) for field, frame in frames.items()}


def minute_wide_frames(bars: pl.DataFrame) -> dict[str, pd.DataFrame]:
    """Minute bars as field → minutes × sids frames (NaN where an asset has no bar)."""
    floats = bars.with_columns(pl.col(FIELDS).cast(pl.Float64))
    out = {}
    for field in FIELDS:
        wide = floats.pivot(on="sid", index="timestamp", values=field, sort_columns=True).sort("timestamp").to_pandas()
        index = pd.DatetimeIndex(wide.pop("timestamp")).tz_localize(None)
        out[field] = wide.set_index(index).set_axis([str(c) for c in wide.columns], axis=1)
    return out


def _ts(when: date | datetime) -> pd.Timestamp:
    stamp = pd.Timestamp(when)
    return stamp.tz_convert(None) if stamp.tz is not None else stamp


class ArcticStore:
    """ArcticDB on LMDB under ``root``: library ``long`` holds the long symbol, library
    ``wide`` one symbol per field (each library is a folder of its own, so each layout's
    size is measured on its own)."""

    def __init__(self, root: Path) -> None:
        import arcticdb as adb

        self.root = root
        self._adb = adb
        arctic = adb.Arctic(f"lmdb://{root}")
        self.long = arctic.get_library("long", create_if_missing=True)
        self.wide = arctic.get_library("wide", create_if_missing=True)
        self._columns: dict[str, list[str]] = {}

    # -- writes --------------------------------------------------------------------------

    def write_long(self, frame: pd.DataFrame) -> None:
        self.long.write(LONG, frame)

    def write_wide(self, frames: dict[str, pd.DataFrame]) -> None:
        for field, frame in frames.items():
            self.wide.write(field, frame)

    def append_long(self, frame: pd.DataFrame) -> None:
        self.long.append(LONG, frame)

    def append_wide(self, frames: dict[str, pd.DataFrame]) -> None:
        for field, frame in frames.items():
            self.wide.append(field, frame)

    # -- reads ---------------------------------------------------------------------------

    def read_long(self, first: date | datetime, last: date | datetime, sids: Sequence[int] | None = None) -> pd.DataFrame:
        """Bars of ``sids`` (None: all) between two times, as stored (long frame)."""
        query = None
        if sids is not None:
            query = self._adb.QueryBuilder()
            query = query[query["sid"].isin(np.asarray(sids, dtype=np.int64))]
        return self.long.read(LONG, date_range=(_ts(first), _ts(last)), query_builder=query).data

    def read_wide(self, first: date | datetime, last: date | datetime, sids: Sequence[int] | None = None) -> dict[str, pd.DataFrame]:
        """Field → times × sids frames between two times (all columns when ``sids`` is None)."""
        columns = None if sids is None else [str(s) for s in sids]
        span = (_ts(first), _ts(last))
        return {field: self.wide.read(field, date_range=span, columns=columns).data for field in FIELDS}

    def value_long(self, sid: int, when: date | datetime, field: str) -> float:
        query = self._adb.QueryBuilder()
        query = query[query["sid"] == sid]
        found = self.long.read(LONG, date_range=(_ts(when), _ts(when)), columns=["sid", field], query_builder=query).data
        return float(found[field].iloc[0])

    def value_wide(self, sid: int, when: date | datetime, field: str) -> float:
        found = self.wide.read(field, date_range=(_ts(when), _ts(when)), columns=[str(sid)]).data
        return float(found.iloc[0, 0])

    def rollup_long(self, first: datetime, last: datetime) -> pd.DataFrame:
        """Daily bars per sid from the long minute symbol: ArcticDB's group-by has no
        first/last aggregation, so the frame is read and grouped by pandas."""
        bars = self.read_long(first, last)
        return bars.groupby([bars.index.normalize(), "sid"]).agg(ROLLUP)

    def rollup_wide(self, first: datetime, last: datetime) -> dict[str, pd.DataFrame]:
        """Daily bars from the wide minute symbols, resampled inside ArcticDB's read."""
        span = (_ts(first), _ts(last))
        out = {}
        for field, how in ROLLUP.items():
            if field not in self._columns:
                self._columns[field] = [c.name for c in self.wide.get_description(field).columns]
            query = self._adb.QueryBuilder().resample("1D").agg({name: how for name in self._columns[field]})
            out[field] = self.wide.read(field, date_range=span, query_builder=query).data
        return out
