"""The records a catalog keeps beside its datasets: dataset ids by prefix, the issues an
ingest found (rejected rows, flags) and corporate actions. A base of ``SqlAlchemyCatalog``,
which provides the transaction runner ``_db`` and the clock ``_now``."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence

import polars as pl
from sqlalchemy import Connection
from typing_extensions import override

from rustybt.catalog.sqlite import actions as corporate_action_rows
from rustybt.catalog.sqlite import arguments as args
from rustybt.catalog.sqlite import audit, queries, records
from rustybt.catalog.sqlite import issues as issues_rows
from rustybt.catalog.sqlite.transactions import TransactionRunner
from rustybt.domain.corporate_actions import check_corporate_actions
from rustybt.domain.dataset_issues import check_issues
from rustybt.domain.ports.catalog import Catalog


class SideRecords(Catalog):
    """Dataset ids by prefix, dataset issues and corporate actions, in SQL."""

    _db: TransactionRunner

    @abstractmethod
    def _now(self) -> int:
        """Now, in epoch microseconds."""

    @override
    def dataset_ids(self, prefix: str = "") -> list[str]:
        if not isinstance(prefix, str) or not args.storable_text(prefix):
            return []  # no stored id holds what the database cannot store
        query = queries.dataset_ids(prefix)
        return self._db.read(lambda conn: [str(i) for i in conn.execute(query).scalars()], "listing dataset ids")

    @override
    def record_dataset_issues(self, dataset_id: str, issues: pl.DataFrame) -> int:
        checked = check_issues(issues)

        def work(conn: Connection) -> int:
            records.dataset_row(conn, dataset_id)
            added = issues_rows.append(conn, dataset_id, checked)
            audit.record(conn, self._now(), "record_issues", dataset_id, rows=added)
            return added

        return self._db.write(work, f"recording {checked.height} issues of dataset {dataset_id!r}")

    @override
    def dataset_issues(self, dataset_id: str) -> pl.DataFrame:
        def work(conn: Connection) -> pl.DataFrame:
            records.dataset_row(conn, dataset_id)
            return issues_rows.load(conn, dataset_id)

        return self._db.read(work, f"reading issues of dataset {dataset_id!r}")

    # -- corporate actions ----------------------------------------------------------------

    @override
    def record_corporate_actions(self, exchange: str, actions: pl.DataFrame) -> int:
        checked = check_corporate_actions(actions)
        venue = args.exchange_arg(exchange)
        if checked.is_empty():
            return 0
        for symbol in checked.get_column("symbol").unique().to_list():
            args.stored_symbol(symbol)

        def work(conn: Connection) -> int:
            at = self._now()
            stored = corporate_action_rows.store(conn, venue, checked, at)
            audit.record(conn, at, "record_corporate_actions", rows=stored, exchange=venue)
            return stored

        return self._db.write(work, f"storing {checked.height} corporate actions of {venue}")

    @override
    def corporate_actions(self, sids: Sequence[int] | None = None) -> pl.DataFrame:
        return self._db.read(lambda conn: corporate_action_rows.load(conn, sids), "reading corporate actions")
