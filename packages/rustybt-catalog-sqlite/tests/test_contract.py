"""The ``Catalog`` contract, against a SQLite file and a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rustybt.catalog.sqlite import DataCatalog
from rustybt.contract.catalog import CatalogContract


class TestSqliteFileCatalog(CatalogContract):
    @pytest.fixture
    def catalog(self, tmp_path: Path, open_catalog: Callable[..., DataCatalog]) -> DataCatalog:
        return open_catalog(tmp_path / "metadata.db")


@pytest.mark.services
class TestPostgresCatalog(CatalogContract):
    @pytest.fixture
    def catalog(self, postgres_url: str, open_catalog: Callable[..., DataCatalog]) -> DataCatalog:
        return open_catalog(postgres_url)
