"""``ParquetWriter``: merges bars into hive-partitioned Parquet files, crash-safely."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

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
from rustybt.storage.parquet.file_format import ROW_GROUP_ROWS, encode_partition, read_partition_frame
from rustybt.storage.parquet.readers import PolarsParquetDailyReader, PolarsParquetMinuteReader

DEFAULT_FILE_MODE = 0o600
DEFAULT_DIR_MODE = 0o700


class ParquetWriter(BarWriter):
    """Writes storage-schema bars under ``bundle_dir/daily_bars/`` (1d, 1w) or
    ``bundle_dir/minute_bars/`` (intraday), one ``data.parquet`` per month (daily) or per day
    (minute), in the layout of ``rustybt.domain.partitions``.

    A write validates the whole frame before touching any file, then handles one partition
    at a time (existing file + new rows, so memory holds one partition's worth besides the
    input): the merged partition goes to a temp file in its folder and is fsynced. Only when
    every partition has been staged are the temp files renamed over their targets (each
    rename atomic) and the folders fsynced. A failure while staging (disk full, a damaged
    existing file) removes the temp files and leaves every stored file byte-identical. A
    crash during the final renames can leave some partitions new and some old, each one whole;
    callers update their catalog only after ``write`` returns.

    Writers of one bundle, in any process, are serialized by an exclusive lock on
    ``bundle_dir/.write.lock`` held from reading the existing partitions to the last rename,
    so concurrent writes of different sids into the same partitions lose no row. Readers take
    no lock.

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
    ) -> None:
        if row_group_rows < 1:
            raise InvalidRequestError(f"row_group_rows must be at least 1, got {row_group_rows}")
        self.bundle_dir = Path(bundle_dir)
        self.row_group_rows = row_group_rows
        self.file_mode = file_mode
        self.dir_mode = dir_mode

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
        staged: list[atomic.StagedFile] = []
        writes: list[PartitionWrite] = []
        try:
            for relative, rows in self._by_partition(frame, kind):
                item, write = self._stage_partition(relative, rows, kind, created)
                staged.append(item)
                writes.append(write)
            atomic.commit(staged)
        except BaseException:
            atomic.discard(staged)
            raise
        return writes

    @override
    def reader(self, resolution: Resolution | str) -> BarReader:
        kind = storage_kind_of(resolution)
        folder = self.bundle_dir / FOLDERS[kind]
        return PolarsParquetDailyReader(folder) if kind == "daily" else PolarsParquetMinuteReader(folder)

    @staticmethod
    def _by_partition(frame: pl.DataFrame, kind: str) -> list[tuple[str, pl.DataFrame]]:
        time = pl.col(time_column(kind))
        day = time.dt.day().cast(pl.Int32) if kind == "minute" else pl.lit(1, dtype=pl.Int32)
        key = (time.dt.year().cast(pl.Int32) * 10000 + time.dt.month().cast(pl.Int32) * 100 + day).alias("__part")
        parts = frame.with_columns(key).partition_by("__part", as_dict=True, include_key=False, maintain_order=True)
        return [
            (partition_file(kind, date(k // 10000, k // 100 % 100, k % 100)), rows)
            for k, rows in sorted((int(str(key[0])), rows) for key, rows in parts.items())
        ]

    def _stage_partition(self, relative: str, rows: pl.DataFrame, kind: str, created: list[Path]) -> tuple[atomic.StagedFile, PartitionWrite]:
        target = self.bundle_dir / relative
        t = time_column(kind)
        replaced = 0
        if target.is_file():
            existing = read_partition_frame(target)
            kept = existing.join(rows.select("sid", t), on=["sid", t], how="anti")
            replaced = existing.height - kept.height
            merged = pl.concat([kept, rows])
        else:
            merged = rows
        data = encode_partition(merged, kind, self.row_group_rows)
        created.extend(atomic.make_dirs(target.parent, self.dir_mode))
        item = atomic.stage(target, data, self.file_mode)
        write = PartitionWrite(
            path=relative,
            rows_added=rows.height - replaced,
            rows_replaced=replaced,
            rows_total=merged.height,
            checksum=hashlib.sha256(data).hexdigest(),
            size_bytes=len(data),
        )
        return item, write
