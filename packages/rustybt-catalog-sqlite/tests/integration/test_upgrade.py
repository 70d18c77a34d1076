"""Older databases are upgraded in place; newer ones are refused with a clear error."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from rustybt.catalog.sqlite import SCHEMA_VERSION, DataCatalog
from rustybt.domain.dataset import SymbolRange
from rustybt.domain.errors import SchemaVersionError

UTC = timezone.utc

# The spec's "SQLite Metadata Catalog Schema", verbatim: schema version 1.
SPEC_SQLITE_DDL = """
CREATE TABLE datasets (
    dataset_id TEXT PRIMARY KEY, source TEXT NOT NULL, resolution TEXT NOT NULL,
    start_date INTEGER NOT NULL, end_date INTEGER NOT NULL, checksum TEXT NOT NULL,
    parquet_path TEXT NOT NULL, created_at INTEGER NOT NULL, last_updated INTEGER NOT NULL,
    row_count INTEGER NOT NULL, size_bytes INTEGER NOT NULL
);
CREATE INDEX idx_datasets_source ON datasets(source);
CREATE INDEX idx_datasets_resolution ON datasets(resolution);
CREATE INDEX idx_datasets_dates ON datasets(start_date, end_date);
CREATE TABLE symbols (
    symbol_id INTEGER PRIMARY KEY AUTOINCREMENT, dataset_id TEXT NOT NULL, symbol TEXT NOT NULL,
    asset_type TEXT NOT NULL, exchange TEXT, metadata TEXT,
    FOREIGN KEY(dataset_id) REFERENCES datasets(dataset_id), UNIQUE(dataset_id, symbol)
);
CREATE INDEX idx_symbols_dataset ON symbols(dataset_id);
CREATE INDEX idx_symbols_symbol ON symbols(symbol);
CREATE TABLE date_ranges (
    range_id INTEGER PRIMARY KEY AUTOINCREMENT, dataset_id TEXT NOT NULL, symbol TEXT NOT NULL,
    start_date INTEGER NOT NULL, end_date INTEGER NOT NULL, bar_count INTEGER NOT NULL,
    has_gaps BOOLEAN DEFAULT 0, FOREIGN KEY(dataset_id) REFERENCES datasets(dataset_id)
);
CREATE INDEX idx_date_ranges_dataset ON date_ranges(dataset_id);
CREATE INDEX idx_date_ranges_symbol ON date_ranges(symbol);
CREATE TABLE checksums (
    checksum_id INTEGER PRIMARY KEY AUTOINCREMENT, dataset_id TEXT NOT NULL, file_path TEXT NOT NULL,
    checksum TEXT NOT NULL, last_validated INTEGER NOT NULL,
    FOREIGN KEY(dataset_id) REFERENCES datasets(dataset_id), UNIQUE(dataset_id, file_path)
);
CREATE INDEX idx_checksums_dataset ON checksums(dataset_id);
CREATE TABLE backtest_data_links (
    link_id INTEGER PRIMARY KEY AUTOINCREMENT, backtest_id TEXT NOT NULL, dataset_id TEXT NOT NULL,
    cached_at INTEGER NOT NULL, cache_key TEXT NOT NULL,
    FOREIGN KEY(dataset_id) REFERENCES datasets(dataset_id)
);
CREATE INDEX idx_backtest_links_backtest ON backtest_data_links(backtest_id);
CREATE INDEX idx_backtest_links_dataset ON backtest_data_links(dataset_id);
CREATE INDEX idx_backtest_links_cache_key ON backtest_data_links(cache_key);
"""
# The same layout in PostgreSQL's dialect (SERIAL for AUTOINCREMENT).
SPEC_POSTGRES_DDL = SPEC_SQLITE_DDL.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "SERIAL PRIMARY KEY").replace(
    "BOOLEAN DEFAULT 0", "BOOLEAN DEFAULT false"
)

JAN2, MAR28 = 1704153600, 1711584000  # 2024-01-02, 2024-03-28 00:00 UTC, in seconds
V1_ROWS = [
    "INSERT INTO datasets VALUES ('old-1', 'yfinance', '1d', 1704067200, 1711929599, 'c1', 'bundles/a', 1704100000, 1704100000, 120, 4096)",
    "INSERT INTO datasets VALUES ('old-2', 'yfinance', '1d', 1704067200, 1711929599, 'c2', 'bundles/b', 1704200000, 1704200000, 60, 2048)",
    "INSERT INTO symbols (dataset_id, symbol, asset_type, exchange) VALUES ('old-1', 'AAPL', 'equity', 'NASDAQ')",
    "INSERT INTO symbols (dataset_id, symbol, asset_type, exchange) VALUES ('old-1', 'MSFT', 'equity', 'NASDAQ')",
    "INSERT INTO symbols (dataset_id, symbol, asset_type, exchange) VALUES ('old-2', 'AAPL', 'equity', 'NASDAQ')",
    f"INSERT INTO date_ranges (dataset_id, symbol, start_date, end_date, bar_count) VALUES ('old-1', 'AAPL', {JAN2}, {MAR28}, 61)",
    "INSERT INTO checksums (dataset_id, file_path, checksum, last_validated) VALUES ('old-1', 'f1', 'a', 1704100000)",
    "INSERT INTO backtest_data_links (backtest_id, dataset_id, cached_at, cache_key) VALUES ('bt', 'old-1', 1704300000, 'k')",
]


def _make_v1(url: str, ddl: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in [*ddl.split(";"), *V1_ROWS]:
            if statement.strip():
                conn.execute(text(statement))
    engine.dispose()


@pytest.fixture
def v1_url(database_url: str) -> str:
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    _make_v1(database_url, SPEC_POSTGRES_DDL if database_url.startswith("postgresql") else SPEC_SQLITE_DDL)
    return database_url


def test_spec_database_is_upgraded_in_place(v1_url: str, open_catalog: Callable[..., DataCatalog]) -> None:
    catalog = open_catalog(v1_url)
    assert catalog.upgraded_from == 1
    old = catalog.get_dataset_info("old-1")
    assert old.start_date == datetime(2024, 1, 1, tzinfo=UTC)
    assert old.end_date == datetime(2024, 3, 31, 23, 59, 59, tzinfo=UTC)
    assert old.symbols == ("AAPL", "MSFT")
    assert old.date_ranges == (
        SymbolRange("AAPL", datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 3, 28, tzinfo=UTC), 61, False),
    )
    assert old.file_checksums == {"f1": "a"} and old.status == "complete" and old.bundle is None
    assert catalog.get_datasets_for_backtest("bt") == ["old-1"]
    # The later of two equally fresh datasets is "newest"; old rows got an insertion order.
    assert catalog.find_dataset(["AAPL"], "2024-02-01", "2024-02-29", "1d") == "old-2"
    new = catalog.register_dataset("yfinance", ["AAPL"], "2024-01-01", "2024-03-31", "1d", "c3")
    assert catalog.find_dataset(["AAPL"], "2024-02-01", "2024-02-29", "1d") == new
    assert catalog.assign_sid("NASDAQ", "AAPL") == catalog.lookup_sid("NASDAQ", "AAPL")
    assert [e.operation for e in catalog.audit_log()][:1] == ["upgrade"]
    assert catalog.audit_log(operation="upgrade")[0].detail == {"from_version": 1, "to_version": SCHEMA_VERSION}


def test_upgrade_happens_once(v1_url: str, open_catalog: Callable[..., DataCatalog]) -> None:
    open_catalog(v1_url)
    again = open_catalog(v1_url)
    assert again.upgraded_from == SCHEMA_VERSION
    assert len(again.audit_log(operation="upgrade")) == 1
    assert again.get_dataset_info("old-2").row_count == 60


def test_newer_database_is_refused_and_left_unchanged(
    sqlite_url: str, open_catalog: Callable[..., DataCatalog]
) -> None:
    catalog = open_catalog(sqlite_url)
    ident = catalog.register_dataset("yfinance", ["AAPL"], "2024-01-01", "2024-03-31", "1d", "c")
    with catalog.engine.begin() as conn:
        conn.execute(text("INSERT INTO schema_version VALUES (:v, 0, 'from the future')"), {"v": SCHEMA_VERSION + 1})
    catalog.close()
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    before = path.read_bytes()
    with pytest.raises(
        SchemaVersionError, match=rf"schema version {SCHEMA_VERSION + 1}.*up to {SCHEMA_VERSION}.*upgrade"
    ):
        DataCatalog(sqlite_url)
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT dataset_id FROM datasets").fetchall() == [(ident,)]
    assert path.read_bytes() == before
