"""What each partition file holds (its sids and time bounds), remembered between queries.

An entry is reused while the file keeps its inode, size and modification time, so a reader
sees every write (an atomic rename gives a new inode) without re-reading unchanged files.
Summaries are read lazily, file by file, only for the files a question needs.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from rustybt.storage.parquet.file_format import generation_of, read_partition_meta
from rustybt.storage.parquet.pooled_arrays import joined

Signature = tuple[int, int, int]


@dataclass(frozen=True)
class FileSummary:
    """The distinct sids and distinct times (ascending; physical units: days since the epoch
    for daily files, microseconds for minute files) of one partition file."""

    path: Path
    sids: np.ndarray
    times: np.ndarray
    generation: int = 0  # the partition write that produced the file
    overlapping: bool = False  # (a partition's summary) some sid is in two of its files

    @property
    def first(self) -> int:
        return int(self.times[0]) if len(self.times) else 0

    @property
    def last(self) -> int:
        return int(self.times[-1]) if len(self.times) else -1

    def has(self, sid: int) -> bool:
        i = int(np.searchsorted(self.sids, sid))
        return i < len(self.sids) and int(self.sids[i]) == sid


def time_ints(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A date32 or timestamp column as int64 days or microseconds since the epoch."""
    values = _physical(column, np.int32 if pa.types.is_date32(column.type) else np.int64)
    return values.astype(np.int64, copy=False)


def _physical(column: pa.ChunkedArray | pa.Array, dtype: type[np.generic]) -> np.ndarray:
    """The values of a fixed-width column without nulls, straight from its buffers (no copy
    for one chunk)."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    if any(chunk.null_count for chunk in chunks):
        raise ValueError(f"unexpected nulls in a {column.type} column")
    parts = [np.frombuffer(chunk.buffers()[1], dtype=dtype)[chunk.offset : chunk.offset + len(chunk)] for chunk in chunks]
    if not parts:
        return np.empty(0, dtype=dtype)
    return joined(parts, dtype)


def in_time_sid_order(stamps: np.ndarray, sids: np.ndarray) -> bool:
    """True when rows ascend by time, then by sid within a time."""
    if len(stamps) < 2:
        return True
    later, same = stamps[1:] > stamps[:-1], stamps[1:] == stamps[:-1]  # not np.diff: a difference could wrap around
    return bool((later | (same & (sids[1:] > sids[:-1]))).all())


def int_column(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """An int64 column (``sid``) as a numpy array."""
    return _physical(column, np.int64)


class FileIndex:
    """Caches ``FileSummary`` values per partition file of one store folder."""

    def __init__(self, time_name: str) -> None:
        self._time = time_name
        self._entries: dict[Path, tuple[Signature, FileSummary]] = {}
        self._partitions: dict[Path, tuple[tuple[int, ...], FileSummary, list[FileSummary]]] = {}
        self._lock = threading.Lock()

    def summary(self, path: Path) -> FileSummary:
        """The summary of ``path``, read again only if the file changed."""
        stat = os.stat(path)
        signature = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        with self._lock:
            cached = self._entries.get(path)
        if cached is not None and cached[0] == signature:
            return cached[1]
        table, metadata = read_partition_meta(path, ["sid", self._time])
        stamps = time_ints(table.column(self._time))
        ids = int_column(table.column("sid"))
        summary = FileSummary(path, np.unique(ids), np.unique(stamps), generation_of(path, metadata))
        with self._lock:
            self._entries[path] = (signature, summary)
        return summary

    def summaries(self, paths: Iterable[Path]) -> list[FileSummary]:
        return [self.summary(p) for p in paths]

    def partition(self, paths: list[Path]) -> FileSummary:
        """One summary of the files of a partition (``paths[0]`` is its ``data.parquet``),
        remembered while none of them changes."""
        if len(paths) == 1:
            return self.summary(paths[0])
        parts = self.summaries(paths)
        key = tuple(id(p) for p in parts)  # summaries are replaced, never mutated, when a file changes
        with self._lock:
            cached = self._partitions.get(paths[0])
        if cached is not None and cached[0] == key:
            return cached[1]
        sids = np.unique(np.concatenate([p.sids for p in parts]))
        times = np.unique(np.concatenate([p.times for p in parts]))
        overlapping = len(sids) < sum(len(p.sids) for p in parts)
        summary = FileSummary(paths[0], sids, times, max(p.generation for p in parts), overlapping)
        with self._lock:
            self._partitions[paths[0]] = (key, summary, parts)
        return summary

    def sids_in(self, paths: Iterable[Path]) -> np.ndarray:
        """The distinct sids of ``paths``, ascending."""
        arrays = [summary.sids for summary in self.summaries(paths)]
        if not arrays:
            return np.empty(0, dtype=np.int64)
        return arrays[0] if len(arrays) == 1 else np.unique(np.concatenate(arrays))

    def forget_missing(self, alive: Iterable[Path]) -> None:
        """Drop entries of files that no longer exist."""
        keep = set(alive)
        with self._lock:
            for path in [p for p in self._entries if p not in keep]:
                del self._entries[path]
            for path in [p for p in self._partitions if p not in keep]:
                del self._partitions[path]
