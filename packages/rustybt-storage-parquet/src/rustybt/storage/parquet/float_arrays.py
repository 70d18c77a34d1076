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


def decimal_to_float(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A decimal128 column (any scale from 0 to 8) as float64, from its unscaled 128-bit
    integers: one correctly rounded division, so a value stored narrow (``DECIMAL(p, 2)``)
    gives the same double as the same value at scale 8."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
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


@dataclass
class Piece:
    """The wanted rows of one table: their columns, their times as runs, their positions."""

    table: pa.Table
    keep: np.ndarray | None  # None: every row
    cols: np.ndarray
    stamps: np.ndarray  # distinct times of the kept rows, ascending
    counts: np.ndarray  # rows per distinct time


def piece_of(table: pa.Table, t: str, wanted: np.ndarray, lo: int, hi: int) -> Piece:
    """The rows of ``table`` with a wanted sid and a time in [lo, hi], in time order."""
    stamps = time_ints(table.column(t))
    cols = _sid_columns(wanted, int_column(table.column("sid")))
    keep = (cols >= 0) & (stamps >= lo) & (stamps <= hi)
    if keep.all():
        mask = None
    else:
        mask, stamps, cols = keep, stamps[keep], cols[keep]
    if len(stamps) > 1 and bool((stamps[1:] < stamps[:-1]).any()):
        order = np.argsort(stamps, kind="stable")
        table = table.filter(pa.array(mask)) if mask is not None else table
        table, mask, stamps, cols = table.take(pa.array(order)), None, stamps[order], cols[order]
    starts = np.flatnonzero(np.r_[True, stamps[1:] != stamps[:-1]]) if len(stamps) else np.empty(0, np.int64)
    counts = np.diff(np.r_[starts, len(stamps)])
    return Piece(table, mask, cols, stamps[starts], counts)


def _time_axis(pieces: Sequence[Piece], times: Sequence[TimeLike] | np.ndarray | None, kind: str) -> np.ndarray:
    if times is not None:
        unit = "D" if kind == "daily" else "us"
        if isinstance(times, np.ndarray):
            values = times.astype(f"datetime64[{unit}]")
        else:
            values = np.asarray([to_utc(x).date() if kind == "daily" else to_utc(x).replace(tzinfo=None) for x in times], dtype=f"datetime64[{unit}]")
        return values.astype(np.int64)
    if not pieces:
        return np.empty(0, dtype=np.int64)
    return np.unique(np.concatenate([p.stamps for p in pieces]))


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
    """Scatter the rows of ``tables`` into (times, sids) float64 arrays.

    Without ``times`` the axis is every time of the wanted rows. A table whose rows form a
    (times × sids) block in (time, sid) order, as a partition of assets that all traded every
    session does, is converted straight into the output; other rows land by index arithmetic.
    """
    wanted = np.asarray(sids, dtype=np.int64)
    pieces = [piece_of(table, t, wanted, lo, hi) for table in tables if table.num_rows]
    axis = _time_axis(pieces, times, kind)
    return place_pieces(pieces, axis, wanted, fields, kind)


def place_pieces(pieces: Iterable[Piece], axis: np.ndarray, wanted: np.ndarray, fields: Sequence[str], kind: str) -> FloatBars:
    """Fill (len(axis), len(wanted)) float64 arrays from ``pieces`` as they arrive.

    ``axis`` holds physical times (int64 days or microseconds), ascending.
    """
    bars = empty_bars(axis, wanted, fields, kind)
    for piece in pieces:
        place(piece, bars)
    return bars


def empty_bars(axis: np.ndarray, wanted: np.ndarray, fields: Sequence[str], kind: str) -> FloatBars:
    """All-NaN arrays shaped (len(axis), len(wanted)) for ``fields``."""
    unit = "D" if kind == "daily" else "us"
    arrays = {name: np.full((len(axis), len(wanted)), np.nan) for name in dict.fromkeys(fields)}
    return FloatBars(axis.astype(f"datetime64[{unit}]"), wanted, arrays)


def place(piece: Piece, bars: FloatBars) -> None:
    """Write ``piece`` into its cells of ``bars``; pieces of different times touch disjoint
    rows, so several threads may place pieces of different files at once."""
    axis = bars.times.astype(np.int64)
    if len(piece.stamps) and len(axis):
        _place(piece, axis, bars.arrays)


def time_axis(times: Sequence[TimeLike] | np.ndarray, kind: str) -> np.ndarray:
    """``times`` as physical int64 values (days for daily bars, microseconds for minute bars)."""
    return _time_axis([], times, kind)


def _place(piece: Piece, axis: np.ndarray, out: dict[str, np.ndarray]) -> None:
    at = np.minimum(np.searchsorted(axis, piece.stamps), len(axis) - 1)
    found = axis[at] == piece.stamps
    k, n = len(piece.stamps), len(piece.cols)
    width = n // k
    block = (
        bool(found.all())
        and width * k == n
        and at[-1] - at[0] == k - 1
        and bool((piece.cols.reshape(k, width) == piece.cols[:width]).all())
    )
    if block:
        first, cols = int(at[0]), piece.cols[:width]
        if piece.keep is None and cols[-1] - cols[0] == width - 1 and bool((np.diff(cols) == 1).all()):
            for name, target in out.items():  # converted straight into the output, one pass
                view = target[first : first + k, cols[0] : cols[0] + width]
                column = piece.table.column(name)
                if column.num_chunks == 1:
                    _chunk_to_float(column.chunk(0), view)
                else:
                    view[:] = decimal_to_float(column).reshape(k, width)
            return
        for name, target in out.items():
            target[first : first + k, cols] = _values(piece, name).reshape(k, width)
        return
    rows = np.repeat(np.where(found, at, -1), piece.counts)
    ok = rows >= 0
    for name, target in out.items():
        target[rows[ok], piece.cols[ok]] = _values(piece, name)[ok]


def _values(piece: Piece, name: str) -> np.ndarray:
    values = decimal_to_float(piece.table.column(name))
    return values if piece.keep is None else values[piece.keep]
