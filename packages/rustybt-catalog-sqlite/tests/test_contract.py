"""The ``Catalog`` contract, against a SQLite file and a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rustybt.catalog.sqlite import DataCatalog
from rustybt.contract.catalog import CatalogContract
from rustybt.contract.version_log import VersionLogContract
from rustybt.domain.ports.version_log import VersionLog


class TestSqliteFileCatalog(CatalogContract):
    @pytest.fixture
    def catalog(self, tmp_path: Path, open_catalog: Callable[..., DataCatalog]) -> DataCatalog:
        return open_catalog(tmp_path / "metadata.db")


@pytest.mark.services
class TestPostgresCatalog(CatalogContract):
    @pytest.fixture
    def catalog(self, postgres_url: str, open_catalog: Callable[..., DataCatalog]) -> DataCatalog:
        return open_catalog(postgres_url)


class TestSqliteFileVersionLog(VersionLogContract):
    @pytest.fixture
    def make_log(self, tmp_path: Path, open_catalog: Callable[..., DataCatalog]) -> Callable[..., VersionLog]:
        return lambda clock: open_catalog(tmp_path / "metadata.db", clock=clock)


@pytest.mark.services
class TestPostgresVersionLog(VersionLogContract):
    @pytest.fixture
    def make_log(self, postgres_url: str, open_catalog: Callable[..., DataCatalog]) -> Callable[..., VersionLog]:
        return lambda clock: open_catalog(postgres_url, clock=clock)
