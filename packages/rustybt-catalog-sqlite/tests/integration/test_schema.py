"""The database layout: the spec's tables, columns, constraints and indexes, plus assets,
audit_log and schema_version; SQLite settings; private files."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from rustybt.catalog.sqlite import SCHEMA_VERSION, DataCatalog

UTC = timezone.utc
SPEC_COLUMNS = {
    "datasets": {"dataset_id", "source", "resolution", "start_date", "end_date", "checksum", "parquet_path",
                 "created_at", "last_updated", "row_count", "size_bytes"},
    "symbols": {"symbol_id", "dataset_id", "symbol", "asset_type", "exchange", "metadata"},
    "date_ranges": {"range_id", "dataset_id", "symbol", "start_date", "end_date", "bar_count", "has_gaps"},
    "checksums": {"checksum_id", "dataset_id", "file_path", "checksum", "last_validated"},
    "backtest_data_links": {"link_id", "backtest_id", "dataset_id", "cached_at", "cache_key"},
}  # fmt: skip
SPEC_INDEXES = {
    "datasets": {"idx_datasets_source": ["source"], "idx_datasets_resolution": ["resolution"],
                 "idx_datasets_dates": ["start_date", "end_date"]},
    "symbols": {"idx_symbols_dataset": ["dataset_id"], "idx_symbols_symbol": ["symbol", "dataset_id"]},
    "date_ranges": {"idx_date_ranges_dataset": ["dataset_id"], "idx_date_ranges_symbol": ["symbol"]},
    "checksums": {"idx_checksums_dataset": ["dataset_id"]},
    "backtest_data_links": {"idx_backtest_links_backtest": ["backtest_id"],
                            "idx_backtest_links_dataset": ["dataset_id"],
                            "idx_backtest_links_cache_key": ["cache_key"]},
}  # fmt: skip


def test_spec_tables_columns_indexes_and_keys(catalog: DataCatalog) -> None:
    inspector = inspect(catalog.engine)
    assert set(SPEC_COLUMNS) | {"assets", "audit_log", "schema_version"} <= set(inspector.get_table_names())
    for table, columns in SPEC_COLUMNS.items():
        assert columns <= {c["name"] for c in inspector.get_columns(table)}, table
        indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes(table)}
        for name, cols in SPEC_INDEXES[table].items():
            assert indexes.get(name) == cols, (table, name, indexes)
        if table != "datasets":
            fks = inspector.get_foreign_keys(table)
            assert [(f["referred_table"], f["constrained_columns"]) for f in fks] == [("datasets", ["dataset_id"])]
    uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("symbols")}
    assert ("dataset_id", "symbol") in uniques
    assert ("dataset_id", "file_path") in {
        tuple(u["column_names"]) for u in inspector.get_unique_constraints("checksums")
    }
    assert ("exchange", "symbol") in {tuple(u["column_names"]) for u in inspector.get_unique_constraints("assets")}
    assert {"status", "bundle", "seq"} <= {c["name"] for c in inspector.get_columns("datasets")}
    audit_columns = {c["name"] for c in inspector.get_columns("audit_log")}
    assert {"at", "os_user", "pid", "operation", "dataset_id", "rows", "checksum"} <= audit_columns


def test_schema_version_is_recorded(catalog: DataCatalog) -> None:
    with catalog.engine.connect() as conn:
        versions = conn.execute(text("SELECT version FROM schema_version")).scalars().all()
    assert versions == [SCHEMA_VERSION]
    assert catalog.upgraded_from == 0


def test_times_are_integer_microseconds(catalog: DataCatalog) -> None:
    start = datetime(2024, 1, 2, 9, 30, 0, 123456, tzinfo=UTC)
    ident = catalog.register_dataset("csv:x", ["A"], start, "2024-01-05", "1m", "c" * 64)
    with catalog.engine.connect() as conn:
        row = conn.execute(text("SELECT start_date, end_date FROM datasets WHERE dataset_id = :i"), {"i": ident}).one()
    assert row == (1704187800123456, 1704499199999999)
    assert catalog.get_dataset_info(ident).start_date == start


def test_status_is_constrained_by_the_database(catalog: DataCatalog) -> None:
    ident = catalog.register_dataset("csv:x", ["A"], "2024-01-01", "2024-01-05", "1d", "c" * 64)
    with catalog.engine.connect() as conn, pytest.raises(IntegrityError, match=r"(?i)check"):
        conn.execute(text("UPDATE datasets SET status = 'half' WHERE dataset_id = :i"), {"i": ident})


def test_sqlite_runs_wal_with_foreign_keys_and_busy_timeout(
    tmp_path: Path, open_catalog: Callable[..., DataCatalog]
) -> None:
    catalog = open_catalog(tmp_path / "metadata.db", busy_timeout=2.5)
    with catalog.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 2500
    # WAL is a property of the file: a plain sqlite3 connection sees it too.
    with sqlite3.connect(tmp_path / "metadata.db") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_foreign_keys_are_enforced(tmp_path: Path, open_catalog: Callable[..., DataCatalog]) -> None:
    catalog = open_catalog(tmp_path / "metadata.db")
    with catalog.engine.connect() as conn, pytest.raises(IntegrityError, match="FOREIGN KEY"):
        conn.execute(text("INSERT INTO symbols (dataset_id, symbol, asset_type) VALUES ('nope', 'A', 'equity')"))


def test_new_database_is_private(tmp_path: Path, open_catalog: Callable[..., DataCatalog]) -> None:
    path = tmp_path / "home" / "nested" / "metadata.db"
    catalog = open_catalog(path)
    catalog.register_dataset("csv:x", ["A"], "2024-01-01", "2024-01-05", "1d", "c" * 64)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "home").stat().st_mode) == 0o700
    for sidecar in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        assert stat.S_IMODE(sidecar.stat().st_mode) & 0o077 == 0, sidecar


def test_existing_file_and_folder_modes_are_left_alone(
    tmp_path: Path, open_catalog: Callable[..., DataCatalog]
) -> None:
    folder = tmp_path / "team"
    folder.mkdir()
    os.chmod(folder, 0o755)
    path = folder / "metadata.db"
    path.touch()
    os.chmod(path, 0o640)
    open_catalog(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755


def test_modes_can_be_chosen(tmp_path: Path, open_catalog: Callable[..., DataCatalog]) -> None:
    path = tmp_path / "shared" / "metadata.db"
    open_catalog(path, file_mode=0o640, dir_mode=0o750)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o750
