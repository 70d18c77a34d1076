"""Bars from a ``BarReader`` as float64 arrays shaped (times, sids), the layout zipline consumes.

Decimal becomes float64 here and nowhere else. Missing bars follow zipline's bcolz readers:
prices are NaN, volume is 0; a stored price of 0 (what zipline writes for "no price") is NaN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone

import numpy as np
import polars as pl

from rustybt.domain.ports.bar_reader import BarReader

_NS = pl.Datetime("ns")


def empty_block(n_times: int, n_sids: int, field: str) -> np.ndarray:
    """An all-missing array for ``field``: zeros for volume, NaN for prices."""
    if field == "volume":
        return np.zeros((n_times, n_sids), dtype=np.float64)
    return np.full((n_times, n_sids), np.nan, dtype=np.float64)


def _ns_to_utc(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1e9, tz=timezone.utc)


def load_float_block(
    reader: BarReader,
    sids: Sequence[int],
    fields: Sequence[str],
    times_ns: np.ndarray,
    known_sids: frozenset[int],
) -> dict[str, np.ndarray]:
    """``fields`` of ``sids`` at each of ``times_ns`` (UTC int64 ns, ascending) as float64 arrays.

    Sids without any bar in the store give all-missing columns; times without a bar are
    missing; bars at times not in ``times_ns`` (e.g. outside the calendar) are left out.
    """
    requested = np.asarray(sids, dtype=np.int64)
    out = {f: empty_block(len(times_ns), len(requested), f) for f in fields}
    present = np.unique([s for s in requested.tolist() if s in known_sids]).astype(np.int64)
    if len(times_ns) == 0 or len(present) == 0 or not fields:
        return out
    start, end = _ns_to_utc(int(times_ns[0])), _ns_to_utc(int(times_ns[-1]))
    if reader.storage_kind == "daily":
        start, end = start.date(), end.date()  # type: ignore[assignment]
    block = _fast_block(reader, present, fields, start, end, times_ns)
    if block is None:
        block = _frame_block(reader, present, fields, start, end, times_ns)
    columns = np.searchsorted(present, requested)
    columns = np.where(columns < len(present), columns, 0)
    has = present[columns] == requested if len(present) else np.zeros(len(requested), bool)
    for field in fields:
        values = block[field]
        values = np.nan_to_num(values, nan=0.0) if field == "volume" else np.where(values == 0.0, np.nan, values)
        out[field][:, has] = values[:, columns[has]]
    return out


def _frame_block(
    reader: BarReader,
    sids: np.ndarray,
    fields: Sequence[str],
    start: object,
    end: object,
    times_ns: np.ndarray,
) -> dict[str, np.ndarray]:
    t = reader.time_column
    frame = (
        reader.load_raw_arrays(sids.tolist(), list(fields), start, end)  # type: ignore[arg-type]
        .select(
            pl.col(t).cast(_NS).dt.replace_time_zone(None).cast(pl.Int64).alias("__t"),
            pl.col("sid"),
            *[pl.col(f).cast(pl.Float64) for f in fields],
        )
        .collect()
    )
    return scatter(frame, "__t", sids, fields, times_ns)


def scatter(
    frame: pl.DataFrame, time_col: str, sids: np.ndarray, fields: Sequence[str], times_ns: np.ndarray
) -> dict[str, np.ndarray]:
    """Place the rows of a long (time, sid, fields...) frame into (times, sids) arrays."""
    out = {f: np.full((len(times_ns), len(sids)), np.nan) for f in fields}
    if frame.height == 0:
        return out
    t = frame.get_column(time_col).to_numpy()
    s = frame.get_column("sid").to_numpy()
    rows = np.searchsorted(times_ns, t)
    cols = np.searchsorted(sids, s)
    ok = (rows < len(times_ns)) & (cols < len(sids))
    ok[ok] &= (times_ns[rows[ok]] == t[ok]) & (sids[cols[ok]] == s[ok])
    rows, cols = rows[ok], cols[ok]
    for f in fields:
        out[f][rows, cols] = frame.get_column(f).to_numpy()[ok]
    return out


def _fast_block(
    reader: BarReader,
    sids: np.ndarray,
    fields: Sequence[str],
    start: object,
    end: object,
    times_ns: np.ndarray,
) -> dict[str, np.ndarray] | None:
    """Use the reader's ``load_float_arrays(sids, fields, start, end, times=...)`` when it has one.

    Its answer has ``arrays[field]`` shaped (times, sids); rows are aligned on ``times``
    (given as the wanted axis) and checked before use.
    """
    fast = getattr(reader, "load_float_arrays", None)
    if fast is None:
        return None
    unit = "datetime64[D]" if reader.storage_kind == "daily" else "datetime64[us]"
    axis = times_ns.astype("datetime64[ns]").astype(unit)
    answer = fast(sids.tolist(), list(fields), start, end, times=axis)
    arrays: Mapping[str, np.ndarray] = getattr(answer, "arrays", answer)
    stamps = np.asarray(getattr(answer, "times", axis)).astype("datetime64[ns]").astype(np.int64)
    if not np.array_equal(stamps, times_ns):
        return None
    return {f: np.asarray(arrays[f], dtype=np.float64) for f in fields}
