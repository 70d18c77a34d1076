"""Minute bars of one UTC day → one daily bar per sid, on the stored integers.

A minute partition file holds one UTC day in (time, sid) order, with each decimal column in
its own narrow type. Aggregating its unscaled integers with numpy (first open, highest high,
lowest low, last close, summed volume) and widening only the result to the canonical
decimals is exact and costs a fraction of reading the file. When every sid has a bar every
minute the rows are a (minutes × sids) block and each aggregate is a reduction along one
axis; otherwise each row's sid is ranked by a lookup table and the aggregates are scattered
into per-sid slots (``ufunc.at``), with no sort. Anything this path cannot do
exactly in int64 (a wide volume column, a sum that could overflow, a file spanning two days)
falls back to the general polars aggregation.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl
import pyarrow as pa

from rustybt.domain.schemas import DAILY_BARS_SCHEMA, PRICE_FIELDS
from rustybt.storage.parquet.file_index import int_column, time_ints
from rustybt.storage.parquet.narrow_decimals import CANONICAL_SCALE, from_unscaled, unscaled_int64

US_PER_DAY = 86_400_000_000
INT64_MAX = np.iinfo(np.int64).max
_PRICE = pa.decimal128(18, 8)
_VOLUME = pa.decimal128(38, 8)


def rollup_day(table: pa.Table, fallback: Callable[[pa.Table], pl.DataFrame]) -> pl.DataFrame:
    """The daily bars (``DAILY_BARS_SCHEMA``, sorted by sid) of ``table``: minute bars of one
    UTC day in (time, sid) order, decimals in any scale ≤ 8. ``fallback`` handles tables
    this integer path cannot aggregate exactly."""
    if table.num_rows == 0:
        return pl.DataFrame(schema=DAILY_BARS_SCHEMA)
    stamps = time_ints(table.column("timestamp"))
    day = int(stamps.min()) // US_PER_DAY
    if int(stamps.max()) // US_PER_DAY != day:
        return fallback(table)
    values = {name: unscaled_int64(table.column(name)) for name in (*PRICE_FIELDS, "volume")}
    if any(v is None for v in values.values()):
        return fallback(table)
    ids = int_column(table.column("sid"))
    groups = _groups(ids, stamps)
    if groups is None:
        return fallback(table)
    sids, reduce = groups
    volume = values["volume"]
    assert volume is not None
    factor = 10 ** (CANONICAL_SCALE - table.schema.field("volume").type.scale)
    if len(volume) and int(np.abs(volume).max()) * len(volume) >= INT64_MAX // factor:
        return fallback(table)  # the exact sum might not fit in int64
    out: dict[str, pa.Array] = {
        "date": pa.array(np.full(len(sids), day, dtype=np.int32), pa.date32()),
        "sid": pa.array(sids),
    }
    for name, how in (("open", "first"), ("high", "max"), ("low", "min"), ("close", "last"), ("volume", "sum")):
        column = values[name]
        assert column is not None
        scale = table.schema.field(name).type.scale
        out[name] = from_unscaled(reduce(column, how) * 10 ** (CANONICAL_SCALE - scale), _VOLUME if name == "volume" else _PRICE)
    frame = pl.from_arrow(pa.table(out))
    assert isinstance(frame, pl.DataFrame)
    return frame


Reducer = Callable[[np.ndarray, str], np.ndarray]


def _groups(ids: np.ndarray, stamps: np.ndarray) -> tuple[np.ndarray, Reducer] | None:
    """The sids (ascending) and a function reducing a column per sid; ``None`` when the rows
    are not in time order."""
    n = len(ids)
    if bool((stamps[1:] < stamps[:-1]).any()):
        return None
    first_time = int(np.searchsorted(stamps, stamps[0], side="right"))
    if n % first_time == 0 and bool((np.diff(ids[:first_time]) > 0).all()) and np.array_equal(ids.reshape(-1, first_time), np.broadcast_to(ids[:first_time], (n // first_time, first_time))):
        width = first_time  # every sid at every minute: a (minutes × sids) block

        def block(column: np.ndarray, how: str) -> np.ndarray:
            grid = column.reshape(-1, width)
            return _reduce_axis(grid, how)

        return ids[:first_time].copy(), block
    found, rank = _ranks(ids)
    positions = np.arange(n, dtype=np.int64)
    first = np.full(len(found), n, dtype=np.int64)
    np.minimum.at(first, rank, positions)  # rows ascend in time: a sid's first row is its first bar
    last = np.full(len(found), -1, dtype=np.int64)
    np.maximum.at(last, rank, positions)

    def scatter(column: np.ndarray, how: str) -> np.ndarray:
        if how == "first":
            return column[first]
        if how == "last":
            return column[last]
        values = np.ascontiguousarray(column)
        if how == "sum":
            total = np.zeros(len(found), dtype=np.int64)
            np.add.at(total, rank, values)
            return total
        bound = np.iinfo(np.int64)
        result = np.full(len(found), bound.min if how == "max" else bound.max, dtype=np.int64)
        (np.maximum if how == "max" else np.minimum).at(result, rank, values)
        return result

    return found, scatter


def _ranks(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct sids (ascending) and each row's position among them; by a presence table
    when the sids span a small range, by sorting otherwise."""
    low, high = int(ids.min()), int(ids.max())
    if high - low <= 4 * len(ids) + 1024:
        present = np.zeros(high - low + 1, dtype=bool)
        offsets = ids - low
        present[offsets] = True
        lookup = np.cumsum(present, dtype=np.int64) - 1
        return np.flatnonzero(present).astype(np.int64) + low, lookup[offsets]
    found, rank = np.unique(ids, return_inverse=True)
    return found, rank.astype(np.int64)


def _reduce_axis(grid: np.ndarray, how: str) -> np.ndarray:
    result: np.ndarray
    if how == "first":
        result = grid[0].copy()
    elif how == "last":
        result = grid[-1].copy()
    elif how == "max":
        result = grid.max(axis=0)
    elif how == "min":
        result = grid.min(axis=0)
    else:
        result = grid.sum(axis=0)
    return result
