"""RustyBT Data bar cache: an in-memory LRU, Parquet files on disk, Redis as a shared tier,
and the two-tier ``CacheManager`` that composes them.

    cache = CacheManager("~/.rustybt/cache", hot_cache_size_mb=1024, cold_cache_size_mb=51200)
    cache = CacheManager(cache_dir, cold=RedisCache("redis://cache-host:6379/0"))
    cache = build_cache("two-tier", cache_dir=..., shared="redis", redis_url=...)
"""

from __future__ import annotations

from rustybt.cache.disk import CleanupResult, DiskCache
from rustybt.cache.entry import CachedFrame, Tier
from rustybt.cache.errors import CacheUnavailableError, CorruptCacheEntryError
from rustybt.cache.factory import build_cache
from rustybt.cache.memory import LruCache, MemoryCache
from rustybt.cache.redis_tier import RedisCache
from rustybt.cache.two_tier import CacheManager, TwoTierCache

__all__ = [
    "CacheManager",
    "CacheUnavailableError",
    "CachedFrame",
    "CleanupResult",
    "CorruptCacheEntryError",
    "DiskCache",
    "LruCache",
    "MemoryCache",
    "RedisCache",
    "Tier",
    "TwoTierCache",
    "build_cache",
]

