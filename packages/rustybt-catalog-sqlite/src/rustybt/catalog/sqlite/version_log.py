"""The ``VersionLog`` port on the catalog database (``SqlAlchemyCatalog`` implements it).

A mixin over the catalog's ``TransactionRunner`` (``_db``) and clock (``_now``): the version log
lives in the same database as datasets and sids, so one transaction can later cover a version
and its catalog rows. Commits are compare-and-swap on the table's head (``version_commit``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select
from typing_extensions import override

from rustybt.catalog.sqlite import version_commit, version_retention, version_rows
from rustybt.catalog.sqlite.times import to_micros
from rustybt.catalog.sqlite.transactions import TransactionRunner
from rustybt.catalog.sqlite.version_tables import store_tables, versions
from rustybt.domain import commits
from rustybt.domain.backtest_runs import BacktestParameters, BacktestRun
from rustybt.domain.commits import CommitRequest
from rustybt.domain.errors import InvalidRequestError
from rustybt.domain.instants import TimeLike, to_utc
from rustybt.domain.ports.version_log import VersionLog
from rustybt.domain.stored_files import Snapshot, StoredFile
from rustybt.domain.versions import AsOf, Operation, StoreTable, Version


class SqlVersionLog(VersionLog):
    """Versions, files and backtest pins in the catalog's tables (schema 4)."""

    _db: TransactionRunner

    if TYPE_CHECKING:

        def _now(self) -> int:
            """The catalog's clock, in epoch microseconds."""

    @override
    def head(self, table: StoreTable) -> int:
        return self._db.read(lambda conn: version_rows.head(conn, table), f"reading the head of {table}")

    @override
    def snapshot(self, table: StoreTable, as_of: AsOf | int | TimeLike | None = None) -> Snapshot:
        wanted = AsOf.parse(as_of) if as_of is not None else None

        def work(conn: Connection) -> Snapshot:
            if wanted is None:
                newest = version_rows.head(conn, table)
                if newest == 0:
                    return Snapshot(table, 0, None)
                version = version_rows.readable_version(conn, table, newest)
            else:
                version = version_rows.resolve(conn, table, wanted)
            found = version_rows.live_files(conn, table, version.version)
            return Snapshot(table, version.version, version.committed_at, found)

        return self._db.read(work, f"reading a snapshot of {table}")

    @override
    def commit(
        self,
        table: StoreTable,
        base_version: int,
        added: Sequence[StoredFile] = (),
        removed: Sequence[str] = (),
        *,
        operation: Operation | str,
        dataset_id: str | None = None,
        rows_added: int = 0,
        rows_replaced: int = 0,
        rows_removed: int = 0,
    ) -> Version:
        req = CommitRequest.check(
            table, base_version, added, removed, operation, dataset_id, rows_added, rows_replaced, rows_removed
        )
        if req.base == 0:
            self._db.write(lambda conn: version_commit.ensure_table(conn, table, self._now()), f"creating {table}")
        return self._db.write(
            lambda conn: version_commit.apply(conn, req, self._now()), f"committing version {req.version} of {table}"
        )

    @override
    def history(self, table: StoreTable | None = None, *, dataset_id: str | None = None) -> list[Version]:
        if table is None and dataset_id is None:
            raise InvalidRequestError("history needs a table, a dataset id, or both")
        query = version_rows.version_query().order_by(versions.c.table_id, versions.c.version)
        if table is not None:
            query = query.where(versions.c.table_id == table.table_id)
        if dataset_id is not None:
            query = query.where(versions.c.dataset_id == dataset_id)
        found = self._db.read(
            lambda conn: [version_rows.to_version(row) for row in conn.execute(query).mappings()], "reading history"
        )
        return sorted(found, key=lambda v: (v.table, v.version))

    @override
    def tables(self) -> list[StoreTable]:
        query = select(store_tables.c.table_id).where(store_tables.c.head_version > 0)
        ids = self._db.read(lambda conn: list(conn.execute(query).scalars()), "listing store tables")
        return sorted(StoreTable.parse(i) for i in ids)

    @override
    def versions_to_keep(self, table: StoreTable, *, retain_since: TimeLike, keep_linked: bool = True) -> set[int]:
        since = to_micros(to_utc(retain_since, name="retain_since"))
        return self._db.read(
            lambda conn: version_retention.keep(conn, table, since, keep_linked),
            f"choosing versions of {table} to keep",
        )

    @override
    def expire_versions(self, table: StoreTable, keep: Collection[int], *, force: bool = False) -> list[int]:
        kept = set(keep)
        return self._db.write(
            lambda conn: version_retention.expire(conn, table, kept, force, self._now()),
            f"expiring versions of {table}",
        )

    @override
    def files_unneeded(self, table: StoreTable) -> list[StoredFile]:
        return self._db.read(lambda conn: version_retention.unneeded(conn, table), f"listing unneeded files of {table}")

    @override
    def mark_deleted(self, table: StoreTable, paths: Sequence[str]) -> int:
        names = list(dict.fromkeys(paths))
        return self._db.write(
            lambda conn: version_retention.mark_deleted(conn, table, names, self._now()),
            f"marking {len(names)} files of {table} deleted",
        )

    @override
    def all_file_paths(self, table: StoreTable) -> set[str]:
        return self._db.read(lambda conn: version_retention.all_paths(conn, table), f"listing files of {table}")

    @override
    def link_backtest_to_versions(
        self, backtest_id: str, versions: Mapping[StoreTable, int], parameters: BacktestParameters
    ) -> BacktestRun:
        pinned = commits.check_link(backtest_id, versions, parameters)

        def work(conn: Connection) -> BacktestRun:
            version_retention.link(conn, backtest_id, pinned, parameters, self._now())
            return version_retention.run(conn, backtest_id)

        return self._db.write(work, f"linking backtest {backtest_id!r} to versions")

    @override
    def backtest_run(self, backtest_id: str) -> BacktestRun:
        return self._db.read(lambda conn: version_retention.run(conn, backtest_id), f"reading backtest {backtest_id!r}")
