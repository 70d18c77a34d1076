"""A version commit: one write transaction whose first statement is a compare-and-swap.

``UPDATE store_tables SET head_version = base + 1 WHERE table_id = :t AND head_version = base``
updates one row only for the writer whose base is still the head. On SQLite the write
transaction holds the database's write lock (``BEGIN IMMEDIATE``); on PostgreSQL (READ
COMMITTED) a second updater blocks on the row lock, re-checks the WHERE after the first commits
and updates nothing. A zero row count is a ``CommitConflictError`` and the transaction rolls
back, so of two commits on one base exactly one wins, across processes and machines. The rest
of the transaction removes files (only live ones: a row count short of the list is a conflict
too), adds file rows, and writes the version with its audit entry.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from rustybt.catalog.sqlite import audit
from rustybt.catalog.sqlite.times import from_micros, to_micros
from rustybt.catalog.sqlite.version_rows import file_row, head, to_version
from rustybt.catalog.sqlite.version_tables import files, store_tables, versions
from rustybt.domain import commits
from rustybt.domain.commits import CommitRequest
from rustybt.domain.versions import StoreTable, Version

_CHUNK = 500


def chunks(items: Sequence[str]) -> Iterator[list[str]]:
    """``items`` in lists short enough for one IN clause on any backend."""
    for first in range(0, len(items), _CHUNK):
        yield list(items[first : first + _CHUNK])


def ensure_table(conn: Connection, table: StoreTable, at: int) -> None:
    """Create the table's row (head 0) unless it exists."""
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    row = {"table_id": table.table_id, "bundle": table.bundle, "kind": table.kind, "root_path": table.root_path,
           "head_version": 0, "created_at": at}  # fmt: skip
    conn.execute(dialect_insert(store_tables).values(row).on_conflict_do_nothing(index_elements=["table_id"]))


def apply(conn: Connection, req: CommitRequest, now: int) -> Version:
    """Commit ``req`` inside the caller's write transaction (``now``: the catalog clock, µs)."""
    t = req.table
    swapped = conn.execute(
        update(store_tables)
        .where(store_tables.c.table_id == t.table_id, store_tables.c.head_version == req.base)
        .values(head_version=req.version)
    ).rowcount
    if swapped != 1:
        raise commits.head_moved(t, req.base, head(conn, t))
    _remove(conn, req)
    _check_new_paths(conn, req)
    parent_at = _committed_at(conn, t, req.base)
    at = to_micros(commits.commit_time(from_micros(now), parent_at))
    audit_id = audit.record(
        conn, at, "commit", req.dataset_id, rows=req.rows_added,
        table=t.table_id, version=req.version, change=req.operation.value,
    )  # fmt: skip
    row = {
        "table_id": t.table_id, "version": req.version, "parent": req.base, "committed_at": at,
        "operation": req.operation.value, "dataset_id": req.dataset_id, "rows_added": req.rows_added,
        "rows_replaced": req.rows_replaced, "rows_removed": req.rows_removed, "files_added": len(req.added),
        "files_removed": len(req.removed), "audit_id": audit_id, "expired_at": None,
    }  # fmt: skip
    conn.execute(versions.insert(), row)
    if req.added:
        conn.execute(files.insert(), [file_row(t, f, req.seq_of(f), req.version) for f in req.added])
    return to_version({**row, "os_user": audit.os_user(), "host": socket.gethostname()})


def _committed_at(conn: Connection, table: StoreTable, version: int) -> datetime | None:
    query = select(versions.c.committed_at).where(versions.c.table_id == table.table_id, versions.c.version == version)
    found = conn.execute(query).scalar()
    return from_micros(found) if found is not None else None


def _remove(conn: Connection, req: CommitRequest) -> None:
    in_table = files.c.table_id == req.table.table_id
    removed = 0
    for chunk in chunks(req.removed):
        removed += conn.execute(
            update(files)
            .where(in_table, files.c.path.in_(chunk), files.c.removed_in.is_(None))
            .values(removed_in=req.version)
        ).rowcount
    if removed == len(req.removed):
        return
    known: dict[str, int | None] = {}
    for chunk in chunks(req.removed):
        query = select(files.c.path, files.c.removed_in).where(in_table, files.c.path.in_(chunk))
        known.update((str(p), r) for p, r in conn.execute(query))
    unknown = [p for p in req.removed if p not in known]
    if unknown:
        raise commits.unknown_files(req.table, unknown, "never had these files")
    raise commits.files_gone(req.table, req.base, [p for p, r in known.items() if r != req.version])


def _check_new_paths(conn: Connection, req: CommitRequest) -> None:
    paths = [f.path for f in req.added]
    taken: list[str] = []
    for chunk in chunks(paths):
        query = select(files.c.path).where(files.c.table_id == req.table.table_id, files.c.path.in_(chunk))
        taken.extend(str(p) for p in conn.execute(query).scalars())
    if taken:
        raise commits.unknown_files(req.table, taken, "already recorded these paths (paths are never reused)")
