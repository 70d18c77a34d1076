"""Creating the catalog schema and upgrading older databases in place.

A database records its layout version in ``schema_version``. A database with the spec's
tables but no ``schema_version`` is version 1 (times in whole seconds, no assets, status,
bundle or audit log). Upgrades run in one write transaction, so a failed upgrade leaves the
database as it was; a database newer than this code raises ``SchemaVersionError``.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Index, Table, func, insert, inspect, select, text

from rustybt.catalog.sqlite import audit, planner
from rustybt.catalog.sqlite.paths import DatasetPaths
from rustybt.catalog.sqlite.tables import (
    DATASETS_SEQ,
    SCHEMA_VERSION,
    assets,
    audit_log,
    corporate_actions,
    dataset_issues,
    datasets,
    metadata,
    schema_version,
    symbols,
)
from rustybt.catalog.sqlite.transactions import TransactionRunner
from rustybt.catalog.sqlite.version_tables import VERSION_TABLES
from rustybt.domain.errors import SchemaVersionError

_MICROS_PER_SECOND = 1_000_000
_V1_TIME_COLUMNS = {
    "datasets": ("start_date", "end_date", "created_at", "last_updated"),
    "date_ranges": ("start_date", "end_date"),
    "checksums": ("last_validated",),
    "backtest_data_links": ("cached_at",),
}
_V1_WIDENED = {
    "datasets": ("start_date", "end_date", "created_at", "last_updated", "row_count", "size_bytes"),
    "date_ranges": ("start_date", "end_date", "bar_count"),
    "checksums": ("last_validated",),
    "backtest_data_links": ("cached_at",),
}


def stored_version(conn: Connection) -> int | None:
    """Layout version of the database behind ``conn``; ``None`` for an empty database."""
    names = set(inspect(conn).get_table_names())
    if "schema_version" in names:
        found = conn.execute(select(func.max(schema_version.c.version))).scalar()
        return int(found) if found is not None else None
    if "datasets" in names:
        return 1
    return None


def ensure_schema(runner: TransactionRunner, now_us: Callable[[], int], paths: DatasetPaths | None = None) -> int:
    """Create or upgrade the schema, and store dataset paths relative to the root of ``paths``
    (``DatasetPaths.relocations``); return the version found before (0 for a new database)."""
    paths = paths or DatasetPaths(None)

    def inspect_db(conn: Connection) -> tuple[int | None, bool, bool]:
        version = stored_version(conn)
        relocate = version is not None and version >= 2 and bool(paths.relocations(conn))  # v1 has no bundle column
        return version, planner.needs_stats(conn), relocate

    found, unplanned, relocate = runner.read(inspect_db, "reading the catalog schema version")
    _refuse_newer(found, runner.where)
    if found == SCHEMA_VERSION and not unplanned and not relocate:
        return found

    def upgrade(conn: Connection) -> int:
        at = now_us()
        before = _create_or_upgrade(conn, at, runner.where)
        paths.relocate(conn, paths.relocations(conn), at)
        return before

    return runner.write(upgrade, "upgrading the catalog schema")


def _refuse_newer(found: int | None, where: str) -> None:
    if found is not None and found > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"{where} has catalog schema version {found}, but this rustybt-catalog-sqlite only "
            f"knows versions up to {SCHEMA_VERSION}: upgrade rustybt-catalog-sqlite to open it"
        )


def _create_or_upgrade(conn: Connection, at: int, where: str) -> int:
    found = stored_version(conn)  # again: another process may have done it meanwhile
    _refuse_newer(found, where)
    if found is None:
        metadata.create_all(conn)
        conn.execute(insert(schema_version).values(version=SCHEMA_VERSION, applied_at=at, description="created"))
    elif found < SCHEMA_VERSION:
        version = found
        while version < SCHEMA_VERSION:
            step, description = _UPGRADES[version]
            step(conn)
            version += 1
            conn.execute(insert(schema_version).values(version=version, applied_at=at, description=description))
        audit.record(conn, at, "upgrade", from_version=found, to_version=version)
    planner.seed_stats(conn)
    return found or 0


def _upgrade_1_to_2(conn: Connection) -> None:
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        for table, columns in _V1_WIDENED.items():
            for column in columns:
                conn.execute(text(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE BIGINT"))
    for table, columns in _V1_TIME_COLUMNS.items():
        scaled = ", ".join(f"{c} = {c} * {_MICROS_PER_SECOND}" for c in columns)
        conn.execute(text(f"UPDATE {table} SET {scaled}"))
    conn.execute(
        text(
            "ALTER TABLE datasets ADD COLUMN status TEXT NOT NULL DEFAULT 'complete' "
            "CHECK (status IN ('pending', 'complete'))"
        )
    )
    conn.execute(text("ALTER TABLE datasets ADD COLUMN bundle TEXT"))
    conn.execute(text("ALTER TABLE datasets ADD COLUMN seq BIGINT"))
    order = conn.execute(select(datasets.c.dataset_id).order_by(datasets.c.created_at, datasets.c.dataset_id)).scalars()
    for seq, ident in enumerate(order.all(), start=1):
        conn.execute(datasets.update().where(datasets.c.dataset_id == ident).values(seq=seq))
    if postgres:
        DATASETS_SEQ.create(conn, checkfirst=True)
        conn.execute(text("SELECT setval('datasets_seq', (SELECT COALESCE(MAX(seq), 0) + 1 FROM datasets), false)"))
        conn.execute(text("ALTER TABLE datasets ALTER COLUMN seq SET NOT NULL"))
    conn.execute(text("DROP INDEX idx_symbols_symbol"))
    _index(symbols, "idx_symbols_symbol").create(conn)
    for name in ("idx_datasets_bundle", "idx_datasets_parquet_path", "idx_datasets_seq"):
        _index(datasets, name).create(conn)
    for added in (assets, audit_log, schema_version):
        added.create(conn)


def _upgrade_2_to_3(conn: Connection) -> None:
    corporate_actions.create(conn)


def _upgrade_3_to_4(conn: Connection) -> None:
    for table in VERSION_TABLES:
        table.create(conn, checkfirst=True)


def _upgrade_4_to_5(conn: Connection) -> None:
    if "gap_count" not in {c["name"] for c in inspect(conn).get_columns("date_ranges")}:
        conn.execute(text("ALTER TABLE date_ranges ADD COLUMN gap_count BIGINT"))
    dataset_issues.create(conn, checkfirst=True)


def _index(table: Table, name: str) -> Index:
    return next(i for i in table.indexes if i.name == name)


_UPGRADES: dict[int, tuple[Callable[[Connection], None], str]] = {
    1: (_upgrade_1_to_2, "microsecond times; assets, audit_log; dataset status, bundle and seq"),
    2: (_upgrade_2_to_3, "corporate_actions (splits and dividends per sid)"),
    3: (_upgrade_3_to_4, "version log: store_tables, versions, files, backtests, backtest_versions"),
    4: (_upgrade_4_to_5, "gap counts per symbol range; dataset_issues (rejected rows, flags)"),
}
