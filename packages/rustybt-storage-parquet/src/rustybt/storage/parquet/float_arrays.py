"""Decimal bars to dense float64 arrays shaped (times, sids), for engines that compute in floats.

The conversion reads the unscaled integers straight out of the Arrow decimal buffers and
divides by 10**8 once (one correctly rounded division for values below 2**53 units); the rows
land in their cells by index arithmetic (``searchsorted`` on times and sids), never a pivot.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from rustybt.domain.instants import TimeLike, to_utc
from rustybt.storage.parquet.file_index import int_column, time_ints

SCALE = 10.0**8
TWO_64 = 2.0**64


@dataclass(frozen=True)
class FloatBars:
    """``arrays[field]`` is float64 shaped (len(times), len(sids)); NaN where no bar exists.

    ``times`` are ``datetime64[D]`` for daily bars and ``datetime64[us]`` (UTC) for minute bars.
    """

    times: np.ndarray
    sids: np.ndarray
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]


def decimal_to_float(column: pa.ChunkedArray | pa.Array, out: np.ndarray | None = None) -> np.ndarray:
    """A decimal128 column (any scale from 0 to 8) as float64, from its unscaled 128-bit
    integers: one correctly rounded division, so a value stored narrow (``DECIMAL(p, 2)``)
    gives the same double as the same value at scale 8. Written into ``out`` (a 1-D float64
    view of the column's length) when given."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    if out is None:
        out = np.empty(sum(len(c) for c in chunks), dtype=np.float64)
    at = 0
    for chunk in chunks:
        _chunk_to_float(chunk, out[at : at + len(chunk)])
        at += len(chunk)
    return out


def _chunk_to_float(chunk: pa.Array, out: np.ndarray) -> None:
    """Write ``chunk``'s values into ``out`` (any float64 view of the same size and shape)."""
    if not pa.types.is_decimal128(chunk.type) or not 0 <= chunk.type.scale <= 8:
        raise TypeError(f"expected a decimal128 column with a scale of 0 to 8, got {chunk.type}")
    scale = 10.0**chunk.type.scale
    words = np.frombuffer(chunk.buffers()[1], dtype=np.int64).reshape(-1, 2)
    words = words[chunk.offset : chunk.offset + len(chunk)]
    low = words[:, 0].reshape(out.shape)
    if chunk.type.precision <= 18:  # |value| < 10**18 units: the high word is the sign
        np.divide(low, scale, out=out)
        return
    high = words[:, 1].reshape(out.shape)
    if np.array_equal(high, low >> 63):
        np.divide(low, scale, out=out)
        return
    np.divide(high.astype(np.float64) * TWO_64 + low.view(np.uint64).astype(np.float64), scale, out=out)


def _sid_columns(wanted: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Column of each of ``ids`` in ``wanted`` (-1 when not wanted), by a lookup table when
    the sids are small integers and by binary search otherwise."""
    if len(wanted) and wanted.min() >= 0 and wanted.max() < 1 << 24:
        lookup = np.full(int(wanted.max()) + 2, -1, dtype=np.int64)
        lookup[wanted] = np.arange(len(wanted))
        found: np.ndarray = lookup[np.clip(ids, -1, len(lookup) - 1)]  # -1 and beyond max map to -1
        return found
    order = np.argsort(wanted, kind="stable")
    ranked = wanted[order]
    pos = np.minimum(np.searchsorted(ranked, ids), len(ranked) - 1)
    return np.where(ranked[pos] == ids, order[pos], -1)


def axis_rows(stamps: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """Row of each of ``stamps`` on ``axis`` (ascending physical times), -1 when not on it."""
    if not len(axis):
        return np.full(len(stamps), -1, dtype=np.int64)
    low = int(axis[0])
    step = int(np.gcd.reduce(np.diff(axis))) if len(axis) > 1 else 1
    span = (int(axis[-1]) - low) // max(step, 1) + 1
    if step > 0 and span <= 4 * len(axis) + 4096:
        lookup = np.full(span + 1, -1, dtype=np.int64)
        lookup[(axis - low) // step] = np.arange(len(axis))
        offsets = stamps - low
        on_grid = (offsets >= 0) & (offsets % step == 0) & (offsets // step < span)
        found: np.ndarray = lookup[np.where(on_grid, offsets // step, span)]
        return found
    at = np.minimum(np.searchsorted(axis, stamps), len(axis) - 1)
    return np.where(axis[at] == stamps, at, -1)


def place_table(table: pa.Table, t: str, bars: FloatBars) -> None:
    """Write the rows of ``table`` (any order; decimals in any scale) into their cells of
    ``bars``; rows whose time is not on the axis or whose sid is not wanted are left out.
    Tables of different (time, sid) cells may be placed from several threads at once."""
    if not table.num_rows:
        return
    axis = bars.times.astype(np.int64)
    rows = axis_rows(time_ints(table.column(t)), axis)
    cols = _sid_columns(bars.sids, int_column(table.column("sid")))
    width = len(bars.sids)
    ok = (rows >= 0) & (cols >= 0)
    every = bool(ok.all())
    flat = rows * width + cols
    if every and int(flat[-1]) - int(flat[0]) == len(flat) - 1 and bool((np.diff(flat) > 0).all()):
        start = int(flat[0])  # the rows fill a run of cells in order: convert straight into it
        for name, target in bars.arrays.items():
            decimal_to_float(table.column(name), target.reshape(-1)[start : start + len(flat)])
        return
    if not every:
        flat = flat[ok]
    for name, target in bars.arrays.items():
        values = decimal_to_float(table.column(name))
        target.reshape(-1)[flat] = values if every else values[ok]


def scatter_floats(
    tables: Iterable[pa.Table],
    t: str,
    sids: Sequence[int],
    fields: Sequence[str],
    lo: int,
    hi: int,
    times: Sequence[TimeLike] | np.ndarray | None,
    kind: str,
) -> FloatBars:
    """Scatter the rows of ``tables`` with a time in [lo, hi] into (times, sids) float64
    arrays; without ``times`` the axis is every time of the wanted rows."""
    wanted = np.asarray(sids, dtype=np.int64)
    chosen: list[pa.Table] = []
    for table in tables:
        stamps = time_ints(table.column(t))
        keep = (stamps >= lo) & (stamps <= hi) & (_sid_columns(wanted, int_column(table.column("sid"))) >= 0)
        chosen.append(table.filter(pa.array(keep)))
    if times is not None:
        axis = time_axis(times, kind)
    else:
        every = [time_ints(table.column(t)) for table in chosen]
        axis = np.unique(np.concatenate(every)) if every else np.empty(0, dtype=np.int64)
    bars = empty_bars(axis, wanted, fields, kind)
    for table in chosen:
        place_table(table, t, bars)
    return bars


def empty_bars(axis: np.ndarray, wanted: np.ndarray, fields: Sequence[str], kind: str) -> FloatBars:
    """All-NaN arrays shaped (len(axis), len(wanted)) for ``fields``."""
    unit = "D" if kind == "daily" else "us"
    arrays = {name: np.full((len(axis), len(wanted)), np.nan) for name in dict.fromkeys(fields)}
    return FloatBars(axis.astype(f"datetime64[{unit}]"), wanted, arrays)


def time_axis(times: Sequence[TimeLike] | np.ndarray, kind: str) -> np.ndarray:
    """``times`` as physical int64 values (days for daily bars, microseconds for minute bars)."""
    unit = "D" if kind == "daily" else "us"
    if isinstance(times, np.ndarray):
        values = times.astype(f"datetime64[{unit}]")
    else:
        values = np.asarray([to_utc(x).date() if kind == "daily" else to_utc(x).replace(tzinfo=None) for x in times], dtype=f"datetime64[{unit}]")
    return values.astype(np.int64)
