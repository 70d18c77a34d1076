"""Every change to the catalog leaves an audit entry: when, who (OS user, pid), what."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from rustybt.catalog.sqlite import AuditEntry, DataCatalog

UTC = timezone.utc


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 6, 1, 12, 0, 0, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def test_every_modification_is_audited(database_url: str, open_catalog: Callable[..., DataCatalog]) -> None:
    clock = Clock()
    catalog = open_catalog(database_url, clock=clock)
    files = {"daily_bars/year=2024/month=01/data.parquet": "a" * 64}
    ident = catalog.register_dataset("yfinance", ["AAPL", "MSFT"], "2024-01-01", "2024-01-31", "1d", "c" * 64,
                                     parquet_path="bundles/x", row_count=42, file_checksums=files)  # fmt: skip
    registered_at = catalog.get_dataset_info(ident).created_at
    catalog.update_dataset(ident, row_count=50, checksum="d" * 64)
    catalog.update_file_checksums("bundles/x", {"daily_bars/year=2024/month=01/data.parquet": "e" * 64})
    catalog.mark_validated(ident)
    catalog.link_backtest_to_dataset("bt-1", ident, datetime.now(UTC), "key")
    catalog.assign_sid("NASDAQ", "AAPL")
    catalog.assign_sid("NASDAQ", "AAPL")  # already known: no change, no entry
    catalog.remove_dataset(ident)

    entries = catalog.audit_log()
    assert [e.operation for e in entries] == [
        "register", "update", "update_checksums", "mark_validated", "link_backtest", "assign_sid", "remove",
    ]  # fmt: skip
    assert all(isinstance(e, AuditEntry) for e in entries)
    assert {(e.os_user, e.pid) for e in entries} == {(getpass.getuser(), os.getpid())}
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    assert entries[0].at == registered_at
    assert registered_at is not None and registered_at.microsecond == 1
    register, update, rewrite = entries[:3]
    assert (register.dataset_id, register.rows, register.checksum) == (ident, 42, "c" * 64)
    assert register.detail == {"symbols": 2, "files": 1}
    assert (update.rows, update.checksum, update.detail["fields"]) == (50, "d" * 64, ["checksum", "row_count"])
    assert rewrite.detail["files"] == ["daily_bars/year=2024/month=01/data.parquet"]
    assert entries[5].detail == {"sid": catalog.lookup_sid("NASDAQ", "AAPL"), "exchange": "NASDAQ", "symbol": "AAPL",
                                 "asset_type": "equity"}  # fmt: skip
    assert (entries[-1].dataset_id, entries[-1].rows, entries[-1].detail) == (ident, 50, {"parquet_path": "bundles/x"})
    assert [e.operation for e in catalog.audit_log(ident)] == ["register", "update", "update_checksums",
                                                               "mark_validated", "link_backtest", "remove"]  # fmt: skip
    assert [e.operation for e in catalog.audit_log(limit=2)] == ["assign_sid", "remove"]


def test_reads_are_not_audited(tmp_path: Path, open_catalog: Callable[..., DataCatalog]) -> None:
    catalog = open_catalog(tmp_path / "m.db")
    ident = catalog.register_dataset("yfinance", ["AAPL"], "2024-01-01", "2024-01-31", "1d", "c")
    catalog.get_dataset_info(ident)
    catalog.find_dataset(["AAPL"], "2024-01-02", "2024-01-03", "1d")
    catalog.list_datasets()
    catalog.lookup_sid("NASDAQ", "AAPL")
    assert [e.operation for e in catalog.audit_log()] == ["register"]
