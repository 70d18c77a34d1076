"""The generator behind the readers' LazyFrames: one frame per partition, in partition order."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from rustybt.storage.parquet.file_format import in_writer_order, read_partition_meta
from rustybt.storage.parquet.file_index import FileIndex, int_column, time_ints
from rustybt.storage.parquet.partition_members import current_summaries
from rustybt.storage.parquet.point_read import PointFile
from rustybt.storage.parquet.time_order import time_sid_table

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MapAhead = Callable[[Sequence[Path], Callable[[Path], pl.DataFrame]], Iterator[pl.DataFrame]]


def physical(moment: date | datetime) -> int:
    """Days (a date) or microseconds (an aware datetime) since the Unix epoch."""
    if isinstance(moment, datetime):
        delta = moment - EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return (moment - EPOCH.date()).days


class SidSet:
    """Membership in a set of sids: a lookup table when the sids are small integers, a
    sorted search otherwise."""

    def __init__(self, wanted: np.ndarray) -> None:
        self.wanted = wanted  # ascending, distinct
        self._table: np.ndarray | None = None
        if len(wanted) and wanted[0] >= 0 and wanted[-1] < 1 << 24:
            self._table = np.zeros(int(wanted[-1]) + 2, dtype=bool)
            self._table[wanted] = True

    def mask(self, ids: np.ndarray) -> np.ndarray:
        """True for each of ``ids`` in the set."""
        if self._table is None:
            return np.isin(ids, self.wanted)
        found: np.ndarray = self._table[np.clip(ids, -1, len(self._table) - 1)]  # -1 and beyond the last map to False
        return found


class PartitionScan:
    """A polars IO source over the partitions (``data.parquet`` files) of one query.

    Each partition's files are read, filtered to the query's sids and [lo, hi] and to their
    current rows (``partition_members``), put in (time, sid) order with canonical decimals
    (``time_order``) and, when ``fn`` is given, transformed, in a reader thread
    (``map_ahead``); ``table_fn`` instead receives the rows of each file as an Arrow table in
    the file's own decimal types and row order, and its frames are put in (time, sid) order.
    Frames come out in partition order; filters run only on files holding rows outside the
    query.
    """

    def __init__(
        self,
        map_ahead: MapAhead,
        index: FileIndex,
        time_name: str,
        files: list[Path],
        columns: list[str],
        sids: list[int],
        bounds: tuple[date | datetime, date | datetime],
        fn: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
        table_fn: Callable[[pa.Table], pl.DataFrame] | None = None,
    ) -> None:
        self.map_ahead, self.index, self.t, self.files, self.columns = map_ahead, index, time_name, files, columns
        self.sids, self.lo, self.hi, self.fn, self.table_fn = sids, bounds[0], bounds[1], fn, table_fn
        self.wanted = np.asarray(sorted(set(sids)), dtype=np.int64)
        self.members = SidSet(self.wanted)

    def __call__(self, with_columns: list[str] | None, predicate: pl.Expr | None, n_rows: int | None, batch_size: int | None) -> Iterator[pl.DataFrame]:
        left = n_rows
        for frame in self.map_ahead(self.files, self.frame):
            if predicate is not None:
                frame = frame.filter(predicate)
            if with_columns is not None:
                frame = frame.select(with_columns)
            if left is not None:
                frame = frame.head(left)
                left -= frame.height
            if frame.height:
                yield frame
            if left is not None and left <= 0:
                return

    def frame(self, head: Path) -> pl.DataFrame:
        """The requested rows of one partition, in (time, sid) order, transformed by ``fn``.
        Rows are selected before the decimals are widened to the storage types."""
        tables, ordered = self.tables(head)
        if self.table_fn is not None:
            frames = [self.table_fn(table) for table in tables if table.num_rows] or [self.table_fn(tables[0])]
            if len(frames) == 1:
                return frames[0]
            merged = pl.concat(frames)
            return merged.sort(merged.columns[0], "sid")
        frame = pl.from_arrow(time_sid_table(tables, self.t, ordered=ordered, owned=True), rechunk=False)
        assert isinstance(frame, pl.DataFrame)
        return frame if self.fn is None else self.fn(frame)

    def tables(self, head: Path) -> tuple[list[pa.Table], bool]:
        """The requested current rows of each file of one partition as read (decimals in the
        file's own narrow types, the file's row order), and whether every file promises
        (time, sid) order. A file the query covers only in part is read by the row groups
        its range overlaps."""
        paths, summaries, superseded = current_summaries(self.index, head)
        lo, hi = physical(self.lo), physical(self.hi)
        tables: list[pa.Table] = []
        ordered = True
        for path, summary, gone in zip(paths, summaries, superseded, strict=True):
            keep: np.ndarray | None = None
            if lo <= summary.first and summary.last <= hi:
                table, metadata = read_partition_meta(path, self.columns, canonical=False)
                ordered = ordered and in_writer_order(metadata)
            else:
                part = PointFile(path, self.t)
                table = part.read(part.groups_between(lo, hi), self.columns, canonical=False)
                ordered = ordered and part.in_writer_order
                stamps = time_ints(table.column(self.t))
                keep = (stamps >= lo) & (stamps <= hi)
            if gone is not None or not bool(self.members.mask(summary.sids).all()):
                chosen = self.members if gone is None else SidSet(np.setdiff1d(self.wanted, gone, assume_unique=True))
                wanted = chosen.mask(int_column(table.column("sid")))
                keep = wanted if keep is None else keep & wanted
            if keep is not None and not bool(keep.all()):
                table = table.filter(pa.array(keep))
            tables.append(table)
        return tables, ordered
