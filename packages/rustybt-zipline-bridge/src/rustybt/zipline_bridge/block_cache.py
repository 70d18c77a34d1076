"""Float blocks read through the ``Cache`` port (the spec's "Data Query Flow").

A query (sids, first and last time, resolution, source) becomes a ``CacheKey``; a hit is
served from the cache, a miss is read through the bar reader and put into the cache. Each
entry carries the checksum of the datasets it was read from, so a changed dataset misses.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone

import numpy as np
import polars as pl

from rustybt.domain.cache_key import CacheKey
from rustybt.domain.ports.bar_reader import BarReader
from rustybt.domain.ports.cache import Cache
from rustybt.domain.ports.catalog import Catalog
from rustybt.domain.schemas import FIELDS
from rustybt.zipline_bridge.float_block import load_float_block

RESOLUTION_OF_KIND = {"daily": "1d", "minute": "1m"}


def datasets_checksum(catalog: Catalog, dataset_ids: Iterable[str], resolution: str) -> str | None:
    """One checksum over the checksums of the ``resolution`` datasets among ``dataset_ids``."""
    parts = []
    for dataset_id in dataset_ids:
        info = catalog.get_dataset_info(dataset_id)
        if str(info.resolution) == resolution:
            parts.append(f"{dataset_id}={info.checksum}")
    if not parts:
        return None
    return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()


class CachedFloatBlocks:
    """Loads (times, sids) float64 blocks of one bar reader, every OHLCV field, through a ``Cache``.

    Entries hold the five fields of the sorted, distinct sids asked for, flattened row-major;
    ``load`` answers in the caller's sid order and field selection.
    """

    def __init__(self, reader: BarReader, cache: Cache, *, source: str, checksum: str | None) -> None:
        self._reader = reader
        self._cache = cache
        self._source = source
        self._checksum = checksum
        self._resolution = RESOLUTION_OF_KIND[reader.storage_kind]

    def load(
        self, sids: Sequence[int], fields: Sequence[str], times_ns: np.ndarray, known_sids: frozenset[int]
    ) -> dict[str, np.ndarray]:
        """``fields`` of ``sids`` at ``times_ns``, with ``load_float_block``'s semantics."""
        requested = np.asarray(sids, dtype=np.int64)
        if len(times_ns) == 0 or len(requested) == 0:
            return load_float_block(self._reader, sids, fields, times_ns, known_sids)
        distinct = np.unique(requested)
        key = CacheKey.of(
            [f"sid:{s}" for s in distinct.tolist()],
            _utc(int(times_ns[0])),
            _utc(int(times_ns[-1])),
            self._resolution,
            self._source,
        )
        shape = (len(times_ns), len(distinct))
        cached = self._cache.get_entry(key, checksum=self._checksum)
        block = _unflatten(cached.collect(), shape) if cached is not None else None
        if block is None:
            block = load_float_block(self._reader, distinct.tolist(), FIELDS, times_ns, known_sids)
            self._cache.put_entry(key, pl.DataFrame({f: block[f].ravel() for f in FIELDS}), checksum=self._checksum)
        columns = np.searchsorted(distinct, requested)
        return {f: block[f][:, columns] for f in fields}


def _utc(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1e9, tz=timezone.utc)


def _unflatten(frame: pl.DataFrame, shape: tuple[int, int]) -> dict[str, np.ndarray] | None:
    """The entry's arrays, or ``None`` when it does not have the expected shape (read again)."""
    if frame.height != shape[0] * shape[1] or any(f not in frame.columns for f in FIELDS):
        return None
    return {f: frame.get_column(f).to_numpy().astype(np.float64, copy=False).reshape(shape) for f in FIELDS}


class BlockSource:
    """What both zipline readers share: float blocks loaded from a ``BarReader``, through a
    cache once ``read_through`` is called. Subclasses set ``_reader`` and ``_cached``."""

    _reader: BarReader
    _cached: CachedFloatBlocks | None

    def read_through(self, cache: Cache, *, source: str, checksum: str | None) -> None:
        """Serve the blocks this reader loads from ``cache`` (entries tagged with ``checksum``)."""
        self._cached = CachedFloatBlocks(self._reader, cache, source=source, checksum=checksum)

    def _load_block(
        self, sids: Sequence[int], fields: Sequence[str], times_ns: np.ndarray, known: frozenset[int]
    ) -> dict[str, np.ndarray]:
        if self._cached is not None:
            return self._cached.load(sids, fields, times_ns, known)
        return load_float_block(self._reader, sids, fields, times_ns, known)
