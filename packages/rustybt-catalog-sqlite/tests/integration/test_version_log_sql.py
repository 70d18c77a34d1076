"""The version log in the catalog database: audit entries, upgrade in place, racing threads."""

from __future__ import annotations

import getpass
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from rustybt.catalog.sqlite import SCHEMA_VERSION, DataCatalog
from rustybt.contract.version_log_support import DAILY, stored
from rustybt.domain.errors import CommitConflictError
from rustybt.domain.versions import Version


def test_each_commit_is_audited_with_user_and_host(database_url: str, open_catalog: Callable[..., DataCatalog]) -> None:
    catalog = open_catalog(database_url)
    version = catalog.commit(DAILY, 0, [stored("a")], operation="ingest", dataset_id="ds-1", rows_added=10)
    assert (version.user, version.host) == (getpass.getuser(), socket.gethostname())
    entry = catalog.audit_log(operation="commit")[-1]
    assert (entry.dataset_id, entry.rows) == ("ds-1", 10)
    assert entry.detail == {"table": "demo/daily", "version": 1, "change": "ingest"}
    assert catalog.history(DAILY)[0] == version


def test_a_schema_3_catalog_gains_the_version_log_in_place(
    tmp_path: Path, open_catalog: Callable[..., DataCatalog]
) -> None:
    path = tmp_path / "metadata.db"
    catalog = open_catalog(path)
    ident = catalog.register_dataset("csv", ["AAPL"], "2024-01-01", "2024-01-31", "1d", "c" * 64, bundle="demo")
    catalog.close()
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:  # what a schema-3 catalog looks like
        for table in ("backtest_versions", "backtests", "files", "versions", "store_tables"):
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(text("UPDATE schema_version SET version = 3"))
    reopened = open_catalog(path)
    assert reopened.upgraded_from == 3 < SCHEMA_VERSION
    assert reopened.get_dataset_info(ident).bundle == "demo"
    assert reopened.commit(DAILY, 0, [stored("a")], operation="import").version == 1
    with engine.connect() as conn:
        assert {"store_tables", "versions", "files", "backtests", "backtest_versions"} <= set(
            inspect(conn).get_table_names()
        )
    engine.dispose()


def test_of_commits_racing_on_one_base_exactly_one_wins(
    database_url: str, open_catalog: Callable[..., DataCatalog]
) -> None:
    catalog = open_catalog(database_url)
    catalog.commit(DAILY, 0, [stored("seed")], operation="ingest")
    start = threading.Barrier(4)
    won: list[Version] = []
    lost: list[CommitConflictError] = []

    def commit(name: str) -> None:
        start.wait()
        try:
            won.append(catalog.commit(DAILY, 1, [stored(name)], operation="ingest"))
        except CommitConflictError as err:
            lost.append(err)

    threads = [threading.Thread(target=commit, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and len(lost) == 3
    assert {e.head for e in lost} == {2}
    assert catalog.head(DAILY) == 2
    live = set(catalog.snapshot(DAILY).paths)
    assert len(live) == 2 and stored("seed").path in live
    assert catalog.all_file_paths(DAILY) == live  # the losers recorded nothing
