"""Choose a cache by configuration alone: ``build_cache(kind, **options)``."""

from __future__ import annotations

import os
from typing import Any

from rustybt.cache.disk import DiskCache
from rustybt.cache.entry import DEFAULT_TTL_SECONDS, MB, Clock
from rustybt.cache.memory import LruCache
from rustybt.cache.two_tier import CacheManager
from rustybt.domain.errors import ConfigurationError
from rustybt.domain.ports.cache import Cache

KINDS = ("memory", "disk", "redis", "two-tier")
SHARED = ("disk", "redis")


def build_cache(
    kind: str = "two-tier",
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    hot_cache_size_mb: float = 1024,
    cold_cache_size_mb: float = 51200,
    ttl_seconds: float | None = DEFAULT_TTL_SECONDS,
    shared: str = "disk",
    redis_url: str = "redis://127.0.0.1:6379/0",
    redis_prefix: str = "rustybt:cache:",
    redis_format: str = "ipc",
    clock: Clock | None = None,
    write_behind: bool = False,
    **redis_options: Any,
) -> Cache:
    """A cache of ``kind``: ``memory`` (LRU of ``hot_cache_size_mb``), ``disk`` (Parquet files
    of at most ``cold_cache_size_mb`` under ``cache_dir``), ``redis`` (a Redis tier of
    ``cold_cache_size_mb``) or ``two-tier`` (memory in front of the ``shared`` tier: ``disk``
    or ``redis``; ``write_behind`` writes that tier in the background). Extra options go to
    the Redis tier (e.g. ``client=``)."""
    kind = kind.replace("_", "-").lower()
    if kind not in KINDS:
        raise ConfigurationError(f"cache kind {kind!r} is unknown; choose one of {', '.join(KINDS)}")
    if kind == "memory":
        return LruCache(int(hot_cache_size_mb * MB), ttl_seconds=ttl_seconds, clock=clock)
    if kind == "redis" or (kind == "two-tier" and shared == "redis"):
        from rustybt.cache.redis_tier import RedisCache

        redis_tier = RedisCache(
            redis_url, prefix=redis_prefix, max_bytes=int(cold_cache_size_mb * MB), ttl_seconds=ttl_seconds,
            clock=clock, format=redis_format, **redis_options,  # type: ignore[arg-type]
        )
        if kind == "redis":
            return redis_tier
    elif shared not in SHARED:
        raise ConfigurationError(f"shared cache tier {shared!r} is unknown; choose one of {', '.join(SHARED)}")
    if cache_dir is None:
        raise ConfigurationError(f"cache kind {kind!r} needs cache_dir (the folder holding cold_cache/)")
    if kind == "disk":
        return DiskCache(cache_dir, int(cold_cache_size_mb * MB), ttl_seconds=ttl_seconds, clock=clock)
    cold = redis_tier if shared == "redis" else None
    return CacheManager(
        cache_dir, hot_cache_size_mb, cold_cache_size_mb, ttl_seconds, cold=cold, clock=clock, write_behind=write_behind
    )
