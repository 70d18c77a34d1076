"""The generator behind the readers' LazyFrames: one frame per partition file, in file order."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from rustybt.storage.parquet.file_format import read_partition, to_canonical
from rustybt.storage.parquet.file_index import FileIndex, int_column, time_ints

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MapAhead = Callable[[Sequence[Path], Callable[[Path], pl.DataFrame]], Iterator[pl.DataFrame]]


def physical(moment: date | datetime) -> int:
    """Days (a date) or microseconds (an aware datetime) since the Unix epoch."""
    if isinstance(moment, datetime):
        delta = moment - EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return (moment - EPOCH.date()).days


class PartitionScan:
    """A polars IO source over partition files of one query.

    Each file is read, filtered to the query's sids and [lo, hi], its decimals widened to the
    storage types and, when ``fn`` is given, transformed, in a reader thread (``map_ahead``);
    ``table_fn`` instead receives the rows as an Arrow table in the file's own decimal types.
    Frames come out in file order. Files are
    stored in (time, sid) order, so they need no sort (a file that is not, e.g. written by
    another tool, is sorted); filters run only on files holding rows outside the query.
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

    def frame(self, path: Path) -> pl.DataFrame:
        """The requested rows of one file, in (time, sid) order, transformed by ``fn``.
        Rows are selected before the decimals are widened to the storage types."""
        table = self.table(path)
        if self.table_fn is not None:
            return self.table_fn(table)
        frame = pl.from_arrow(to_canonical(table))
        assert isinstance(frame, pl.DataFrame)
        return frame if self.fn is None else self.fn(frame)

    def table(self, path: Path) -> pa.Table:
        """The requested rows of one file as read (decimals in the file's own narrow types),
        in (time, sid) order."""
        summary = self.index.summary(path)
        table = read_partition(path, self.columns, canonical=False)
        keep: np.ndarray | None = None
        if not (physical(self.lo) <= summary.first and summary.last <= physical(self.hi)):
            stamps = time_ints(table.column(self.t))
            keep = (stamps >= physical(self.lo)) & (stamps <= physical(self.hi))
        if not bool(np.isin(summary.sids, self.wanted, assume_unique=True).all()):
            wanted = np.isin(int_column(table.column("sid")), self.wanted)
            keep = wanted if keep is None else keep & wanted
        if keep is not None:
            table = table.filter(pa.array(keep))
        if not summary.ordered:
            table = table.sort_by([(self.t, "ascending"), ("sid", "ascending")])
        return table
