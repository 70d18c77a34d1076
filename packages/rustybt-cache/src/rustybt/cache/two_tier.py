"""The two-tier cache: a hot in-process tier in front of a shared cold tier."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import polars as pl
from typing_extensions import override

from rustybt.cache.disk import CleanupResult, DiskCache
from rustybt.cache.entry import DEFAULT_TTL_SECONDS, MB, CachedFrame, Clock, Tier
from rustybt.cache.memory import LruCache
from rustybt.domain.cache_key import CacheKey, generate_cache_key
from rustybt.domain.errors import CacheError
from rustybt.domain.instants import TimeLike
from rustybt.domain.ports.cache import Cache, CacheStats, TierStats, key_digest
from rustybt.domain.resolution import Resolution

log = logging.getLogger(__name__)
R = TypeVar("R")


def _tier_stats(cache: Cache) -> TierStats:
    stats = cache.get_stats()
    merged = TierStats()
    for tier in stats.tiers.values():
        for name, value in vars(tier).items():
            setattr(merged, name, getattr(merged, name) + value)
    return merged


class TwoTierCache(Tier):
    """Hot tier → cold tier (a cold hit is promoted to the hot tier) → miss.

    Both tiers are ``Cache`` implementations; a ``Tier`` keeps an entry's checksum and storage
    time through promotion; entries are stamped with ``clock`` (by default the hot tier's).
    A put writes through to both tiers; a cold tier that fails
    (e.g. an unreachable Redis) is logged and skipped, so the hot tier keeps working.

    With ``write_behind=True`` the cold write runs on one background thread, so a miss costs
    the read plus a hot put; cold invalidations and clears queue behind pending writes, and a
    cold lookup of a key with a pending write waits for it, so no stale entry is ever served.
    ``flush()`` waits for pending writes, ``close()`` also stops the thread.
    """

    def __init__(
        self, hot: Cache, cold: Cache | None = None, *, clock: Clock | None = None, write_behind: bool = False
    ) -> None:
        if clock is None and isinstance(hot, Tier):
            clock = hot.now
        super().__init__(None, clock)
        self.hot = hot
        self.cold = cold
        self._hits = 0
        self._misses = 0
        self._count = threading.Lock()
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="rustybt-cache-writer") if write_behind else None
        self._pending: dict[str, int] = {}

    @override
    def get_entry(self, key: CacheKey | str, *, checksum: str | None = None) -> pl.LazyFrame | None:
        found = self.hot.get_entry(key, checksum=checksum)
        if found is not None:
            with self._count:
                self._hits += 1
            return found
        entry = self._fetch_cold(key, checksum)
        return None if entry is None else entry.lazy

    @override
    def fetch(self, key: CacheKey | str, *, checksum: str | None = None) -> CachedFrame | None:
        if isinstance(self.hot, Tier):
            entry = self.hot.fetch(key, checksum=checksum)
            if entry is not None:
                with self._count:
                    self._hits += 1
                return entry
        else:
            found = self.hot.get_entry(key, checksum=checksum)
            if found is not None:
                with self._count:
                    self._hits += 1
                return CachedFrame(found.collect(), checksum, self._clock())
        return self._fetch_cold(key, checksum)

    def _fetch_cold(self, key: CacheKey | str, checksum: str | None) -> CachedFrame | None:
        entry: CachedFrame | None = None
        if self._pending and (key_digest(key)) in self._pending:
            self.flush()
        if self.cold is not None:
            try:
                if isinstance(self.cold, Tier):
                    entry = self.cold.fetch(key, checksum=checksum)
                else:
                    found = self.cold.get_entry(key, checksum=checksum)
                    entry = None if found is None else CachedFrame(found.collect(), checksum, self._clock())
            except CacheError as err:
                log.warning("cold cache tier failed on get, treating as a miss: %s", err)
        with self._count:
            if entry is None:
                self._misses += 1
            else:
                self._hits += 1
        if entry is not None:
            self._store_in(self.hot, key, entry)
        return entry

    @staticmethod
    def _store_in(tier: Cache, key: CacheKey | str, entry: CachedFrame) -> None:
        if isinstance(tier, Tier):
            tier.store(key, entry)
        else:
            tier.put_entry(key, entry.frame, checksum=entry.checksum)

    @override
    def store(self, key: CacheKey | str, entry: CachedFrame) -> None:
        self._store_in(self.hot, key, entry)
        if self.cold is None:
            return
        if self._writer is None:
            self._store_cold(key, entry)
            return
        digest = key_digest(key)
        with self._count:
            self._pending[digest] = self._pending.get(digest, 0) + 1
        self._writer.submit(self._store_cold, key, entry, digest)

    def _store_cold(self, key: CacheKey | str, entry: CachedFrame, pending: str | None = None) -> None:
        assert self.cold is not None
        try:
            self._store_in(self.cold, key, entry)
        except CacheError as err:
            log.warning("cold cache tier failed on put, entry kept in the hot tier only: %s", err)
        except Exception:
            log.exception("cold cache tier failed on put of %s", key)
            if self._writer is None:
                raise
        finally:
            if pending is not None:
                with self._count:
                    left = self._pending.pop(pending) - 1
                    if left:
                        self._pending[pending] = left

    def _after_pending(self, action: Callable[[], R]) -> R:
        """Run a cold-tier action after every pending cold write."""
        if self._writer is None:
            return action()
        return self._writer.submit(action).result()

    def flush(self) -> None:
        """Wait until every pending cold write is done."""
        if self._writer is not None:
            self._writer.submit(lambda: None).result()

    def close(self) -> None:
        """Finish pending cold writes and stop the background writer (if any)."""
        if self._writer is not None:
            self._writer.shutdown(wait=True)

    @override
    def invalidate(self, cache_key: CacheKey | str) -> bool:
        dropped = self.hot.invalidate(cache_key)
        cold = self.cold
        if cold is not None:
            dropped = self._after_pending(lambda: cold.invalidate(cache_key)) or dropped
        return dropped

    @override
    def clear(self) -> None:
        self.hot.clear()
        cold = self.cold
        if cold is not None:
            self._after_pending(cold.clear)

    @override
    def get_stats(self) -> CacheStats:
        self.flush()
        tiers = {"hot": _tier_stats(self.hot)}
        if self.cold is not None:
            tiers["cold"] = _tier_stats(self.cold)
        return CacheStats(tiers, hits=self._hits, misses=self._misses)


class CacheManager(TwoTierCache):
    """The spec's two-tier cache: an LRU of ``hot_cache_size_mb`` in memory in front of Parquet
    files under ``{cache_dir}/cold_cache/`` bounded by ``cold_cache_size_mb``.

    Pass ``cold=`` to share another tier instead of the disk (e.g. ``RedisCache``). Entries
    expire ``ttl_seconds`` after they were stored; ``get(..., checksum=...)`` with a checksum
    other than the stored one is a miss that drops the entry.
    """

    def __init__(
        self,
        cache_dir: str | os.PathLike[str],
        hot_cache_size_mb: float = 1024,
        cold_cache_size_mb: float = 51200,
        ttl_seconds: float | None = DEFAULT_TTL_SECONDS,
        *,
        cold: Cache | None = None,
        clock: Clock | None = None,
        file_mode: int = 0o600,
        dir_mode: int = 0o700,
        write_behind: bool = False,
    ) -> None:
        self.cache_dir = Path(cache_dir).expanduser()
        self.hot_cache_size_mb = hot_cache_size_mb
        self.cold_cache_size_mb = cold_cache_size_mb
        hot = LruCache(int(hot_cache_size_mb * MB), ttl_seconds=ttl_seconds, clock=clock)
        if cold is None:
            cold = DiskCache(
                cache_dir, int(cold_cache_size_mb * MB), ttl_seconds=ttl_seconds, clock=clock,
                file_mode=file_mode, dir_mode=dir_mode,
            )
        super().__init__(hot, cold, clock=clock, write_behind=write_behind)
        self.ttl_seconds = ttl_seconds

    def cleanup(self) -> CleanupResult | None:
        """Run the cold tier's ``cleanup()`` when it has one (the disk tier does)."""
        cleanup = getattr(self.cold, "cleanup", None)
        return self._after_pending(cleanup) if callable(cleanup) else None

    @staticmethod
    def _generate_cache_key(
        symbols: Sequence[str],
        start_date: TimeLike,
        end_date: TimeLike,
        resolution: Resolution | str,
        source: str,
    ) -> str:
        """The spec's cache key: SHA-256 hex of the sorted symbols, ISO dates, resolution, source."""
        return generate_cache_key(symbols, start_date, end_date, resolution, source)
