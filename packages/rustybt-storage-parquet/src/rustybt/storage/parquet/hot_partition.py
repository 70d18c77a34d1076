"""The partition file point lookups read last, kept decoded while the file is unchanged.

An engine asks ``get_value`` for many sids at the same time, one after the other; they all
fall in one partition, which is read once (only the columns asked for so far) and searched
by binary search on its (time, sid) order.
"""

from __future__ import annotations

import os
import threading
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from rustybt.domain.errors import CorruptDataError
from rustybt.storage.parquet.file_format import read_partition
from rustybt.storage.parquet.file_index import Signature, in_time_sid_order, int_column, time_ints


class HotPartition:
    """One decoded partition: its times and sids as numpy arrays, and the fields read so far."""

    def __init__(self) -> None:
        self._key: tuple[Path, Signature] | None = None
        self._stamps = np.empty(0, dtype=np.int64)
        self._sids = np.empty(0, dtype=np.int64)
        self._fields: dict[str, pl.Series] = {}
        self._order: np.ndarray | None = None  # set when the file is not in (time, sid) order
        self._lock = threading.Lock()

    def value(self, path: Path, t: str, stamp: int, sid: int, field: str) -> tuple[bool, Decimal | None]:
        """Whether ``sid`` has any bar in ``path``, and ``field`` of its row at ``stamp``
        (``None`` when there is no such row)."""
        stat = os.stat(path)
        key = (path, (stat.st_ino, stat.st_size, stat.st_mtime_ns))
        with self._lock:
            if key != self._key:
                table = read_partition(path, [t, "sid", field])
                self._key = key
                self._stamps = time_ints(table.column(t))
                self._sids = int_column(table.column("sid"))
                self._order = None
                if not in_time_sid_order(self._stamps, self._sids):
                    self._order = np.lexsort((self._sids, self._stamps))
                    self._stamps, self._sids = self._stamps[self._order], self._sids[self._order]
                self._fields = {}
                self._add(field, table.column(field))
            elif field not in self._fields:
                self._add(field, read_partition(path, [field]).column(field))
            row = self._find(stamp, sid)
            if row is not None:
                return True, self._fields[field][row]
            return bool((self._sids == sid).any()), None

    def _add(self, field: str, column: pa.ChunkedArray) -> None:
        series = pl.Series(field, column)
        if series.len() != len(self._stamps):
            raise CorruptDataError(f"damaged partition file {self._key[0] if self._key else '?'}: column {field!r} has {series.len()} rows, expected {len(self._stamps)}")
        self._fields[field] = series if self._order is None else series.gather(self._order)

    def _find(self, stamp: int, sid: int) -> int | None:
        lo = int(np.searchsorted(self._stamps, stamp, side="left"))
        hi = int(np.searchsorted(self._stamps, stamp, side="right"))
        if lo == hi:
            return None
        at = lo + int(np.searchsorted(self._sids[lo:hi], sid))
        return at if at < hi and int(self._sids[at]) == sid else None

