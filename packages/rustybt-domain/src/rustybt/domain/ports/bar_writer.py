"""Port: writing bars into storage."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import polars as pl

from rustybt.domain.ports.bar_reader import BarReader
from rustybt.domain.resolution import Resolution


@dataclass(frozen=True)
class PartitionWrite:
    """What one write did to one partition file."""

    path: str  # relative to the writer's root, e.g. "daily_bars/year=2024/month=01/data.parquet"
    rows_added: int
    rows_replaced: int
    rows_total: int
    checksum: str  # SHA-256 hex of the file as written
    size_bytes: int


@dataclass(frozen=True)
class WriteResult:
    """The outcome of ``BarWriter.write``: per-partition counts and per-file checksums."""

    root: str
    partitions: tuple[PartitionWrite, ...] = ()

    @property
    def rows_added(self) -> int:
        return sum(p.rows_added for p in self.partitions)

    @property
    def rows_replaced(self) -> int:
        return sum(p.rows_replaced for p in self.partitions)

    @property
    def rows_written(self) -> int:
        return self.rows_added + self.rows_replaced

    @property
    def checksums(self) -> Mapping[str, str]:
        """Relative file path → SHA-256 hex of every file written."""
        return {p.path: p.checksum for p in self.partitions}

    @property
    def size_bytes(self) -> int:
        return sum(p.size_bytes for p in self.partitions)


class BarWriter(ABC):
    """Writes bars in a storage schema (``DAILY_BARS_SCHEMA`` or ``MINUTE_BARS_SCHEMA``)."""

    @abstractmethod
    def write(self, df: pl.DataFrame | pl.LazyFrame, resolution: Resolution | str) -> WriteResult:
        """Merge ``df`` into the store and return per-partition counts and file checksums.

        Daily resolutions (1d, 1w) take the daily schema; intraday ones the minute schema.
        Rows with a (sid, time) already stored replace the stored row (counted in
        ``rows_replaced``); every other stored row is kept. An empty frame writes nothing.

        Before touching any file, raises ``SchemaMismatchError`` for a wrong schema and
        ``ValidationError`` for nulls, duplicate (sid, time) keys or rows whose time goes
        backwards within a sid — naming the rows. A failed write leaves every stored file unchanged.
        """

    def exclusive(self) -> AbstractContextManager[object]:
        """Exclusive update rights on this store for a block that writes and then records the
        result in a catalog, so two such blocks (in any process) never interleave and a
        catalog never records an older checksum of a shared file last. Reentrant within a
        thread. The default holds nothing: a store with a single writer needs no more."""
        return nullcontext()

    @abstractmethod
    def reader(self, resolution: Resolution | str, *, recorded_files: Collection[str] = ()) -> BarReader:
        """A ``BarReader`` over what this writer stores for ``resolution``'s storage kind.

        ``recorded_files`` are the files a catalog recorded for this store (paths relative to
        its root, as ``WriteResult.checksums`` names them): a query whose range holds one that
        is gone raises ``CorruptDataError`` naming it, instead of answering with fewer rows.
        The check compares names only (no hashing per read)."""
