"""The container picks implementations by configuration alone."""

from __future__ import annotations

from pathlib import Path

from rustybt.app import build_container, load_settings
from rustybt.domain.fakes import InMemoryBarWriter, InMemoryCatalog


def test_in_memory_wiring(tmp_path: Path) -> None:
    env = {"RUSTYBT_CATALOG_KIND": "memory", "RUSTYBT_CACHE_KIND": "memory", "RUSTYBT_STORAGE_KIND": "memory"}
    app = build_container(load_settings(tmp_path, env=env))
    assert isinstance(app.catalog, InMemoryCatalog)
    assert app.catalog is app.catalog
    assert isinstance(app.writer("demo"), InMemoryBarWriter)
    assert app.writer("demo") is app.writer("demo")


def test_cache_kind_is_chosen_by_configuration(tmp_path: Path) -> None:
    from rustybt.cache import CacheManager, LruCache

    memory = build_container(load_settings(tmp_path, env={"RUSTYBT_CACHE_KIND": "memory", "RUSTYBT_HOT_CACHE_SIZE_MB": "8"}))
    assert isinstance(memory.cache, LruCache)
    assert memory.cache.max_bytes == 8 * 1024 * 1024
    disk = build_container(load_settings(tmp_path, env={"RUSTYBT_CACHE_KIND": "disk"}))
    assert isinstance(disk.cache, CacheManager)
    assert disk.cache is disk.cache


def test_sqlite_catalog_lives_in_home(tmp_path: Path) -> None:
    from rustybt.catalog.sqlite import DataCatalog

    app = build_container(load_settings(tmp_path, env={}))
    assert isinstance(app.catalog, DataCatalog)
    sid = app.catalog.assign_sid("NYSE", "IBM")
    assert (tmp_path / "metadata.db").exists()
    again = build_container(load_settings(tmp_path, env={}))
    assert again.catalog.lookup_sid("NYSE", "IBM") == sid


def test_redis_shared_tier_by_configuration(tmp_path: Path, redis_url: str) -> None:
    import polars as pl

    from rustybt.cache import CacheManager, RedisCache

    env = {"RUSTYBT_CACHE_KIND": "redis", "RUSTYBT_REDIS_URL": redis_url}
    first = build_container(load_settings(tmp_path / "a", env=env))
    assert isinstance(first.cache, CacheManager)
    assert isinstance(first.cache.cold, RedisCache)
    bars = pl.DataFrame({f: [1.0, 2.0, 3.0] for f in ("open", "high", "low", "close", "volume")})
    first.cache.put(["AAPL"], "2024-01-01", "2024-01-31", "1d", "test", bars)
    other_worker = build_container(load_settings(tmp_path / "b", env=env))  # another home: only Redis is shared
    got = other_worker.cache.get(["AAPL"], "2024-01-01", "2024-01-31", "1d", "test")
    assert got is not None and got.collect()["close"].to_list() == [1.0, 2.0, 3.0]


def test_price_class_files_are_chosen_by_configuration(tmp_path: Path) -> None:
    from rustybt.storage.parquet import ParquetWriter

    default = build_container(load_settings(tmp_path, env={})).writer("demo")
    assert isinstance(default, ParquetWriter) and default.price_class_files is False
    split = build_container(load_settings(tmp_path, env={"RUSTYBT_PARQUET_PRICE_CLASS_FILES": "true"})).writer("demo")
    assert isinstance(split, ParquetWriter) and split.price_class_files is True
