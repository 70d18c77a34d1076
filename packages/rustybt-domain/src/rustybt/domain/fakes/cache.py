"""In-memory cache: the ``Cache`` port over a dict, with TTL and checksum invalidation."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from rustybt.domain.cache_frames import check_cached_frame
from rustybt.domain.cache_key import CacheKey
from rustybt.domain.ports.cache import Cache, CacheStats, TierStats, key_digest


@dataclass
class _Entry:
    frame: pl.DataFrame
    checksum: str | None
    stored_at: float


class InMemoryCache(Cache):
    """Unbounded unless ``max_entries`` is given (then least recently used goes first)."""

    def __init__(self, ttl_seconds: float | None = 7 * 24 * 3600, max_entries: int | None = None, clock: Callable[[], float] = time.time) -> None:
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._stats = TierStats()

    def get_entry(self, key: CacheKey | str, *, checksum: str | None = None) -> pl.LazyFrame | None:
        digest = key_digest(key)
        entry = self._entries.get(digest)
        if entry is None:
            self._stats.misses += 1
            return None
        if self._ttl is not None and self._clock() - entry.stored_at > self._ttl:
            del self._entries[digest]
            self._stats.expirations += 1
            self._stats.misses += 1
            return None
        if checksum is not None and entry.checksum != checksum:
            del self._entries[digest]
            self._stats.invalidations += 1
            self._stats.misses += 1
            return None
        self._entries.move_to_end(digest)
        self._stats.hits += 1
        return entry.frame.lazy()

    def put_entry(self, key: CacheKey | str, data: pl.LazyFrame | pl.DataFrame, *, checksum: str | None = None) -> None:
        digest = key_digest(key)
        frame = check_cached_frame(data)
        self._entries[digest] = _Entry(frame, checksum, self._clock())
        self._entries.move_to_end(digest)
        while self._max is not None and len(self._entries) > self._max:
            self._entries.popitem(last=False)
            self._stats.evictions += 1

    def invalidate(self, cache_key: CacheKey | str) -> bool:
        return self._entries.pop(key_digest(cache_key), None) is not None

    def clear(self) -> None:
        self._entries.clear()

    def get_stats(self) -> CacheStats:
        tier = TierStats(**{**vars(self._stats)})
        tier.entries = len(self._entries)
        tier.bytes = int(sum(e.frame.estimated_size() for e in self._entries.values()))
        return CacheStats({"memory": tier}, hits=tier.hits, misses=tier.misses)
