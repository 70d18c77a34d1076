"""Rows of a partition's files as one table in (time, sid) order, decimals canonical.

A partition with several price classes has several files, each in (time, sid) order, whose
rows interleave. A stable sort of one composite integer key per row merges the files' sorted
runs in linear time; its inverse gives each row's place in the result, and every column is
scattered there straight from the buffers the files were decoded into: 16-byte decimals as
one 16-byte item each (viewed as ``complex128``), times and sids as plain integers.

The decimals of a file come decoded as 128-bit integers at the file's scale (``s`` ≤ 8). They
are brought to the canonical scale 8 in place, in the buffers the read allocated and nobody
else holds: the low word times ``10**(8 - s)``, exact and inside int64 whenever the column's
precision ``p`` satisfies ``p + 8 - s ≤ 18`` (the writer's narrow types always do), with the
high word (the sign) unchanged. A partition of one file in (time, sid) order needs nothing
else: its table is returned over the same buffers. Columns outside these bounds (files of other
writers) take the exact slow way (``to_canonical`` and a gather).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from rustybt.storage.parquet.file_format import COLUMN_TYPES, DECIMAL_FIELDS, to_canonical
from rustybt.storage.parquet.file_index import in_time_sid_order, int_column, time_ints
from rustybt.storage.parquet.narrow_decimals import CANONICAL_SCALE, MAX_NARROW_PRECISION
from rustybt.storage.parquet.pooled_arrays import joined, pooled

KEY_LIMIT = 1 << 62  # composite (time, sid) keys above this come from ranks instead


def ranks(values: np.ndarray, distinct: np.ndarray) -> np.ndarray:
    """Position of each of ``values`` in ``distinct`` (ascending, holding every value)."""
    return np.searchsorted(distinct, values).astype(np.int64, copy=False)


def merge_order(stamps: np.ndarray, sids: np.ndarray) -> np.ndarray:
    """The rows in (time, sid) order: indexes into ``stamps``/``sids``. A composite integer
    key (time offset × sid span + sid offset, from the rows' own bounds) is sorted stably,
    which merges the already sorted runs of the files in linear time; ranks among the
    distinct values replace the offsets when that key could overflow."""
    if not len(stamps):
        return np.empty(0, dtype=np.int64)
    t0, t1, s0, s1 = int(stamps.min()), int(stamps.max()), int(sids.min()), int(sids.max())
    span = s1 - s0 + 1
    if (t1 - t0 + 1) * span < KEY_LIMIT:
        key = np.subtract(stamps, t0, out=pooled(len(stamps), np.int64))
        key *= span
        key += sids
        key -= s0
    else:
        ids = np.unique(sids)
        key = ranks(stamps, np.unique(stamps))
        key *= len(ids)
        key += ranks(sids, ids)
    return np.argsort(key, kind="stable")


def time_sid_table(tables: Sequence[pa.Table], t: str, *, ordered: bool = False, owned: bool = False) -> pa.Table:
    """``tables`` (same columns, decimals in any scale, distinct (time, sid) keys) as one
    table in (time, sid) order with canonical decimals, ordered by the rows' own times and
    sids (never by a cached summary, which a concurrent write may have outdated). ``ordered``: each table
    is known to be in (time, sid) order already (files whose layout promises it), so one
    table is not checked. ``owned``: the tables were read for this call alone, and their
    decimal buffers may be rescaled in place (the fast paths); otherwise they are left as
    they are and the exact slow way is taken."""
    tables = [x for x in tables if x.num_rows] or list(tables[:1])
    plans = [_rescaling(x) for x in tables] if owned else [None]
    if any(plan is None for plan in plans):
        return _exact(tables, t)
    for plan in plans:
        for words, factor in plan or ():
            words[:, 0] *= factor
    stamps = [time_ints(x.column(t)) for x in tables]
    sids = [int_column(x.column("sid")) for x in tables]
    if len(tables) == 1 and (ordered or in_time_sid_order(stamps[0], sids[0])):
        return _relabelled(tables[0])
    n = sum(x.num_rows for x in tables)
    all_stamps, all_sids = (stamps[0], sids[0]) if len(tables) == 1 else (joined(stamps), joined(sids))
    order = merge_order(all_stamps, all_sids)
    places = pooled(n, np.int64)
    places[order] = np.arange(n, dtype=np.int64)
    starts = np.cumsum([0, *(x.num_rows for x in tables)])
    columns = [_scattered(tables, name, places, starts) for name in tables[0].column_names]
    fields = [pa.field(name, column.type, nullable=False) for name, column in zip(tables[0].column_names, columns, strict=True)]
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def _target(name: str) -> pa.DataType | None:
    return COLUMN_TYPES.get(name) if name in DECIMAL_FIELDS else None


def _rescaling(table: pa.Table) -> list[tuple[np.ndarray, int]] | None:
    """What brings every decimal column of ``table`` to scale 8 in its own buffers: the
    (low, high) words of each chunk and the factor of its low words; ``None`` when a column
    is outside the bounds of the module docstring or a buffer is not writable."""
    plans: list[tuple[np.ndarray, int]] = []
    for name in table.column_names:
        target = _target(name)
        if target is None:
            if name not in COLUMN_TYPES:
                return None
            continue
        for chunk in table.column(name).chunks:
            kind = chunk.type
            if not pa.types.is_decimal128(kind) or chunk.null_count or kind.scale > CANONICAL_SCALE or kind.precision - kind.scale > target.precision - CANONICAL_SCALE:
                return None
            if kind.scale == CANONICAL_SCALE:
                continue
            if kind.precision + CANONICAL_SCALE - kind.scale > MAX_NARROW_PRECISION or not chunk.buffers()[1].is_mutable:
                return None
            plans.append((_words(chunk), 10 ** (CANONICAL_SCALE - kind.scale)))
    return plans


def _words(chunk: pa.Array) -> np.ndarray:
    """The 16-byte values of a decimal128 chunk as (low, high) int64 pairs (a writable view)."""
    return np.frombuffer(chunk.buffers()[1], dtype=np.int64).reshape(-1, 2)[chunk.offset : chunk.offset + len(chunk)]


def _relabelled(table: pa.Table) -> pa.Table:
    """``table`` after its ``_rescaling``: the decimal columns given their canonical
    types over the same buffers."""
    columns: list[pa.ChunkedArray] = []
    fields: list[pa.Field] = []
    for name in table.column_names:
        column = table.column(name)
        target = _target(name)
        if target is not None and column.type != target:
            column = pa.chunked_array([pa.Array.from_buffers(target, len(c), [None, c.buffers()[1]], offset=c.offset) for c in column.chunks], type=target)
        columns.append(column)
        fields.append(pa.field(name, column.type, nullable=False))
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def _scattered(tables: Sequence[pa.Table], name: str, places: np.ndarray, starts: np.ndarray) -> pa.Array:
    """Column ``name`` of ``tables`` (concatenated, rows ``starts[i]:starts[i + 1]`` from
    table ``i``) with row ``r`` moved to ``places[r]``."""
    target = _target(name) or tables[0].schema.field(name).type
    item = np.dtype(np.complex128 if _target(name) is not None else np.int32 if pa.types.is_date32(target) else np.int64)
    n = len(places)
    buffer = pa.allocate_buffer(n * item.itemsize)
    out = np.frombuffer(buffer, dtype=item)
    for i, table in enumerate(tables):
        at = int(starts[i])
        for chunk in table.column(name).chunks:
            values = np.frombuffer(chunk.buffers()[1], dtype=item)[chunk.offset : chunk.offset + len(chunk)]
            out[places[at : at + len(chunk)]] = values
            at += len(chunk)
    return pa.Array.from_buffers(target, n, [None, buffer])


def _exact(tables: Sequence[pa.Table], t: str) -> pa.Table:
    """The slow exact way, for columns this module's fast path does not cover."""
    whole = pa.concat_tables([to_canonical(x) for x in tables])
    stamps, sids = time_ints(whole.column(t)), int_column(whole.column("sid"))
    if in_time_sid_order(stamps, sids):
        return whole
    order = np.lexsort((sids, stamps))
    return whole.take(pa.array(order))
