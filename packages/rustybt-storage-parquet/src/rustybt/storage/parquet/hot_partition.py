"""The partition files point lookups read last, kept open while they are unchanged.

An engine asks ``get_value`` for many sids at the same time, one after the other; they fall
in a few row groups of a partition's files, which are read once (only the columns asked for
so far) and searched by binary search on their (time, sid) order. Each file's footer is kept
too, so another bar of the same file reads only the row groups that can hold it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from rustybt.domain.errors import CorruptDataError
from rustybt.storage.parquet.file_index import Signature, in_time_sid_order, int_column, time_ints
from rustybt.storage.parquet.point_read import PointFile


@dataclass
class _Decoded:
    """The rows of some row groups of one file, in (time, sid) order."""

    groups: tuple[int, ...]
    stamps: np.ndarray
    sids: np.ndarray
    order: np.ndarray | None  # set when the file's rows are not in (time, sid) order
    fields: dict[str, pl.Series] = field(default_factory=dict)


class HotPartition:
    """The open files of the partition read last, and the decoded row groups of each."""

    def __init__(self) -> None:
        self._files: dict[Path, tuple[Signature, PointFile, _Decoded | None]] = {}
        self._lock = threading.Lock()

    def value(self, paths: Sequence[Path], t: str, stamp: int, sid: int, field: str) -> tuple[bool, Decimal | None]:
        """Whether ``sid`` has a bar at ``stamp`` in the partition of ``paths`` (its files),
        and ``field`` of that bar (from the newest file that holds it)."""
        with self._lock:
            if set(self._files) != set(paths):
                self._files = {p: v for p, v in self._files.items() if p in paths}
            best: tuple[int, Decimal | None] | None = None
            for path in paths:
                stat = os.stat(path)
                signature = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
                cached = self._files.get(path)
                if cached is None or cached[0] != signature:
                    cached = (signature, PointFile(path, t), None)
                point, decoded = cached[1], cached[2]
                groups = point.groups_for(stamp, sid)
                if not groups:
                    self._files[path] = cached
                    continue
                if decoded is None or decoded.groups != groups:
                    decoded = _decode(point, groups, t, field)
                elif field not in decoded.fields:
                    _add(decoded, path, field, point.read(groups, [field]).column(field))
                self._files[path] = (signature, point, decoded)
                row = _find(decoded, stamp, sid)
                if row is not None and (best is None or point.generation > best[0]):
                    best = (point.generation, decoded.fields[field][row])
            if best is None:
                return False, None
            return True, best[1]


def _decode(point: PointFile, groups: tuple[int, ...], t: str, field: str) -> _Decoded:
    table = point.read(groups, [t, "sid", field])
    stamps, sids = time_ints(table.column(t)), int_column(table.column("sid"))
    order = None
    if not in_time_sid_order(stamps, sids):
        order = np.lexsort((sids, stamps))
        stamps, sids = stamps[order], sids[order]
    decoded = _Decoded(groups, stamps, sids, order)
    _add(decoded, point.path, field, table.column(field))
    return decoded


def _add(decoded: _Decoded, path: Path, field: str, column: pa.ChunkedArray) -> None:
    series = pl.Series(field, column)
    if series.len() != len(decoded.stamps):
        raise CorruptDataError(f"damaged partition file {path}: column {field!r} has {series.len()} rows, expected {len(decoded.stamps)}", path=str(path))
    decoded.fields[field] = series if decoded.order is None else series.gather(decoded.order)


def _find(decoded: _Decoded, stamp: int, sid: int) -> int | None:
    lo = int(np.searchsorted(decoded.stamps, stamp, side="left"))
    hi = int(np.searchsorted(decoded.stamps, stamp, side="right"))
    if lo == hi:
        return None
    at = lo + int(np.searchsorted(decoded.sids[lo:hi], sid))
    return at if at < hi and int(decoded.sids[at]) == sid else None
