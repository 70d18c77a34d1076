"""Reading the version log's rows: heads, versions, live files, and their domain values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Connection, RowMapping, Select, and_, func, or_, select

from rustybt.catalog.sqlite.tables import audit_log
from rustybt.catalog.sqlite.times import from_micros, to_micros
from rustybt.catalog.sqlite.version_tables import backtest_versions, files, store_tables, versions
from rustybt.domain import commits
from rustybt.domain.stored_files import StoredFile
from rustybt.domain.versions import AsOf, Operation, StoreTable, Version


def head(conn: Connection, table: StoreTable) -> int:
    found = conn.execute(select(store_tables.c.head_version).where(store_tables.c.table_id == table.table_id)).scalar()
    return int(found) if found is not None else 0


def version_query() -> Select[Any]:
    """Versions joined to their audit entry (user, host)."""
    return select(versions, audit_log.c.os_user, audit_log.c.host).outerjoin(
        audit_log, audit_log.c.audit_id == versions.c.audit_id
    )


def to_version(row: RowMapping | Mapping[str, Any]) -> Version:
    expired = row["expired_at"]
    return Version(
        StoreTable.parse(row["table_id"]), int(row["version"]), int(row["parent"]), from_micros(row["committed_at"]),
        Operation.parse(row["operation"]), row["dataset_id"], int(row["rows_added"]), int(row["rows_replaced"]),
        int(row["rows_removed"]), int(row["files_added"]), int(row["files_removed"]), row["os_user"], row["host"],
        from_micros(expired) if expired is not None else None,
    )  # fmt: skip


def readable_version(conn: Connection, table: StoreTable, number: int) -> Version:
    """Version ``number`` of ``table``; ``UnknownVersionError`` or ``VersionExpiredError``."""
    row = (
        conn.execute(version_query().where(versions.c.table_id == table.table_id, versions.c.version == number))
        .mappings()
        .first()
    )
    if row is None:
        raise commits.unknown_version(table, number, head(conn, table))
    version = to_version(row)
    if version.expired_at is not None:
        raise commits.expired_version(table, number, version.expired_at)
    return version


def resolve(conn: Connection, table: StoreTable, as_of: AsOf) -> Version:
    """The version ``as_of`` names (a number, or the newest committed at or before a time)."""
    if as_of.version is not None:
        return readable_version(conn, table, as_of.version)
    assert as_of.at is not None
    in_table = versions.c.table_id == table.table_id
    number = conn.execute(
        select(func.max(versions.c.version)).where(in_table, versions.c.committed_at <= to_micros(as_of.at))
    ).scalar()
    if number is None:
        first = conn.execute(select(func.min(versions.c.committed_at)).where(in_table)).scalar()
        raise commits.before_first(table, as_of.at, from_micros(first) if first is not None else None)
    return readable_version(conn, table, int(number))


def live_in(version: int | ColumnElement[Any]) -> ColumnElement[bool]:
    """Files of a version: added at or before it, not removed by then."""
    return and_(files.c.added_in <= version, or_(files.c.removed_in.is_(None), files.c.removed_in > version))


def live_files(conn: Connection, table: StoreTable, version: int) -> tuple[StoredFile, ...]:
    query = (
        select(files)
        .where(files.c.table_id == table.table_id, live_in(version))
        .order_by(files.c.partition, files.c.seq, files.c.path)
    )
    return tuple(to_file(row) for row in conn.execute(query).mappings())


def to_file(row: RowMapping) -> StoredFile:
    return StoredFile(
        row["path"], row["partition"], int(row["rows"]), int(row["size_bytes"]), row["sha256"],
        from_micros(row["min_time"]), from_micros(row["max_time"]), int(row["min_sid"]), int(row["max_sid"]),
        int(row["seq"]), int(row["added_in"]), int(row["removed_in"]) if row["removed_in"] is not None else None,
    )  # fmt: skip


def file_row(table: StoreTable, f: StoredFile, seq: int, added_in: int) -> dict[str, Any]:
    return {
        "table_id": table.table_id, "path": f.path, "partition": f.partition, "seq": seq, "added_in": added_in,
        "removed_in": None, "rows": f.rows, "size_bytes": f.size_bytes, "sha256": f.sha256,
        "min_time": to_micros(f.min_time), "max_time": to_micros(f.max_time), "min_sid": f.min_sid,
        "max_sid": f.max_sid,
    }  # fmt: skip


def pins(conn: Connection, table: StoreTable) -> dict[int, str]:
    """Version → a backtest linked to it (the first by id)."""
    query = (
        select(backtest_versions.c.version, func.min(backtest_versions.c.backtest_id))
        .where(backtest_versions.c.table_id == table.table_id)
        .group_by(backtest_versions.c.version)
    )
    return {int(v): str(b) for v, b in conn.execute(query)}
