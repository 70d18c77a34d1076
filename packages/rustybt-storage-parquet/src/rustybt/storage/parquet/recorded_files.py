"""The files a catalog recorded for a store, checked against the folder a read lists.

A partition file deleted behind the catalog's back would make a read return fewer rows (and a
backtest run on NaN prices) with no error. A reader given the recorded files compares the
partitions of each query's range with what it lists, by name only (no hashing per read; a
file of a price-class sibling costs one ``stat``), and raises ``CorruptDataError`` naming the
first missing one.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Collection, Sequence
from datetime import date
from pathlib import Path, PurePosixPath

from rustybt.domain.errors import CorruptDataError
from rustybt.domain.partitions import DATA_FILE, FOLDERS, PARTITION_KEYS

_LOW, _HIGH = (0, 0, 0), (9999, 99, 99)


class RecordedFiles:
    """Recorded files (paths relative to the store's root, e.g.
    ``daily_bars/year=2024/month=01/data.parquet``) of one storage kind, by partition."""

    def __init__(self, root: Path, kind: str, paths: Collection[str]) -> None:
        self.root = root
        depth = len(PARTITION_KEYS[kind])
        found: list[tuple[tuple[int, ...], str]] = []
        for path in paths:
            parts = PurePosixPath(path).parts
            if len(parts) != depth + 2 or parts[0] != FOLDERS[kind]:
                continue
            try:
                key = tuple(int(part.split("=", 1)[1]) for part in parts[1 : depth + 1])
            except (IndexError, ValueError):
                continue
            found.append((key, path))
        found.sort()
        self._keys = [k for k, _ in found]
        self._paths = [p for _, p in found]

    def check(self, listed: Sequence[Path], first: date | None, last: date | None) -> None:
        """Raise ``CorruptDataError`` for the first recorded file of a partition between the
        days ``first`` and ``last`` (``None``: unbounded) that is not there."""
        if not self._keys:
            return
        n = len(self._keys[0])
        lo = (first.year, first.month, first.day)[:n] if first else _LOW[:n]
        hi = (last.year, last.month, last.day)[:n] if last else _HIGH[:n]
        start, stop = bisect.bisect_left(self._keys, lo), bisect.bisect_right(self._keys, hi)
        if start >= stop:
            return
        present = {os.fspath(p) for p in listed}
        for relative in self._paths[start:stop]:
            path = os.fspath(self.root / relative)
            here = path in present if PurePosixPath(relative).name == DATA_FILE else os.path.isfile(path)
            if not here:
                raise CorruptDataError(
                    f"{path} is missing: the catalog recorded it for this store, and a read without it would drop "
                    "its bars; restore it, or ingest its range again (`rustybt catalog verify` lists every missing file)",
                    path,
                )


__all__ = ["RecordedFiles"]
