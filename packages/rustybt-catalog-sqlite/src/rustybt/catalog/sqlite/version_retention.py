"""Vacuum's side of the version log: which versions to keep, expiring the rest, files no kept
version needs, deletion marks; and backtest pins, which vacuum keeps."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal

from sqlalchemy import ColumnElement, Connection, exists, or_, select, update

from rustybt.catalog.sqlite import audit
from rustybt.catalog.sqlite.times import from_micros, to_micros
from rustybt.catalog.sqlite.version_commit import chunks
from rustybt.catalog.sqlite.version_rows import head, pins, readable_version, to_file
from rustybt.catalog.sqlite.version_tables import backtest_versions, backtests, files, versions
from rustybt.domain import commits
from rustybt.domain.backtest_runs import BacktestParameters, BacktestRun
from rustybt.domain.stored_files import StoredFile
from rustybt.domain.versions import StoreTable


def keep(conn: Connection, table: StoreTable, since: int, keep_linked: bool) -> set[int]:
    newest = head(conn, table)
    linked = set(pins(conn, table)) if keep_linked else set()
    query = select(versions.c.version, versions.c.committed_at).where(
        versions.c.table_id == table.table_id, versions.c.expired_at.is_(None)
    )
    return {int(v) for v, at in conn.execute(query) if v == newest or at >= since or v in linked}


def expire(conn: Connection, table: StoreTable, kept: Collection[int], force: bool, at: int) -> list[int]:
    commits.check_keep(table, kept, head(conn, table))
    query = select(versions.c.version).where(versions.c.table_id == table.table_id, versions.c.expired_at.is_(None))
    doomed = sorted(int(v) for v in conn.execute(query).scalars() if v not in kept)
    linked = pins(conn, table)
    for number in doomed:
        if number in linked and not force:
            raise commits.pinned(table, number, linked[number])
    for first in range(0, len(doomed), 500):
        chunk = doomed[first : first + 500]
        conn.execute(
            update(versions)
            .where(versions.c.table_id == table.table_id, versions.c.version.in_(chunk))
            .values(expired_at=at)
        )
    if doomed:
        audit.record(conn, at, "expire_versions", table=table.table_id, versions=doomed, forced=force)
    return doomed


def _needed() -> ColumnElement[bool]:
    """A file some unexpired version of its table holds."""
    kept = (
        select(versions.c.version)
        .where(
            versions.c.table_id == files.c.table_id,
            versions.c.expired_at.is_(None),
            versions.c.version >= files.c.added_in,
            versions.c.version < files.c.removed_in,
        )
        .correlate(files)
    )
    return or_(files.c.removed_in.is_(None), exists(kept))


def unneeded(conn: Connection, table: StoreTable) -> list[StoredFile]:
    query = (
        select(files)
        .where(files.c.table_id == table.table_id, files.c.deleted_at.is_(None), ~_needed())
        .order_by(files.c.path)
    )
    return [to_file(row) for row in conn.execute(query).mappings()]


def mark_deleted(conn: Connection, table: StoreTable, paths: Sequence[str], at: int) -> int:
    in_table = files.c.table_id == table.table_id
    known: set[str] = set()
    needed: list[str] = []
    for chunk in chunks(paths):
        known.update(conn.execute(select(files.c.path).where(in_table, files.c.path.in_(chunk))).scalars())
        needed.extend(conn.execute(select(files.c.path).where(in_table, files.c.path.in_(chunk), _needed())).scalars())
    unknown = [p for p in paths if p not in known]
    if unknown:
        raise commits.unknown_files(table, unknown, "never had these files")
    if needed:
        raise commits.unknown_files(table, needed, "still needs these files in an unexpired version")
    marked = 0
    for chunk in chunks(paths):
        marked += conn.execute(
            update(files).where(in_table, files.c.path.in_(chunk), files.c.deleted_at.is_(None)).values(deleted_at=at)
        ).rowcount
    return marked


def all_paths(conn: Connection, table: StoreTable) -> set[str]:
    return {str(p) for p in conn.execute(select(files.c.path).where(files.c.table_id == table.table_id)).scalars()}


def link(conn: Connection, backtest_id: str, pinned: Mapping[StoreTable, int], p: BacktestParameters, at: int) -> None:
    if conn.execute(select(backtests.c.backtest_id).where(backtests.c.backtest_id == backtest_id)).first():
        raise commits.already_linked(backtest_id)
    for table, number in pinned.items():
        readable_version(conn, table, number)
    conn.execute(
        backtests.insert().values(
            backtest_id=backtest_id, bundle=p.bundle, start_time=to_micros(p.start), end_time=to_micros(p.end),
            capital=str(p.capital), frequency=p.frequency, algo_path=p.algo_path, algo_sha256=p.algo_sha256,
            created_at=at,
        )
    )  # fmt: skip
    conn.execute(
        backtest_versions.insert(),
        [{"backtest_id": backtest_id, "table_id": t.table_id, "version": v} for t, v in pinned.items()],
    )
    audit.record(conn, at, "link_backtest_versions", backtest_id=backtest_id,
                 versions={t.table_id: v for t, v in pinned.items()})  # fmt: skip


def run(conn: Connection, backtest_id: str) -> BacktestRun:
    row = conn.execute(select(backtests).where(backtests.c.backtest_id == backtest_id)).mappings().first()
    if row is None:
        raise commits.no_backtest(backtest_id)
    query = select(backtest_versions.c.table_id, backtest_versions.c.version).where(
        backtest_versions.c.backtest_id == backtest_id
    )
    pinned = {StoreTable.parse(t): int(v) for t, v in conn.execute(query)}
    parameters = BacktestParameters(
        row["bundle"], from_micros(row["start_time"]), from_micros(row["end_time"]), Decimal(row["capital"]),
        row["frequency"], row["algo_path"], row["algo_sha256"],
    )  # fmt: skip
    return BacktestRun(backtest_id, parameters, pinned, from_micros(row["created_at"]))
