"""Every tier, alone and composed, honours the ``Cache`` contract unchanged."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from rustybt.cache import CacheManager, DiskCache, LruCache, RedisCache, TwoTierCache
from rustybt.contract.cache import CacheContract
from rustybt.domain.ports.cache import Cache

MakeWithClock = Callable[[float, Callable[[], float]], Cache]


class TestLruCache(CacheContract):
    @pytest.fixture
    def cache(self) -> Cache:
        return LruCache(64 * 1024 * 1024)

    @pytest.fixture
    def make_cache_with_clock(self) -> MakeWithClock:
        return lambda ttl, clock: LruCache(64 * 1024 * 1024, ttl_seconds=ttl, clock=clock)


class TestDiskCache(CacheContract):
    @pytest.fixture
    def cache(self, tmp_path: Path) -> Cache:
        return DiskCache(tmp_path, 64 * 1024 * 1024)

    @pytest.fixture
    def make_cache_with_clock(self, tmp_path: Path) -> MakeWithClock:
        return lambda ttl, clock: DiskCache(tmp_path / "clocked", ttl_seconds=ttl, clock=clock)


class TestCacheManager(CacheContract):
    @pytest.fixture
    def cache(self, tmp_path: Path) -> Cache:
        return CacheManager(tmp_path, hot_cache_size_mb=16, cold_cache_size_mb=64)

    @pytest.fixture
    def make_cache_with_clock(self, tmp_path: Path) -> MakeWithClock:
        return lambda ttl, clock: CacheManager(tmp_path / "clocked", ttl_seconds=ttl, clock=clock)


class TestCacheManagerWriteBehind(CacheContract):
    @pytest.fixture
    def cache(self, tmp_path: Path) -> Iterator[Cache]:
        cache = CacheManager(tmp_path, hot_cache_size_mb=0, write_behind=True)
        yield cache
        cache.close()

    @pytest.fixture
    def make_cache_with_clock(self, tmp_path: Path) -> MakeWithClock:
        return lambda ttl, clock: CacheManager(
            tmp_path / "clocked", hot_cache_size_mb=0, ttl_seconds=ttl, clock=clock, write_behind=True
        )


class TestCacheManagerColdTierOnly(CacheContract):
    """A hot tier too small for any entry: every hit is served by the disk tier."""

    @pytest.fixture
    def cache(self, tmp_path: Path) -> Cache:
        return CacheManager(tmp_path, hot_cache_size_mb=0, cold_cache_size_mb=64)

    @pytest.fixture
    def make_cache_with_clock(self, tmp_path: Path) -> MakeWithClock:
        return lambda ttl, clock: CacheManager(tmp_path / "clocked", hot_cache_size_mb=0, ttl_seconds=ttl, clock=clock)


class TestRedisCache(CacheContract):
    @pytest.fixture
    def cache(self, redis_url: str, redis_prefix: str) -> Iterator[Cache]:
        cache = RedisCache(redis_url, prefix=redis_prefix, max_bytes=64 * 1024 * 1024)
        yield cache
        cache.clear()

    @pytest.fixture
    def make_cache_with_clock(self, redis_url: str, redis_prefix: str) -> MakeWithClock:
        return lambda ttl, clock: RedisCache(redis_url, prefix=redis_prefix + "clocked:", ttl_seconds=ttl, clock=clock)


class TestRedisCacheParquet(TestRedisCache):
    @pytest.fixture
    def cache(self, redis_url: str, redis_prefix: str) -> Iterator[Cache]:
        cache = RedisCache(redis_url, prefix=redis_prefix, max_bytes=64 * 1024 * 1024, format="parquet")
        yield cache
        cache.clear()


class TestCacheManagerWithRedis(CacheContract):
    @pytest.fixture
    def cache(self, tmp_path: Path, redis_url: str, redis_prefix: str) -> Iterator[Cache]:
        shared = RedisCache(redis_url, prefix=redis_prefix)
        yield CacheManager(tmp_path, hot_cache_size_mb=16, cold=shared)
        shared.clear()

    @pytest.fixture
    def make_cache_with_clock(self, tmp_path: Path, redis_url: str, redis_prefix: str) -> MakeWithClock:
        def make(ttl: float, clock: Callable[[], float]) -> Cache:
            shared = RedisCache(redis_url, prefix=redis_prefix, ttl_seconds=ttl, clock=clock)
            return CacheManager(tmp_path, ttl_seconds=ttl, clock=clock, cold=shared)

        return make


class TestTwoTierOverTwoMemoryTiers(CacheContract):
    @pytest.fixture
    def cache(self) -> Cache:
        return TwoTierCache(LruCache(1024), LruCache(64 * 1024 * 1024))

    @pytest.fixture
    def make_cache_with_clock(self) -> MakeWithClock:
        return lambda ttl, clock: TwoTierCache(
            LruCache(1024, ttl_seconds=ttl, clock=clock), LruCache(64 * 1024 * 1024, ttl_seconds=ttl, clock=clock)
        )
