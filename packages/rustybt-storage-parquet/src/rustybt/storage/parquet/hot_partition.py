"""The partition file point lookups read last, kept open while the file is unchanged.

An engine asks ``get_value`` for many sids at the same time, one after the other; they all
fall in the same row groups of one partition, which are read once (only the columns asked
for so far) and searched by binary search on their (time, sid) order. The file's footer is
kept too, so the next time of the same file reads only the row groups that hold it.
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
from rustybt.storage.parquet.file_index import Signature, in_time_sid_order, int_column, time_ints
from rustybt.storage.parquet.point_read import PointFile


class HotPartition:
    """One open partition file and the decoded rows of its row groups read last."""

    def __init__(self) -> None:
        self._key: tuple[Path, Signature] | None = None
        self._file: PointFile | None = None
        self._groups: tuple[int, ...] | None = None
        self._stamps = np.empty(0, dtype=np.int64)
        self._sids = np.empty(0, dtype=np.int64)
        self._fields: dict[str, pl.Series] = {}
        self._order: np.ndarray | None = None  # set when the rows are not in (time, sid) order
        self._lock = threading.Lock()

    def value(self, path: Path, t: str, stamp: int, sid: int, field: str) -> tuple[bool, Decimal | None]:
        """Whether ``sid`` has a bar at ``stamp`` in ``path`` (``False`` also when the file
        has no row at that time at all), and ``field`` of that bar."""
        stat = os.stat(path)
        key = (path, (stat.st_ino, stat.st_size, stat.st_mtime_ns))
        with self._lock:
            if key != self._key or self._file is None:
                self._file, self._key, self._groups = PointFile(path, t), key, None
            groups = self._file.groups_for(stamp)
            if groups != self._groups:
                table = self._file.read(groups, [t, "sid", field])
                self._groups = groups
                self._stamps = time_ints(table.column(t))
                self._sids = int_column(table.column("sid"))
                self._order = None
                if not in_time_sid_order(self._stamps, self._sids):
                    self._order = np.lexsort((self._sids, self._stamps))
                    self._stamps, self._sids = self._stamps[self._order], self._sids[self._order]
                self._fields = {}
                self._add(field, table.column(field))
            elif field not in self._fields:
                self._add(field, self._file.read(groups, [field]).column(field))
            row = self._find(stamp, sid)
            if row is not None:
                return True, self._fields[field][row]
            return False, None

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
