"""The hot tier: an in-process LRU of materialized frames, bounded by bytes."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

from typing_extensions import override

from rustybt.cache.entry import DEFAULT_TTL_SECONDS, MB, CachedFrame, Clock, Tier
from rustybt.domain.cache_key import CacheKey
from rustybt.domain.errors import ConfigurationError
from rustybt.domain.ports.cache import CacheStats, TierStats, key_digest

log = logging.getLogger(__name__)


class LruCache(Tier):
    """In-memory LRU bounded by ``max_bytes`` of materialized data (``DataFrame.estimated_size``).

    Entries are kept as ``DataFrame`` with a ready ``LazyFrame``; a hit hands that out without
    copying. The least recently used entries are evicted until the total fits the budget; an
    entry larger than the whole budget is not kept (counted as an eviction). Thread-safe.
    """

    def __init__(
        self,
        max_bytes: int = 1024 * MB,
        *,
        ttl_seconds: float | None = DEFAULT_TTL_SECONDS,
        clock: Clock | None = None,
    ) -> None:
        if max_bytes < 0:
            raise ConfigurationError(f"max_bytes of the memory cache must be >= 0, got {max_bytes}")
        super().__init__(ttl_seconds, clock)
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, CachedFrame] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @override
    def fetch(self, key: CacheKey | str, *, checksum: str | None = None) -> CachedFrame | None:
        digest = key_digest(key)
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None:
                self._stats.misses += 1
                return None
            if self.ttl_seconds is not None and self._clock() - entry.stored_at > self.ttl_seconds:
                self._drop(digest)
                self._stats.expirations += 1
                self._stats.misses += 1
                return None
            if checksum is not None and entry.checksum != checksum:
                self._drop(digest)
                self._stats.invalidations += 1
                self._stats.misses += 1
                return None
            self._entries.move_to_end(digest)
            self._stats.hits += 1
            return entry

    @override
    def store(self, key: CacheKey | str, entry: CachedFrame) -> None:
        digest = key_digest(key)
        with self._lock:
            self._drop(digest)
            if entry.nbytes > self.max_bytes:
                self._stats.evictions += 1
                log.log(
                    logging.WARNING if self.max_bytes else logging.DEBUG,
                    "cache entry %s (%d bytes) exceeds the memory cache budget of %d bytes; not kept",
                    digest, entry.nbytes, self.max_bytes,
                )
                return
            self._entries[digest] = entry
            self._bytes += entry.nbytes
            while self._bytes > self.max_bytes:
                oldest, _ = next(iter(self._entries.items()))
                self._drop(oldest)
                self._stats.evictions += 1

    def _drop(self, digest: str) -> bool:
        entry = self._entries.pop(digest, None)
        if entry is None:
            return False
        self._bytes -= entry.nbytes
        return True

    @override
    def invalidate(self, cache_key: CacheKey | str) -> bool:
        digest = key_digest(cache_key)
        with self._lock:
            dropped = self._drop(digest)
            if dropped:
                self._stats.invalidations += 1
            return dropped

    @override
    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    @override
    def get_stats(self) -> CacheStats:
        with self._lock:
            tier = TierStats(**vars(self._stats))
            tier.bytes = self._bytes
            tier.entries = len(self._entries)
        return CacheStats({"memory": tier}, hits=tier.hits, misses=tier.misses)

    def __contains__(self, key: CacheKey | str) -> bool:
        digest = key_digest(key)
        return digest in self._entries

    def __len__(self) -> int:
        return len(self._entries)


MemoryCache = LruCache
