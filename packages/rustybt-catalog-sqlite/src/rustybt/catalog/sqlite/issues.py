"""Rows of ``dataset_issues``: what an ingest rejected or flagged, kept with its dataset."""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection, select

from rustybt.catalog.sqlite.tables import dataset_issues
from rustybt.domain.dataset_issues import ISSUE_SCHEMA

_COLUMNS = ISSUE_SCHEMA.names()


def append(conn: Connection, dataset_id: str, issues: pl.DataFrame) -> int:
    """Insert ``issues`` (checked, ``ISSUE_SCHEMA``) after the dataset's earlier ones."""
    if issues.is_empty():
        return 0
    rows = [{"dataset_id": dataset_id, **row} for row in issues.select(_COLUMNS).iter_rows(named=True)]
    conn.execute(dataset_issues.insert(), rows)
    return len(rows)


def load(conn: Connection, dataset_id: str) -> pl.DataFrame:
    """The dataset's issues in the order recorded."""
    query = (
        select(*(dataset_issues.c[name] for name in _COLUMNS))
        .where(dataset_issues.c.dataset_id == dataset_id)
        .order_by(dataset_issues.c.issue_id)
    )
    rows = conn.execute(query).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=ISSUE_SCHEMA, orient="row")
