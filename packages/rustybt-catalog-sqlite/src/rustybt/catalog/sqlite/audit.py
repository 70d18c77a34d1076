"""The audit trail: one row per change to the catalog, written in the changing transaction."""

from __future__ import annotations

import getpass
import json
import os
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from rustybt.catalog.sqlite.tables import audit_log
from rustybt.catalog.sqlite.times import from_micros


@dataclass(frozen=True)
class AuditEntry:
    """Who changed what, when: ``operation`` is ``register``, ``update``, ``remove``,
    ``link_backtest``, ``update_checksums``, ``mark_validated``, ``assign_sid`` or ``upgrade``."""

    audit_id: int
    at: datetime
    os_user: str
    pid: int
    host: str
    operation: str
    dataset_id: str | None
    rows: int | None
    checksum: str | None
    detail: dict[str, Any]


def os_user() -> str:
    """The operating-system user running this process (``uid:N`` when it has no name)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def record(
    conn: Connection,
    at: int,
    operation: str,
    dataset_id: str | None = None,
    *,
    rows: int | None = None,
    checksum: str | None = None,
    **detail: Any,
) -> int:
    """Append an entry (``at`` in epoch microseconds) inside the caller's transaction; return its id."""
    result = conn.execute(
        audit_log.insert().values(
            at=at,
            os_user=os_user(),
            pid=os.getpid(),
            host=socket.gethostname(),
            operation=operation,
            dataset_id=dataset_id,
            rows=rows,
            checksum=checksum,
            detail=json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def read(conn: Connection, dataset_id: str | None, operation: str | None, limit: int | None) -> list[AuditEntry]:
    """Entries oldest first (the last ``limit`` ones when given)."""
    query = select(audit_log).order_by(audit_log.c.audit_id.desc())
    if dataset_id is not None:
        query = query.where(audit_log.c.dataset_id == dataset_id)
    if operation is not None:
        query = query.where(audit_log.c.operation == operation)
    if limit is not None:
        query = query.limit(limit)
    rows = conn.execute(query).mappings().all()
    return [
        AuditEntry(
            audit_id=r["audit_id"],
            at=from_micros(r["at"]),
            os_user=r["os_user"],
            pid=r["pid"],
            host=r["host"],
            operation=r["operation"],
            dataset_id=r["dataset_id"],
            rows=r["rows"],
            checksum=r["checksum"],
            detail=json.loads(r["detail"]) if r["detail"] else {},
        )
        for r in reversed(rows)
    ]
