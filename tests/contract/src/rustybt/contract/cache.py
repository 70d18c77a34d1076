"""Contract every ``Cache`` honours."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import pytest

from rustybt.contract.cache_arguments import CacheArgumentsContract
from rustybt.contract.samples import daily_bars
from rustybt.domain.cache_key import CacheKey
from rustybt.domain.ports.cache import Cache, CacheStats

QUERY = (["MSFT", "AAPL"], "2024-01-01", "2024-03-31", "1d", "yfinance")
CacheWithClock = Callable[[float, Callable[[], float]], Cache]


class CacheContract(CacheArgumentsContract):
    """Override ``cache`` (an empty cache). To run the TTL tests, override
    ``make_cache_with_clock``: (ttl_seconds, clock) → an empty cache reading time from clock."""

    @pytest.fixture
    def cache(self) -> Cache:
        raise NotImplementedError("override `cache`")

    @pytest.fixture
    def make_cache_with_clock(self) -> CacheWithClock | None:
        return None

    @pytest.fixture
    def frame(self) -> pl.DataFrame:
        return daily_bars()

    def test_miss_is_none(self, cache: Cache) -> None:
        assert cache.get(*QUERY) is None
        assert cache.get_entry("0" * 64) is None

    def test_round_trip_is_exact_and_lazy(self, cache: Cache, frame: pl.DataFrame) -> None:
        key = cache.put(*QUERY, frame)
        got = cache.get(*QUERY)
        assert isinstance(got, pl.LazyFrame)
        assert got.collect().equals(frame)
        assert key == CacheKey.of(*QUERY).digest

    def test_key_ignores_symbol_order(self, cache: Cache, frame: pl.DataFrame) -> None:
        cache.put(["AAPL", "MSFT"], *QUERY[1:], frame)
        got = cache.get(["MSFT", "AAPL"], *QUERY[1:])
        assert got is not None

    def test_entry_api_with_key_objects(self, cache: Cache, frame: pl.DataFrame) -> None:
        key = CacheKey.of(*QUERY)
        cache.put_entry(key, frame.lazy())
        got = cache.get_entry(key)
        assert got is not None and got.collect().equals(frame)
        got_by_digest = cache.get_entry(key.digest)
        assert got_by_digest is not None

    def test_other_queries_miss(self, cache: Cache, frame: pl.DataFrame) -> None:
        cache.put(*QUERY, frame)
        assert cache.get(["AAPL"], *QUERY[1:]) is None
        assert cache.get(QUERY[0], "2024-01-02", *QUERY[2:]) is None
        assert cache.get(*QUERY[:3], "1h", QUERY[4]) is None
        assert cache.get(*QUERY[:4], "csv:x") is None

    def test_put_replaces(self, cache: Cache, frame: pl.DataFrame) -> None:
        cache.put(*QUERY, frame)
        cache.put(*QUERY, frame.head(3))
        got = cache.get(*QUERY)
        assert got is not None and got.collect().height == 3

    def test_checksum_mismatch_is_a_miss_and_drops_the_entry(self, cache: Cache, frame: pl.DataFrame) -> None:
        cache.put(*QUERY, frame, checksum="old")
        assert cache.get(*QUERY, checksum="old") is not None
        assert cache.get(*QUERY, checksum="new") is None
        assert cache.get(*QUERY) is None

    def test_invalidate(self, cache: Cache, frame: pl.DataFrame) -> None:
        key = cache.put(*QUERY, frame)
        assert cache.invalidate(key) is True
        assert cache.get(*QUERY) is None
        assert cache.invalidate(key) is False

    def test_clear(self, cache: Cache, frame: pl.DataFrame) -> None:
        cache.put(*QUERY, frame)
        cache.put(["IBM"], *QUERY[1:], frame.head(2))
        cache.clear()
        assert cache.get(*QUERY) is None
        assert cache.get(["IBM"], *QUERY[1:]) is None

    def test_stats_count_hits_and_misses(self, cache: Cache, frame: pl.DataFrame) -> None:
        before = cache.get_stats()
        assert isinstance(before, CacheStats)
        cache.get(*QUERY)
        cache.put(*QUERY, frame)
        cache.get(*QUERY)
        cache.get(*QUERY)
        stats = cache.get_stats()
        assert stats.hits - before.hits == 2
        assert stats.misses - before.misses == 1
        assert 0.0 < stats.hit_rate <= 1.0
        assert stats["hits"] == stats.hits
        assert stats.entry_count >= 1
        assert stats.size_bytes > 0
        assert stats.tiers

    def test_ttl_expiry(self, make_cache_with_clock: CacheWithClock | None, frame: pl.DataFrame) -> None:
        if make_cache_with_clock is None:
            pytest.skip("this cache's clock cannot be driven by the test (override make_cache_with_clock)")
        now = [1_000_000.0]
        cache = make_cache_with_clock(60.0, lambda: now[0])
        cache.put(*QUERY, frame)
        now[0] += 59
        assert cache.get(*QUERY) is not None
        now[0] += 2
        assert cache.get(*QUERY) is None
