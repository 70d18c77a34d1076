"""The two-tier cache: hot → cold (promotion) → miss, TTL and checksum invalidation, stats."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from rustybt.cache import CacheManager, DiskCache, LruCache, TwoTierCache
from rustybt.domain.cache_key import CacheKey
from rustybt.domain.fakes import InMemoryCache

QUERY = (["AAPL", "IBM", "KO", "MSFT"], "2012-01-03", "2014-12-31", "1d", "csvdir")


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def manager(tmp_path: Path, clock: Clock) -> CacheManager:
    return CacheManager(tmp_path, hot_cache_size_mb=8, cold_cache_size_mb=64, ttl_seconds=100, clock=clock)


def test_spec_constructor_and_defaults(tmp_path: Path) -> None:
    cache = CacheManager(tmp_path)
    assert (cache.hot_cache_size_mb, cache.cold_cache_size_mb, cache.ttl_seconds) == (1024, 51200, 604800)
    assert isinstance(cache.hot, LruCache) and cache.hot.max_bytes == 1024 * 1024 * 1024
    assert isinstance(cache.cold, DiskCache) and cache.cold.root == tmp_path / "cold_cache"
    assert cache.cold.max_bytes == 51200 * 1024 * 1024
    assert CacheManager._generate_cache_key(*QUERY) == CacheKey.of(*QUERY).digest


def test_a_put_writes_through_and_a_cold_hit_is_promoted(manager: CacheManager, real_bars: pl.DataFrame) -> None:
    key = manager.put(*QUERY, real_bars)
    assert manager.cold is not None and Path(manager.cold.root, f"{key}.parquet").is_file()
    manager.hot.clear()
    got = manager.get(*QUERY)
    assert got is not None and got.collect().equals(real_bars)
    assert key in manager.hot  # type: ignore[operator]
    again = manager.get(*QUERY)
    assert again is not None
    stats = manager.get_stats()
    assert (stats.tiers["hot"].hits, stats.tiers["hot"].misses) == (1, 1)
    assert (stats.tiers["cold"].hits, stats.tiers["cold"].misses) == (1, 0)
    assert (stats.hits, stats.misses) == (2, 0)


def test_promotion_keeps_the_original_storage_time(manager: CacheManager, clock: Clock, real_bars: pl.DataFrame) -> None:
    manager.put(*QUERY, real_bars)
    manager.hot.clear()
    clock.now += 90
    assert manager.get(*QUERY) is not None  # promoted 90 s after it was stored
    clock.now += 11
    assert manager.get(*QUERY) is None  # 101 s old: expired in both tiers
    stats = manager.get_stats()
    assert stats.tiers["hot"].expirations == 1
    assert stats.tiers["cold"].expirations == 1
    assert stats.tiers["cold"].entries == 0


def test_promotion_keeps_the_checksum(manager: CacheManager, real_bars: pl.DataFrame) -> None:
    manager.put(*QUERY, real_bars, checksum="sha-1")
    manager.hot.clear()
    assert manager.get(*QUERY) is not None  # no checksum asked: promoted with "sha-1"
    assert manager.get(*QUERY, checksum="sha-1") is not None
    assert manager.get(*QUERY, checksum="sha-2") is None
    stats = manager.get_stats()
    assert stats.tiers["hot"].invalidations == 1 and stats.tiers["cold"].invalidations == 1
    assert stats.tiers["hot"].entries == stats.tiers["cold"].entries == 0


def test_a_changed_dataset_checksum_drops_the_entry_everywhere(manager: CacheManager, real_bars: pl.DataFrame) -> None:
    manager.put(*QUERY, real_bars, checksum="before-ingest")
    assert manager.get(*QUERY, checksum="after-ingest") is None
    assert manager.get(*QUERY) is None
    assert manager.cold is not None and not any(Path(manager.cold.root).glob("*.parquet"))


def test_invalidate_and_clear_reach_both_tiers(manager: CacheManager, real_bars: pl.DataFrame) -> None:
    key = manager.put(*QUERY, real_bars)
    manager.put(["KO"], *QUERY[1:], real_bars.head(4))
    assert manager.invalidate(key) is True
    assert manager.invalidate(key) is False
    manager.hot.clear()
    assert manager.get(*QUERY) is None
    assert manager.get(["KO"], *QUERY[1:]) is not None
    manager.clear()
    stats = manager.get_stats()
    assert stats.tiers["hot"].entries == stats.tiers["cold"].entries == 0
    assert stats.size_bytes == 0


def test_stats_report_every_counter_per_tier(manager: CacheManager, real_bars: pl.DataFrame) -> None:
    manager.get(*QUERY)
    manager.put(*QUERY, real_bars)
    manager.get(*QUERY)
    report = manager.get_stats().to_dict()
    assert report["hits"] == 1 and report["misses"] == 1 and report["hit_rate"] == 0.5
    for tier in ("hot", "cold"):
        assert {"hits", "misses", "hit_rate", "evictions", "bytes", "entries", "corrupt"} <= set(report["tiers"][tier])
        assert report["tiers"][tier]["entries"] == 1 and report["tiers"][tier]["bytes"] > 0
    assert report["tiers"]["hot"]["bytes"] == real_bars.estimated_size()


def test_hot_evictions_fall_back_to_the_cold_tier(tmp_path: Path, real_bars: pl.DataFrame) -> None:
    budget_mb = real_bars.estimated_size() * 1.5 / (1024 * 1024)
    cache = CacheManager(tmp_path, hot_cache_size_mb=budget_mb)
    cache.put(["AAPL"], *QUERY[1:], real_bars)
    cache.put(["IBM"], *QUERY[1:], real_bars)
    assert cache.get_stats().tiers["hot"].evictions == 1
    got = cache.get(["AAPL"], *QUERY[1:])
    assert got is not None and got.collect().equals(real_bars)
    assert cache.get_stats().tiers["cold"].hits == 1


def test_any_cache_port_can_be_a_tier(real_bars: pl.DataFrame) -> None:
    cold = InMemoryCache()
    cache = TwoTierCache(LruCache(), cold)
    cache.put(*QUERY, real_bars, checksum="c1")
    cache.hot.clear()
    assert cache.get(*QUERY, checksum="c1") is not None
    assert cache.get(*QUERY, checksum="c2") is None
    assert cold.get(*QUERY) is None


def test_cleanup_runs_the_disk_tier_cleanup(manager: CacheManager) -> None:
    result = manager.cleanup()
    assert result is not None and result.entries == 0


def test_write_behind_never_serves_a_stale_cold_entry(tmp_path: Path, real_bars: pl.DataFrame) -> None:
    cache = CacheManager(tmp_path, hot_cache_size_mb=0, write_behind=True)  # every get reaches the disk
    try:
        for n in range(1, 30):
            cache.put(*QUERY, real_bars.head(n))
            got = cache.get(*QUERY)
            assert got is not None and got.collect().height == n
        cache.put(*QUERY, real_bars)
        assert cache.invalidate(CacheKey.of(*QUERY)) is True  # queued behind the pending write
        assert cache.get(*QUERY) is None
        cache.put(["KO"], *QUERY[1:], real_bars)
        cache.clear()
        assert not list((tmp_path / "cold_cache").iterdir())
    finally:
        cache.close()


def test_write_behind_puts_reach_the_disk_after_flush(tmp_path: Path, real_bars: pl.DataFrame) -> None:
    cache = CacheManager(tmp_path, write_behind=True)
    key = cache.put(*QUERY, real_bars, checksum="c")
    cache.flush()
    assert (tmp_path / "cold_cache" / f"{key}.parquet").is_file()
    cache.close()
    other = DiskCache(tmp_path)
    got = other.get(*QUERY, checksum="c")
    assert got is not None and got.collect().equals(real_bars)
