"""The Redis tier against a real redis-server: expiry, byte budget, sharing, damage, outages."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import polars as pl
import pytest

from rustybt.contract.services import import_or_skip

redis = import_or_skip("redis", "rustybt-cache[redis]")
NoBackoff = import_or_skip("redis.backoff", "rustybt-cache[redis]").NoBackoff
Retry = import_or_skip("redis.retry", "rustybt-cache[redis]").Retry

from rustybt.cache import CacheManager, RedisCache, build_cache  # noqa: E402
from rustybt.cache.errors import CacheUnavailableError  # noqa: E402
from rustybt.domain.cache_key import CacheKey  # noqa: E402
from rustybt.domain.errors import NotInstalledError  # noqa: E402

QUERY = (["AAPL", "IBM", "KO", "MSFT"], "2012-01-03", "2014-12-31", "1d", "csvdir")
KEY = CacheKey.of(*QUERY)


def _key(symbol: str) -> CacheKey:
    return CacheKey.of([symbol], *QUERY[1:])


@pytest.fixture
def client(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


def test_entries_expire_through_redis(redis_url: str, redis_prefix: str, client: redis.Redis, real_bars: pl.DataFrame) -> None:
    cache = RedisCache(redis_url, prefix=redis_prefix, ttl_seconds=120)
    cache.put_entry(KEY, real_bars)
    remaining = client.pttl(f"{redis_prefix}e:{KEY.digest}")
    assert 110_000 < remaining <= 120_000
    forever = RedisCache(redis_url, prefix=redis_prefix + "forever:", ttl_seconds=None)
    forever.put_entry(KEY, real_bars)
    assert client.pttl(f"{redis_prefix}forever:e:{KEY.digest}") == -1


def test_an_expired_entry_leaves_the_index_and_the_byte_count(redis_url: str, redis_prefix: str, client: redis.Redis, real_bars: pl.DataFrame) -> None:
    cache = RedisCache(redis_url, prefix=redis_prefix)
    cache.put_entry(_key("A"), real_bars)
    cache.put_entry(_key("B"), real_bars.head(10))
    client.delete(f"{redis_prefix}e:{_key('A').digest}")  # what Redis does when the TTL runs out
    tier = cache.get_stats().tiers["redis"]
    assert tier.entries == 1
    assert tier.bytes == int(client.hget(f"{redis_prefix}sizes", _key("B").digest) or 0) > 0
    assert client.zcard(f"{redis_prefix}lru") == 1


def test_the_byte_budget_drops_the_least_recently_read(redis_url: str, redis_prefix: str, real_bars: pl.DataFrame) -> None:
    probe = RedisCache(redis_url, prefix=redis_prefix + "probe:")
    probe.put_entry(KEY, real_bars)
    size = probe.get_stats().tiers["redis"].bytes
    cache = RedisCache(redis_url, prefix=redis_prefix, max_bytes=2 * size + size // 2)
    cache.put_entry(_key("A"), real_bars)
    cache.put_entry(_key("B"), real_bars)
    assert cache.get_entry(_key("A")) is not None
    cache.put_entry(_key("C"), real_bars)
    assert cache.get_entry(_key("B")) is None
    assert cache.get_entry(_key("A")) is not None and cache.get_entry(_key("C")) is not None
    tier = cache.get_stats().tiers["redis"]
    assert tier.evictions == 1 and tier.entries == 2 and tier.bytes == 2 * size


def test_two_workers_share_entries_and_one_budget(redis_url: str, redis_prefix: str, real_bars: pl.DataFrame) -> None:
    first = RedisCache(redis_url, prefix=redis_prefix)
    second = RedisCache(redis_url, prefix=redis_prefix)
    first.put(*QUERY, real_bars, checksum="ds-1")
    got = second.get(*QUERY, checksum="ds-1")
    assert got is not None and got.collect().equals(real_bars)
    assert second.get(*QUERY, checksum="ds-2") is None  # a newer dataset: dropped for everyone
    assert first.get(*QUERY) is None
    size = len(real_bars.head(50).write_ipc(None, compression="zstd").getvalue())
    first.max_bytes = second.max_bytes = int(size * 2.5)
    for i, worker in enumerate([first, second, first, second]):
        worker.put_entry(_key(f"W{i}"), real_bars.head(50))
    assert first.get_stats().tiers["redis"].entries == 2


def test_parquet_bytes_are_an_option(redis_url: str, redis_prefix: str, client: redis.Redis, real_bars: pl.DataFrame) -> None:
    cache = RedisCache(redis_url, prefix=redis_prefix, format="parquet")
    cache.put_entry(KEY, real_bars)
    data = client.hget(f"{redis_prefix}e:{KEY.digest}", "data")
    assert data is not None and data[:4] == b"PAR1"
    got = cache.get_entry(KEY)
    assert got is not None and got.collect().equals(real_bars)


@pytest.mark.parametrize("fmt", ["ipc", "parquet"])
def test_a_damaged_entry_is_a_counted_miss_and_is_dropped(redis_url: str, redis_prefix: str, client: redis.Redis, real_bars: pl.DataFrame, fmt: str) -> None:
    cache = RedisCache(redis_url, prefix=redis_prefix, format=fmt)  # type: ignore[arg-type]
    cache.put_entry(KEY, real_bars)
    name = f"{redis_prefix}e:{KEY.digest}"
    data = bytearray(client.hget(name, "data") or b"")
    data[len(data) // 2] ^= 0x01
    client.hset(name, "data", bytes(data))
    assert cache.get_entry(KEY) is None
    assert not client.exists(name)
    tier = cache.get_stats().tiers["redis"]
    assert (tier.corrupt, tier.misses, tier.entries) == (1, 1, 0)


def test_a_missing_redis_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(NotInstalledError, match=r"rustybt-cache\[redis\]"):
        RedisCache("redis://127.0.0.1:1/0")


def _unreachable_client() -> tuple[redis.Redis, int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    return redis.Redis("127.0.0.1", port, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0)), port


def test_an_unreachable_server_is_a_miss_on_get_and_an_error_elsewhere(real_bars: pl.DataFrame) -> None:
    client, port = _unreachable_client()
    cache = RedisCache(client=client)
    assert cache.get_entry(KEY) is None
    with pytest.raises(CacheUnavailableError, match=f"127.0.0.1:{port}"):
        cache.put_entry(KEY, real_bars)
    with pytest.raises(CacheUnavailableError):
        cache.clear()


def test_the_manager_keeps_working_when_the_shared_tier_is_down(tmp_path: Path, real_bars: pl.DataFrame) -> None:
    shared = RedisCache(client=_unreachable_client()[0])
    cache = CacheManager(tmp_path, cold=shared)
    cache.put(*QUERY, real_bars)
    got = cache.get(*QUERY)
    assert got is not None and got.collect().equals(real_bars)
    assert cache.get(["KO"], *QUERY[1:]) is None


def test_clear_touches_only_its_own_prefix(redis_url: str, redis_prefix: str, real_bars: pl.DataFrame) -> None:
    mine = RedisCache(redis_url, prefix=redis_prefix + "a*[x]:")
    other = RedisCache(redis_url, prefix=redis_prefix + "ab:")
    mine.put_entry(KEY, real_bars)
    other.put_entry(KEY, real_bars)
    mine.clear()
    assert mine.get_entry(KEY) is None
    assert other.get_entry(KEY) is not None


def test_redis_as_the_shared_tier_by_configuration(tmp_path: Path, redis_url: str, redis_prefix: str, real_bars: pl.DataFrame) -> None:
    config = {"cache_dir": tmp_path, "shared": "redis", "redis_url": redis_url, "redis_prefix": redis_prefix}
    worker_a = build_cache("two-tier", **config)
    worker_b = build_cache("two-tier", **config)
    assert isinstance(worker_a, CacheManager) and isinstance(worker_a.cold, RedisCache)
    worker_a.put(*QUERY, real_bars, checksum="ds-1")
    got = worker_b.get(*QUERY, checksum="ds-1")  # a cold (Redis) hit, promoted in worker b
    assert got is not None and got.collect().equals(real_bars)
    assert worker_b.get(*QUERY) is not None
    stats = worker_b.get_stats()
    assert (stats.tiers["cold"].hits, stats.tiers["hot"].hits) == (1, 1)
    assert not (tmp_path / "cold_cache").exists() or not any((tmp_path / "cold_cache").iterdir())
    alone = build_cache("redis", redis_url=redis_url, redis_prefix=redis_prefix)
    assert isinstance(alone, RedisCache) and alone.get(*QUERY) is not None
