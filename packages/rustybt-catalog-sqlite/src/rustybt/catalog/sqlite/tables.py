"""The catalog's tables: the spec's five, plus ``assets`` (stable sids), ``corporate_actions``,
``dataset_issues`` (rows an ingest rejected, flags it raised), ``audit_log`` and ``schema_version``.

``datasets.parquet_path`` is relative to the catalog's root (the RustyBT home) when it lies
inside it, so a home copied or moved elsewhere keeps working.

Every time column holds a unix timestamp in **microseconds** (UTC) as a 64-bit integer, so
the datetimes of the ``Catalog`` port round-trip exactly.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Sequence,
    Table,
    Text,
    UniqueConstraint,
)

from rustybt.domain.dataset import DATASET_STATUSES

SCHEMA_VERSION = 5
"""Version of the layout below (and of ``version_tables``). 1 is the spec's original layout
(seconds, no assets); 4 added the version log; 5 gap counts and dataset issues."""

STATUSES = DATASET_STATUSES

_ID = BigInteger().with_variant(Integer(), "sqlite")
_MICROS = BigInteger()

metadata = MetaData()

DATASETS_SEQ = Sequence("datasets_seq", metadata=metadata)

datasets = Table(
    "datasets",
    metadata,
    Column("dataset_id", Text, primary_key=True),
    Column("source", Text, nullable=False),
    Column("resolution", Text, nullable=False),
    Column("start_date", _MICROS, nullable=False),
    Column("end_date", _MICROS, nullable=False),
    Column("checksum", Text, nullable=False),
    Column("parquet_path", Text, nullable=False),
    Column("created_at", _MICROS, nullable=False),
    Column("last_updated", _MICROS, nullable=False),
    Column("row_count", BigInteger, nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("status", Text, nullable=False, server_default="complete"),
    Column("bundle", Text, nullable=True),
    Column("seq", BigInteger, DATASETS_SEQ, nullable=False),
    CheckConstraint("status IN ('pending', 'complete')", name="ck_datasets_status"),
    CheckConstraint("start_date <= end_date", name="ck_datasets_range"),
    Index("idx_datasets_source", "source"),
    Index("idx_datasets_resolution", "resolution"),
    Index("idx_datasets_dates", "start_date", "end_date"),
    Index("idx_datasets_bundle", "bundle"),
    Index("idx_datasets_parquet_path", "parquet_path"),
    Index("idx_datasets_seq", "seq", unique=True),
)

symbols = Table(
    "symbols",
    metadata,
    Column("symbol_id", _ID, primary_key=True, autoincrement=True),
    Column("dataset_id", Text, ForeignKey("datasets.dataset_id", ondelete="CASCADE"), nullable=False),
    Column("symbol", Text, nullable=False),
    Column("asset_type", Text, nullable=False),
    Column("exchange", Text, nullable=True),
    Column("metadata", Text, nullable=True),
    UniqueConstraint("dataset_id", "symbol", name="uq_symbols_dataset_symbol"),
    Index("idx_symbols_dataset", "dataset_id"),
    # (symbol, dataset_id) rather than (symbol): find_dataset reads the index alone.
    Index("idx_symbols_symbol", "symbol", "dataset_id"),
    sqlite_autoincrement=True,
)

date_ranges = Table(
    "date_ranges",
    metadata,
    Column("range_id", _ID, primary_key=True, autoincrement=True),
    Column("dataset_id", Text, ForeignKey("datasets.dataset_id", ondelete="CASCADE"), nullable=False),
    Column("symbol", Text, nullable=False),
    Column("start_date", _MICROS, nullable=False),
    Column("end_date", _MICROS, nullable=False),
    Column("bar_count", BigInteger, nullable=False),
    Column("has_gaps", Boolean, server_default="0", nullable=False),
    Column("gap_count", BigInteger, nullable=True),  # NULL: recorded before gaps were counted
    Index("idx_date_ranges_dataset", "dataset_id"),
    Index("idx_date_ranges_symbol", "symbol"),
    sqlite_autoincrement=True,
)

checksums = Table(
    "checksums",
    metadata,
    Column("checksum_id", _ID, primary_key=True, autoincrement=True),
    Column("dataset_id", Text, ForeignKey("datasets.dataset_id", ondelete="CASCADE"), nullable=False),
    Column("file_path", Text, nullable=False),
    Column("checksum", Text, nullable=False),
    Column("last_validated", _MICROS, nullable=False),
    UniqueConstraint("dataset_id", "file_path", name="uq_checksums_dataset_file"),
    Index("idx_checksums_dataset", "dataset_id"),
    sqlite_autoincrement=True,
)

backtest_data_links = Table(
    "backtest_data_links",
    metadata,
    Column("link_id", _ID, primary_key=True, autoincrement=True),
    Column("backtest_id", Text, nullable=False),
    Column("dataset_id", Text, ForeignKey("datasets.dataset_id", ondelete="CASCADE"), nullable=False),
    Column("cached_at", _MICROS, nullable=False),
    Column("cache_key", Text, nullable=False),
    Index("idx_backtest_links_backtest", "backtest_id"),
    Index("idx_backtest_links_dataset", "dataset_id"),
    Index("idx_backtest_links_cache_key", "cache_key"),
    sqlite_autoincrement=True,
)

assets = Table(
    "assets",
    metadata,
    # AUTOINCREMENT on SQLite and a sequence on PostgreSQL: a sid is never handed out twice.
    Column("sid", _ID, primary_key=True, autoincrement=True),
    Column("exchange", Text, nullable=False),
    Column("symbol", Text, nullable=False),
    Column("asset_type", Text, nullable=False),
    Column("created_at", _MICROS, nullable=False),
    UniqueConstraint("exchange", "symbol", name="uq_assets_exchange_symbol"),
    sqlite_autoincrement=True,
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("audit_id", _ID, primary_key=True, autoincrement=True),
    Column("at", _MICROS, nullable=False),
    Column("os_user", Text, nullable=False),
    Column("pid", Integer, nullable=False),
    Column("host", Text, nullable=False),
    Column("operation", Text, nullable=False),
    Column("dataset_id", Text, nullable=True),
    Column("rows", BigInteger, nullable=True),
    Column("checksum", Text, nullable=True),
    Column("detail", Text, nullable=True),
    Index("idx_audit_log_dataset", "dataset_id"),
    sqlite_autoincrement=True,
)

corporate_actions = Table(
    "corporate_actions",
    metadata,
    Column("sid", _ID, ForeignKey("assets.sid"), primary_key=True, autoincrement=False),
    Column("ex_date", Integer, primary_key=True, autoincrement=False),  # days since 1970-01-01
    Column("action", Text, primary_key=True),
    Column("value", Text, nullable=False),  # exact decimal text
    CheckConstraint("action IN ('dividend', 'split')", name="ck_corporate_actions_action"),
)

dataset_issues = Table(
    "dataset_issues",
    metadata,
    Column("issue_id", _ID, primary_key=True, autoincrement=True),
    Column("dataset_id", Text, ForeignKey("datasets.dataset_id", ondelete="CASCADE"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("symbol", Text, nullable=True),
    Column("timestamp", Text, nullable=True),
    Column("rule", Text, nullable=False),
    Column("detail", Text, nullable=True),
    Column("location", Text, nullable=True),
    CheckConstraint("kind IN ('rejected', 'flag')", name="ck_dataset_issues_kind"),
    Index("idx_dataset_issues_dataset", "dataset_id"),
    sqlite_autoincrement=True,
)

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", _MICROS, nullable=False),
    Column("description", Text, nullable=False),
)

SPEC_TABLES = ("datasets", "symbols", "date_ranges", "checksums", "backtest_data_links")
