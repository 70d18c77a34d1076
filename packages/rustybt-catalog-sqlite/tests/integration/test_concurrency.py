"""Several processes register, assign sids and read at once; a busy database never surfaces
as "database is locked"."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from rustybt.catalog.sqlite import CatalogBusyError, DataCatalog

PROCESSES = 4
REGISTRATIONS = 50

WORKER = r"""
import json, sys, time
from pathlib import Path
from rustybt.catalog.sqlite import DataCatalog

url, worker, count, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
while not go.exists():
    time.sleep(0.005)
catalog = DataCatalog(url)  # every worker opens the new database at the same moment
ids, sids = [], {}
for i in range(count):
    own = f"W{worker}-{i}"
    ident = catalog.register_dataset("csv:load", [own, "SHARED"], "2024-01-01", "2024-12-31", "1d", f"{worker}-{i}",
                                     bundle=f"w{worker}")
    assert catalog.find_dataset([own], "2024-03-01", "2024-03-02", "1d") == ident
    sids[own] = catalog.assign_sid("XNYS", own)
    sids["SHARED"] = catalog.assign_sid("XNYS", "SHARED")
    ids.append(ident)
    if i % 10 == 0:
        catalog.list_datasets(bundle=f"w{worker}")
print(json.dumps({"ids": ids, "sids": sids}))
"""


def test_processes_register_and_read_at_once(
    database_url: str, tmp_path: Path, open_catalog: Callable[..., DataCatalog]
) -> None:
    go = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, database_url, str(w), str(REGISTRATIONS), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(PROCESSES)
    ]
    time.sleep(0.5)
    go.touch()
    results = []
    for proc in workers:
        out, err = proc.communicate(timeout=300)
        assert "locked" not in err.lower(), err
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    catalog = open_catalog(database_url)
    ids = [i for r in results for i in r["ids"]]
    assert len(set(ids)) == PROCESSES * REGISTRATIONS
    assert {d.dataset_id for d in catalog.list_datasets()} == set(ids)
    for w in range(PROCESSES):
        assert len(catalog.list_datasets(bundle=f"w{w}")) == REGISTRATIONS
    assert len({r["sids"]["SHARED"] for r in results}) == 1
    own_sids = [sid for r in results for name, sid in r["sids"].items() if name != "SHARED"]
    assert len(set(own_sids)) == PROCESSES * REGISTRATIONS
    assert len(catalog.list_assets("XNYS")) == PROCESSES * REGISTRATIONS + 1
    assert len(catalog.audit_log(operation="register")) == PROCESSES * REGISTRATIONS
    assert {e.pid for e in catalog.audit_log(operation="register")} == {p.pid for p in workers}


def _hold_write_lock(path: Path) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO audit_log (at, os_user, pid, host, operation) VALUES (0, 'test', 0, 'h', 'hold')")
    return holder


def test_a_lock_held_too_long_is_a_catalog_error(tmp_path: Path, open_catalog: Callable[..., DataCatalog]) -> None:
    path = tmp_path / "metadata.db"
    catalog = open_catalog(path, busy_timeout=0.02, lock_timeout=0.3)
    holder = _hold_write_lock(path)
    try:
        with pytest.raises(
            CatalogBusyError, match=r"registering dataset .* gave up on catalog database .*metadata\.db"
        ) as caught:
            catalog.register_dataset("csv:x", ["A"], "2024-01-01", "2024-01-31", "1d", "c")
        assert "database is locked" not in str(caught.value)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert catalog.list_datasets() == []
    assert catalog.get_dataset_info(catalog.register_dataset("csv:x", ["A"], "2024-01-01", "2024-01-31", "1d", "c"))


def test_writers_wait_out_a_lock_held_longer_than_the_busy_timeout(
    tmp_path: Path, open_catalog: Callable[..., DataCatalog]
) -> None:
    path = tmp_path / "metadata.db"
    catalog = open_catalog(path, busy_timeout=0.02, lock_timeout=30)
    holder = _hold_write_lock(path)
    release = threading.Timer(0.6, lambda: (holder.execute("COMMIT"), holder.close()))
    release.start()
    try:
        ident = catalog.register_dataset("csv:x", ["A"], "2024-01-01", "2024-01-31", "1d", "c")
    finally:
        release.join()
    assert catalog.find_dataset(["A"], "2024-01-02", "2024-01-03", "1d") == ident
    assert [e.operation for e in catalog.audit_log()] == ["hold", "register"]
