"""The hot tier: a byte-bounded LRU of materialized frames."""

from __future__ import annotations

import polars as pl
import pytest

from rustybt.cache import LruCache
from rustybt.domain.cache_key import CacheKey
from rustybt.domain.errors import ConfigurationError

QUERY = (["AAPL", "MSFT"], "2012-01-03", "2014-12-31", "1d", "csvdir")


def _key(symbol: str) -> CacheKey:
    return CacheKey.of([symbol], "2012-01-03", "2014-12-31", "1d", "csvdir")


def test_bytes_are_measured_on_the_materialized_frame(real_bars: pl.DataFrame) -> None:
    cache = LruCache(64 * 1024 * 1024)
    lazy = real_bars.lazy().filter(pl.col("sid") <= 2)
    cache.put(*QUERY, lazy)
    stats = cache.get_stats().tiers["memory"]
    assert stats.bytes == lazy.collect().estimated_size()
    assert stats.entries == 1


def test_least_recently_used_goes_first_when_the_byte_budget_is_passed(real_bars: pl.DataFrame) -> None:
    one = real_bars.filter(pl.col("sid") == 1)
    size = int(one.estimated_size())
    cache = LruCache(2 * size + size // 2)
    a, b, c = _key("A"), _key("B"), _key("C")
    cache.put_entry(a, one)
    cache.put_entry(b, one)
    assert cache.get_entry(a) is not None  # a is now more recent than b
    cache.put_entry(c, one)
    assert b not in cache
    assert a in cache and c in cache
    stats = cache.get_stats().tiers["memory"]
    assert stats.evictions == 1
    assert stats.bytes == 2 * size <= cache.max_bytes


def test_many_small_entries_fit_where_one_large_one_would(real_bars: pl.DataFrame) -> None:
    small = real_bars.head(10)
    cache = LruCache(int(real_bars.estimated_size()) - 1)
    for i in range(50):
        cache.put_entry(_key(f"S{i}"), small)
    assert len(cache) == 50
    cache.put_entry(_key("BIG"), real_bars)
    assert _key("BIG") not in cache  # larger than the whole budget: not kept
    assert len(cache) == 50
    assert cache.get_stats().tiers["memory"].evictions == 1


def test_replacing_an_entry_keeps_the_byte_count_exact(real_bars: pl.DataFrame) -> None:
    cache = LruCache(64 * 1024 * 1024)
    cache.put(*QUERY, real_bars)
    cache.put(*QUERY, real_bars.head(5))
    assert cache.get_stats().tiers["memory"].bytes == real_bars.head(5).estimated_size()
    cache.invalidate(CacheKey.of(*QUERY))
    assert cache.get_stats().tiers["memory"].bytes == 0


def test_a_hit_hands_out_the_stored_frame_without_copying(real_bars: pl.DataFrame) -> None:
    cache = LruCache()
    key = CacheKey.of(*QUERY)
    cache.put_entry(key, real_bars)
    first, second = cache.get_entry(key), cache.get(*QUERY)
    assert first is not None and first is second
    assert first.collect().equals(real_bars)


def test_query_keys_are_memoized_and_match_the_spec_key(real_bars: pl.DataFrame) -> None:
    cache = LruCache()
    digest = cache.put(*QUERY, real_bars)
    assert digest == CacheKey.of(*QUERY).digest
    assert cache.get(list(reversed(QUERY[0])), *QUERY[1:]) is not None
    for i in range(1100):  # more distinct queries than the memo keeps
        cache.get([f"X{i}"], *QUERY[1:])
    assert len(cache._memo._digests) <= 1024
    assert cache.get(*QUERY) is not None


def test_expired_and_invalidated_entries_are_counted_apart(real_bars: pl.DataFrame) -> None:
    now = [1000.0]
    cache = LruCache(ttl_seconds=10, clock=lambda: now[0])
    cache.put(*QUERY, real_bars, checksum="v1")
    cache.put(["IBM"], *QUERY[1:], real_bars, checksum="v1")
    assert cache.get(*QUERY, checksum="v2") is None
    now[0] += 11
    assert cache.get(["IBM"], *QUERY[1:]) is None
    tier = cache.get_stats().tiers["memory"]
    assert (tier.invalidations, tier.expirations, tier.misses, tier.entries, tier.bytes) == (1, 1, 2, 0, 0)


def test_no_ttl_keeps_entries_forever(real_bars: pl.DataFrame) -> None:
    now = [0.0]
    cache = LruCache(ttl_seconds=None, clock=lambda: now[0])
    cache.put(*QUERY, real_bars)
    now[0] += 10 * 365 * 24 * 3600
    assert cache.get(*QUERY) is not None


def test_a_negative_budget_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="max_bytes"):
        LruCache(-1)
