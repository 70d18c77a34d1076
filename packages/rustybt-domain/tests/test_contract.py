"""The in-memory fakes honour every port contract."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import polars as pl
import pytest

from rustybt.contract.bar_reader import BarReaderContract
from rustybt.contract.bar_writer import BarWriterContract
from rustybt.contract.cache import CacheContract
from rustybt.contract.catalog import CatalogContract
from rustybt.contract.data_source import DataSourceContract
from rustybt.contract.samples import sample_bars
from rustybt.contract.version_log import VersionLogContract
from rustybt.domain.bar import Bar
from rustybt.domain.fakes import (
    InMemoryBarReader,
    InMemoryBarWriter,
    InMemoryCache,
    InMemoryCatalog,
    InMemoryDataSource,
    InMemoryVersionLog,
)
from rustybt.domain.ports import BarReader, Cache, VersionLog


class TestInMemoryDailyBarReader(BarReaderContract):
    @pytest.fixture
    def make_reader(self) -> Callable[[pl.DataFrame, str], BarReader]:
        return lambda frame, kind: InMemoryBarReader(frame, kind)


class TestInMemoryMinuteBarReader(TestInMemoryDailyBarReader):
    @pytest.fixture
    def storage_kind(self) -> str:
        return "minute"


class TestInMemoryReaderFromWriter(BarReaderContract):
    @pytest.fixture
    def make_reader(self) -> Callable[[pl.DataFrame, str], BarReader]:
        def make(frame: pl.DataFrame, kind: str) -> BarReader:
            writer = InMemoryBarWriter()
            resolution = "1d" if kind == "daily" else "1m"
            writer.write(frame.sort("sid", frame.columns[0]), resolution)
            return writer.reader(resolution)

        return make


class TestInMemoryDailyBarWriter(BarWriterContract):
    @pytest.fixture
    def writer(self) -> InMemoryBarWriter:
        return InMemoryBarWriter()


class TestInMemoryMinuteBarWriter(TestInMemoryDailyBarWriter):
    @pytest.fixture
    def storage_kind(self) -> str:
        return "minute"


class TestInMemoryCatalog(CatalogContract):
    @pytest.fixture
    def catalog(self) -> InMemoryCatalog:
        return InMemoryCatalog()


class TestInMemoryCache(CacheContract):
    @pytest.fixture
    def cache(self) -> InMemoryCache:
        return InMemoryCache()

    @pytest.fixture
    def make_cache_with_clock(self) -> Callable[[float, Callable[[], float]], Cache]:
        return lambda ttl, clock: InMemoryCache(ttl_seconds=ttl, clock=clock)


class TestInMemoryDataSource(DataSourceContract):
    @pytest.fixture
    def source(self) -> InMemoryDataSource:
        bars: dict[str, list[Bar]] = sample_bars(["AAPL", "MSFT"])
        return InMemoryDataSource(bars, name="memory")

    @pytest.fixture
    def symbols(self) -> list[str]:
        return ["AAPL", "MSFT"]


class TestInMemoryVersionLog(VersionLogContract):
    @pytest.fixture
    def make_log(self) -> Callable[[Callable[[], datetime]], VersionLog]:
        return lambda clock: InMemoryVersionLog(clock)


class TestInMemoryCatalogVersionLog(VersionLogContract):
    @pytest.fixture
    def make_log(self) -> Callable[[Callable[[], datetime]], VersionLog]:
        return lambda clock: InMemoryCatalog(clock)
