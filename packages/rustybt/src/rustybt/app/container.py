"""The container: the one place that chooses implementations.

Every choice comes from configuration (``Settings``): the catalog (sqlite | postgresql | memory),
the cache (memory | disk | redis), the bar storage (parquet | memory). Implementations are
imported lazily, so only the packages a configuration uses need to be installed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import polars as pl
from dependency_injector import containers, providers

from rustybt.app.config import Settings, load_settings
from rustybt.app.lazy import lazy
from rustybt.domain.cache_key import CacheKey
from rustybt.domain.dataset import COMPLETE, DatasetInfo
from rustybt.domain.fakes import InMemoryBarWriter, InMemoryCatalog
from rustybt.domain.ports import BarReader, BarWriter, Cache, Catalog
from rustybt.domain.resolution import Resolution
from rustybt.domain.schemas import FIELDS, STANDARD_OHLCV_SCHEMA
from rustybt.domain.validation import ValidationConfig

SqlCatalog = lazy("rustybt.catalog.sqlite:DataCatalog", "rustybt-catalog-sqlite")
CacheManager = lazy("rustybt.cache:CacheManager", "rustybt-cache")
LruCache = lazy("rustybt.cache:LruCache", "rustybt-cache")
RedisCache = lazy("rustybt.cache:RedisCache", "rustybt-cache[redis]")
ParquetWriter = lazy("rustybt.storage.parquet:ParquetWriter", "rustybt-storage-parquet")


class Container(containers.DeclarativeContainer):
    """Wires catalog, cache and bar storage from ``config`` (a dict shaped like ``Settings.values``)."""

    config = providers.Configuration()

    catalog = providers.Selector(
        config.catalog.kind,
        sqlite=providers.Singleton(SqlCatalog, config.catalog.resolved_url, root=config.home),
        postgresql=providers.Singleton(SqlCatalog, config.catalog.url, root=config.home),
        memory=providers.Singleton(InMemoryCatalog),
    )

    cache = providers.Selector(
        config.cache.kind,
        memory=providers.Singleton(
            LruCache,
            max_bytes=config.cache.hot_cache_bytes,
            ttl_seconds=config.cache.ttl_seconds,
        ),
        disk=providers.Singleton(
            CacheManager,
            cache_dir=config.cache.resolved_dir,
            hot_cache_size_mb=config.cache.hot_cache_size_mb,
            cold_cache_size_mb=config.cache.cold_cache_size_mb,
            ttl_seconds=config.cache.ttl_seconds,
        ),
        redis=providers.Singleton(
            CacheManager,
            cache_dir=config.cache.resolved_dir,
            hot_cache_size_mb=config.cache.hot_cache_size_mb,
            cold_cache_size_mb=config.cache.cold_cache_size_mb,
            ttl_seconds=config.cache.ttl_seconds,
            cold=providers.Singleton(
                RedisCache,
                url=config.cache.redis_url,
                max_bytes=config.cache.cold_cache_bytes,
                ttl_seconds=config.cache.ttl_seconds,
            ),
        ),
    )

    bar_writer = providers.Selector(
        config.storage.kind,
        parquet=providers.Factory(ParquetWriter, price_class_files=config.parquet.price_class_files),
        memory=providers.Factory(InMemoryBarWriter),
    )

    validation = providers.Singleton(
        ValidationConfig,
        ohlcv_checks=config.validation.ohlcv_checks,
        temporal_consistency=config.validation.temporal_consistency,
        completeness=config.validation.completeness,
        outlier_detection=config.validation.outlier_detection,
        outlier_std_threshold=config.validation.outlier_std_threshold,
        volume_spike_std_threshold=config.validation.volume_spike_std_threshold,
        reject_outliers=config.validation.reject_outliers,
        allow_negative_prices=config.validation.allow_negative_prices,
        allow_zero_prices=config.validation.allow_zero_prices,
    )


class App:
    """What commands use: settings, the container, and bundle-scoped storage."""

    def __init__(self, settings: Settings, container: Container) -> None:
        self.settings = settings
        self.container = container
        self._memory_writers: dict[str, InMemoryBarWriter] = {}
        self.cache_used = False

    @property
    def catalog(self) -> Catalog:
        return self.container.catalog()  # type: ignore[no-any-return]

    @property
    def cache(self) -> Cache:
        self.cache_used = True
        return self.container.cache()  # type: ignore[no-any-return]

    @property
    def cache_dir(self) -> Path:
        return self.settings.path("cache", "cache_dir")

    def writer(self, bundle: str) -> BarWriter:
        """The bar writer of bundle ``bundle`` (created on first write)."""
        if self.settings.section("storage")["kind"] == "memory":
            return self._memory_writers.setdefault(bundle, InMemoryBarWriter(f"memory://{bundle}"))
        return self.container.bar_writer(self.settings.bundle_dir(bundle))  # type: ignore[no-any-return]

    def reader(self, bundle: str, resolution: Resolution | str) -> BarReader:
        """A reader of the bundle that fails naming any file the catalog recorded that is gone."""
        root = self.settings.bundle_dir(bundle)
        return self.writer(bundle).reader(resolution, recorded_files=self.recorded_files(str(root), bundle))

    def dataset_reader(self, info: DatasetInfo) -> BarReader:
        """A reader over the store a registered dataset lives in."""
        if self.settings.section("storage")["kind"] == "memory" or not info.parquet_path:
            return self.reader(info.bundle or "default", info.resolution)
        writer: BarWriter = self.container.bar_writer(info.parquet_path)
        return writer.reader(info.resolution, recorded_files=self.recorded_files(info.parquet_path, info.bundle))

    def recorded_files(self, root: str, bundle: str | None) -> set[str]:
        """Every file the complete datasets stored under ``root`` recorded (relative paths)."""
        where = os.path.normpath(root)
        return {
            path
            for info in self.catalog.list_datasets(bundle=bundle)
            if info.status == COMPLETE and info.parquet_path and os.path.normpath(info.parquet_path) == where
            for path in info.file_checksums
        }

    def dataset_bars(self, info: DatasetInfo) -> pl.DataFrame:
        """The dataset's stored bars in the standard schema (symbol, timestamp, OHLCV), through
        the cache: keyed by the spec's cache key, valid while the dataset's checksum holds."""
        key = CacheKey.of(info.symbols, info.start_date, info.end_date, info.resolution, info.source)
        cached = self.cache.get_entry(key, checksum=info.checksum)
        if cached is not None:
            return cached.collect()
        frame = self._read_dataset(info)
        self.cache.put_entry(key, frame, checksum=info.checksum)
        return frame

    def _read_dataset(self, info: DatasetInfo) -> pl.DataFrame:
        exchange = info.exchange or info.source
        sids = {sid: symbol for symbol in info.symbols if (sid := self.catalog.lookup_sid(exchange, symbol)) is not None}
        if not sids:
            return pl.DataFrame(schema=STANDARD_OHLCV_SCHEMA)
        reader = self.dataset_reader(info)
        known = set(reader.sids())
        wanted = [sid for sid in sids if sid in known]
        if not wanted:
            return pl.DataFrame(schema=STANDARD_OHLCV_SCHEMA)
        frame = reader.load_raw_arrays(wanted, list(FIELDS), info.start_date, info.end_date).collect()
        time = pl.col(reader.time_column)
        stamp = time.cast(pl.Datetime("us", "UTC")) if reader.time_column == "date" else time
        return frame.select(
            pl.col("sid").replace_strict(sids, return_dtype=pl.String).alias("symbol"), stamp.alias("timestamp"), *FIELDS
        ).sort("symbol", "timestamp")

    def bundle_path(self, bundle: str) -> Path:
        return self.settings.bundle_dir(bundle)


def container_config(settings: Settings) -> dict[str, Any]:
    """``Settings`` as the container's configuration, with derived absolute paths and byte sizes."""
    values: dict[str, Any] = {k: dict(v) if isinstance(v, dict) else v for k, v in settings.values.items()}
    values["catalog"]["resolved_url"] = settings.catalog_url
    values["home"] = str(settings.home)
    values["cache"]["resolved_dir"] = str(settings.path("cache", "cache_dir"))
    values["cache"]["hot_cache_bytes"] = int(values["cache"]["hot_cache_size_mb"]) * 1024 * 1024
    values["cache"]["cold_cache_bytes"] = int(values["cache"]["cold_cache_size_mb"]) * 1024 * 1024
    return values


def build_container(settings: Settings | None = None) -> App:
    """The application object graph for ``settings`` (default: ``load_settings()``)."""
    settings = settings or load_settings()
    container = Container()
    container.config.from_dict(container_config(settings))
    return App(settings, container)
