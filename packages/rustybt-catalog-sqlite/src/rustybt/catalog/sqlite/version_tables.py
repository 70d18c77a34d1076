"""The version log's tables (schema 4), on the catalog's ``metadata``.

- ``store_tables``: one row per (bundle, storage kind), holding the head version; a commit's
  compare-and-swap is an UPDATE of that row.
- ``versions``: one row per committed version; user and host come from its ``audit_log`` row.
- ``files``: one row per data file, live in versions ``added_in <= v < removed_in`` (NULL: still
  live), so a commit writes rows for the files it changes only. ``deleted_at`` is set once
  vacuum deleted the file from the store.
- ``backtests`` and ``backtest_versions``: a run's parameters and the versions it read. Pins are
  rows of their own (not columns of ``backtest_data_links``): removing a dataset cascades to its
  links, and must never unpin a version a backtest needs for a replay.

Times are epoch microseconds, like every other catalog table.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Index, Table, Text, UniqueConstraint

from rustybt.catalog.sqlite.tables import _ID, metadata

store_tables = Table(
    "store_tables",
    metadata,
    Column("table_id", Text, primary_key=True),
    Column("bundle", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("root_path", Text, nullable=False),  # relative to the store root
    Column("head_version", BigInteger, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    CheckConstraint("kind IN ('daily', 'minute')", name="ck_store_tables_kind"),
)

versions = Table(
    "versions",
    metadata,
    Column("table_id", Text, ForeignKey("store_tables.table_id"), primary_key=True),
    Column("version", BigInteger, primary_key=True, autoincrement=False),
    Column("parent", BigInteger, nullable=False),
    Column("committed_at", BigInteger, nullable=False),
    Column("operation", Text, nullable=False),
    Column("dataset_id", Text, nullable=True),  # no foreign key: history outlives a removed dataset
    Column("rows_added", BigInteger, nullable=False),
    Column("rows_replaced", BigInteger, nullable=False),
    Column("rows_removed", BigInteger, nullable=False),
    Column("files_added", BigInteger, nullable=False),
    Column("files_removed", BigInteger, nullable=False),
    Column("audit_id", BigInteger, nullable=True),
    Column("expired_at", BigInteger, nullable=True),
    Index("idx_versions_committed", "table_id", "committed_at"),
    Index("idx_versions_dataset", "dataset_id"),
)

files = Table(
    "files",
    metadata,
    Column("file_id", _ID, primary_key=True, autoincrement=True),
    Column("table_id", Text, ForeignKey("store_tables.table_id"), nullable=False),
    Column("path", Text, nullable=False),
    Column("partition", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("added_in", BigInteger, nullable=False),
    Column("removed_in", BigInteger, nullable=True),
    Column("rows", BigInteger, nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("sha256", Text, nullable=False),
    Column("min_time", BigInteger, nullable=False),
    Column("max_time", BigInteger, nullable=False),
    Column("min_sid", BigInteger, nullable=False),
    Column("max_sid", BigInteger, nullable=False),
    Column("deleted_at", BigInteger, nullable=True),
    UniqueConstraint("table_id", "path", name="uq_files_table_path"),
    Index("idx_files_live", "table_id", "removed_in", "added_in"),
    Index("idx_files_partition", "table_id", "partition"),
    sqlite_autoincrement=True,
)

backtests = Table(
    "backtests",
    metadata,
    Column("backtest_id", Text, primary_key=True),
    Column("bundle", Text, nullable=False),
    Column("start_time", BigInteger, nullable=False),
    Column("end_time", BigInteger, nullable=False),
    Column("capital", Text, nullable=False),  # exact decimal text
    Column("frequency", Text, nullable=False),
    Column("algo_path", Text, nullable=False),
    Column("algo_sha256", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

backtest_versions = Table(
    "backtest_versions",
    metadata,
    Column("backtest_id", Text, ForeignKey("backtests.backtest_id", ondelete="CASCADE"), primary_key=True),
    Column("table_id", Text, ForeignKey("store_tables.table_id"), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Index("idx_backtest_versions_table", "table_id", "version"),
)

VERSION_TABLES = (store_tables, versions, files, backtests, backtest_versions)
