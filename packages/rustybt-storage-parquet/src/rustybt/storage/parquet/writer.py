"""``ParquetWriter``: merges bars into hive-partitioned Parquet files, crash-safely."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Collection
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
from typing_extensions import override

from rustybt.domain.errors import InvalidRequestError, StorageError
from rustybt.domain.partitions import FOLDERS, partition_file
from rustybt.domain.ports.bar_reader import BarReader
from rustybt.domain.ports.bar_writer import BarWriter, PartitionWrite, WriteResult
from rustybt.domain.resolution import Resolution
from rustybt.domain.schemas import time_column
from rustybt.domain.storage_frames import check_storage_frame, storage_kind_of
from rustybt.storage.parquet import atomic
from rustybt.storage.parquet.bundle_lock import bundle_write_lock
from rustybt.storage.parquet.file_format import ROW_GROUP_ROWS
from rustybt.storage.parquet.file_index import in_time_sid_order
from rustybt.storage.parquet.partition_stage import StagedPartition, stage_partition
from rustybt.storage.parquet.readers import PolarsParquetDailyReader, PolarsParquetMinuteReader
from rustybt.storage.parquet.stale_files import remove_temp_files_in
from rustybt.storage.parquet.time_order import merge_order
from rustybt.storage.parquet.update_lock import bundle_update_lock

DEFAULT_FILE_MODE = 0o600
DEFAULT_DIR_MODE = 0o700
WORKERS = max(1, min(4, os.cpu_count() or 1))


class ParquetWriter(BarWriter):
    """Writes storage-schema bars under ``bundle_dir/daily_bars/`` (1d, 1w) or
    ``bundle_dir/minute_bars/`` (intraday), one partition per month (daily) or per day
    (minute), in the layout of ``rustybt.domain.partitions``: one ``data.parquet`` per
    partition, or, with ``price_class_files=True``, ``data.parquet`` plus one
    ``data-s<N>.parquet`` per further price class (``price_classes``).

    Price-class files trade read speed for size. On the synthetic universe of
    ``benchmarks/bench_storage.py`` (3000 assets, a fifth of them priced to 4 decimals) they
    make the store ~20% smaller (71 against 86 MB), but every query must merge the files of a
    partition back into (time, sid) order: a scatter of every row and column, as much memory
    traffic as the decode itself, which took reads from ~1.0-1.45x to ~1.4-2.0x the bare
    pyarrow read of the same files. One file per partition is read without copying (decimals
    are widened in the buffers they were decoded into). Both layouts read alike; a store may
    hold partitions of both.

    A write validates the whole frame before touching any file, then stages its partitions
    in ``workers`` threads (decoding, encoding and hashing release the GIL), each merging the
    stored rows with the new ones and writing temp files in its folder; at most
    ``workers + 1`` partitions are in memory at once besides the input (and, for input in many
    chunks and not in (time, sid) order, one contiguous copy of it). Only when every
    partition has been staged are the temp files fsynced (many at once, so they share
    journal commits), renamed over their targets (each rename atomic; a partition's
    ``data.parquet`` last) and each folder fsynced once. A failure while
    staging (disk full, a damaged existing file) removes the temp files and leaves every
    stored file byte-identical. A crash during the final renames can leave some partitions
    (or some files of a partition) new and some old; each file records its write generation
    and readers take an asset's bars from the newest file holding it, so each asset of each
    partition reads as one whole write. Callers update their catalog only after ``write``
    returns.

    Writers of one bundle, in any process, are serialized by an exclusive lock on
    ``bundle_dir/.write.lock`` held from reading the existing partitions to the last rename,
    so concurrent writes of different sids into the same partitions lose no row. Holding it,
    a writer removes temp files that a killed writer left in the folders it writes. Readers
    take no lock.

    Files are created with ``file_mode`` and folders with ``dir_mode`` (private by default),
    with ``row_group_rows`` rows per row group (point lookups decode one row group).
    """

    def __init__(
        self,
        bundle_dir: str | Path,
        *,
        file_mode: int = DEFAULT_FILE_MODE,
        dir_mode: int = DEFAULT_DIR_MODE,
        row_group_rows: int = ROW_GROUP_ROWS,
        workers: int = WORKERS,
        price_class_files: bool = False,
    ) -> None:
        if row_group_rows < 1:
            raise InvalidRequestError(f"row_group_rows must be at least 1, got {row_group_rows}")
        if workers < 1:
            raise InvalidRequestError(f"workers must be at least 1, got {workers}")
        self.bundle_dir = Path(bundle_dir)
        self.row_group_rows = row_group_rows
        self.file_mode = file_mode
        self.dir_mode = dir_mode
        self.workers = workers
        self.price_class_files = price_class_files

    @override
    def exclusive(self) -> AbstractContextManager[Path]:
        """The bundle's update lock (``update_lock``): one write-and-record block at a time."""
        return bundle_update_lock(self.bundle_dir, file_mode=self.file_mode, dir_mode=self.dir_mode)

    @override
    def write(self, df: pl.DataFrame | pl.LazyFrame, resolution: Resolution | str) -> WriteResult:
        kind = storage_kind_of(resolution)
        frame = df.collect() if isinstance(df, pl.LazyFrame) else df
        check_storage_frame(frame, kind)
        root = str(self.bundle_dir)
        if frame.is_empty():
            return WriteResult(root)
        created: list[Path] = []
        try:
            created.extend(atomic.make_dirs(self.bundle_dir, self.dir_mode))
            with bundle_write_lock(self.bundle_dir, self.file_mode) as lock:
                try:
                    writes = self._write_locked(frame, kind, created)
                except BaseException:
                    atomic.remove_empty_dirs(p for p in created if p != self.bundle_dir and self.bundle_dir in p.parents)
                    if self.bundle_dir in created:  # a bundle this write created holds nothing else
                        lock.unlink(missing_ok=True)
                    raise
        except BaseException as err:
            atomic.remove_empty_dirs(created)
            if isinstance(err, OSError) and not isinstance(err, StorageError):
                raise StorageError(f"writing {kind} bars under {self.bundle_dir} failed, nothing was changed: {err}") from err
            raise
        return WriteResult(root, tuple(writes))

    def _write_locked(self, frame: pl.DataFrame, kind: str, created: list[Path]) -> list[PartitionWrite]:
        """Stage every merged partition, then rename them all into place; on failure remove
        the temp files (the caller removes the folders this write created, under the lock)."""
        parts = self._by_partition(frame, kind)
        first_new = len(created)
        for relative, _ in parts:
            folder = (self.bundle_dir / relative).parent
            remove_temp_files_in(folder)
            created.extend(atomic.make_dirs(folder, self.dir_mode, sync=False))
        staged: list[StagedPartition] = []
        pending: deque[Future[StagedPartition]] = deque()
        try:
            with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="parquet-write") as pool:
                try:
                    for relative, rows in parts:
                        pending.append(pool.submit(self._stage, relative, rows, kind))
                        if len(pending) > self.workers:
                            staged.append(pending.popleft().result())
                    while pending:
                        staged.append(pending.popleft().result())
                finally:
                    for future in pending:  # after a failure: let the others finish, keep their temp files to discard
                        try:
                            staged.append(future.result())
                        except BaseException:  # the first failure is the one raised
                            continue
            files = [item for part in staged for item in part.files]
            atomic.sync_files(files)
            atomic.commit(files, created[first_new:])
        except BaseException:
            atomic.discard(item for part in staged for item in part.files)
            raise
        return [write for part in staged for write in part.writes]

    @override
    def reader(self, resolution: Resolution | str, *, recorded_files: Collection[str] = ()) -> BarReader:
        kind = storage_kind_of(resolution)
        folder = self.bundle_dir / FOLDERS[kind]
        cls = PolarsParquetDailyReader if kind == "daily" else PolarsParquetMinuteReader
        return cls(folder, recorded_files)

    def _stage(self, relative: str, rows: PartitionRows, kind: str) -> StagedPartition:
        return stage_partition(self.bundle_dir, relative, rows.take(), kind, self.file_mode, self.row_group_rows, self.price_class_files)

    @staticmethod
    def _by_partition(frame: pl.DataFrame, kind: str) -> list[tuple[str, PartitionRows]]:
        """The rows of each partition, in partition order and (time, sid) order within it.

        A frame already in that order is cut into slices. Otherwise the (time, sid) order is
        computed on the two key columns only (``time_order.merge_order``: one stable sort of a
        composite key, which merges the sorted runs of a frame in (sid, time) order, as ingests
        deliver it) and each partition's rows are gathered in the writer's threads when staged,
        never the whole frame sorted at once."""
        t = time_column(kind)
        stamps = frame.get_column(t).to_physical().to_numpy()
        sids = frame.get_column("sid").to_numpy()
        order: np.ndarray | None = None
        if not in_time_sid_order(stamps, sids):
            order = merge_order(stamps, sids)
            stamps = stamps[order]
            if frame.n_chunks() > 1:  # a gather across many chunks costs more than joining them once
                frame = frame.rechunk()
        unit = "datetime64[D]" if kind == "daily" else "datetime64[us]"
        period = "datetime64[M]" if kind == "daily" else "datetime64[D]"
        keys = stamps.astype(unit).astype(period).astype(np.int64)
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.empty(0, dtype=np.int64)
        ends = np.r_[starts[1:], len(keys)]
        return [
            (_relative(kind, int(keys[a])), PartitionRows(frame, int(a), int(b), None if order is None else order[a:b]))
            for a, b in zip(starts, ends, strict=True)
        ]


@dataclass(frozen=True)
class PartitionRows:
    """The rows of one partition: ``frame[start:end]``, or the rows at ``indices`` when the
    frame is not in (time, sid) order (``indices`` in that order)."""

    frame: pl.DataFrame
    start: int
    end: int
    indices: np.ndarray | None = None

    def take(self) -> pl.DataFrame:
        if self.indices is None:
            return self.frame.slice(self.start, self.end - self.start)
        return self.frame[pl.Series(self.indices)]


def _relative(kind: str, period: int) -> str:
    """The ``data.parquet`` of the partition of ``period`` (months since 1970 for daily
    bars, days since 1970 for minute bars)."""
    unit = "datetime64[M]" if kind == "daily" else "datetime64[D]"
    day: date = np.array([period], dtype=np.int64).astype(unit).astype("datetime64[D]")[0].item()
    return partition_file(kind, day)
