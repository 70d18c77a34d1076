"""The ``Catalog`` port on SQLAlchemy: a SQLite file by default, PostgreSQL by URL."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import URL
from typing_extensions import override

from rustybt.catalog.sqlite import arguments as args
from rustybt.catalog.sqlite import audit, migrations, queries, records, sids, tables
from rustybt.catalog.sqlite.audit import AuditEntry
from rustybt.catalog.sqlite.changes import DatasetChange, NewDataset
from rustybt.catalog.sqlite.engine import DbTarget, create_private_file, make_engine, sqlite_file, to_url
from rustybt.catalog.sqlite.errors import CatalogStorageError
from rustybt.catalog.sqlite.paths import DatasetPaths
from rustybt.catalog.sqlite.side_records import SideRecords
from rustybt.catalog.sqlite.tables import backtest_data_links
from rustybt.catalog.sqlite.times import from_micros, now_utc, to_micros
from rustybt.catalog.sqlite.transactions import TransactionRunner
from rustybt.catalog.sqlite.version_log import SqlVersionLog
from rustybt.domain.assets import Asset, AssetKey, AssetType
from rustybt.domain.dataset import DatasetInfo, SymbolRange
from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import InvalidRequestError
from rustybt.domain.instants import TimeLike, to_utc
from rustybt.domain.resolution import Resolution


class SqlAlchemyCatalog(SideRecords, SqlVersionLog):
    """The metadata catalog in a SQL database, through SQLAlchemy Core.

    ``DataCatalog("~/.rustybt/metadata.db")`` opens (or creates) a SQLite file;
    ``DataCatalog("postgresql+psycopg://user@host/db")`` a PostgreSQL database. The schema is
    created, or upgraded in place, on open. Every change runs in one transaction together with
    its ``audit_log`` entry; a busy database is waited for up to ``lock_timeout`` seconds. A new
    SQLite file gets ``file_mode`` (its new folders ``dir_mode``). ``upgraded_from`` is the
    layout version found on open (0 for a new database). ``clock`` stamps created, updated,
    validated and audit times. It is also the store's ``VersionLog`` (``version_log.SqlVersionLog``).
    With a ``root`` (the RustyBT home), dataset locations inside it are stored relative to it and
    handed out joined to it (``paths.DatasetPaths``), so a home copied or moved elsewhere keeps
    working; older catalogs are upgraded to that on open.
    """

    def __init__(
        self,
        metadata_db_path: DbTarget,
        *,
        clock: Callable[[], datetime] = now_utc,
        root: str | Path | None = None,
        lock_timeout: float = 60.0,
        busy_timeout: float = 5.0,
        file_mode: int = 0o600,
        dir_mode: int = 0o700,
        echo: bool = False,
        **engine_options: Any,
    ) -> None:
        self.url: URL = to_url(metadata_db_path)
        path = sqlite_file(self.url)
        self.metadata_db_path: str = str(path) if path is not None else self.url.render_as_string(hide_password=True)
        if path is not None:
            try:
                create_private_file(path, file_mode, dir_mode)
            except OSError as err:
                raise CatalogStorageError(f"cannot create the catalog database {path}: {err.strerror or err}") from err
        self._clock = clock
        self.paths = DatasetPaths(root)
        self.engine = make_engine(self.url, busy_timeout=busy_timeout, echo=echo, **engine_options)
        self._db = TransactionRunner(self.engine, f"catalog database {self.metadata_db_path}", lock_timeout)
        self.upgraded_from = migrations.ensure_schema(self._db, self._now, self.paths)

    def _now(self) -> int:
        return to_micros(to_utc(self._clock()))

    def close(self) -> None:
        """Close every pooled connection (the catalog reconnects if used again)."""
        self.engine.dispose()

    def __enter__(self) -> SqlAlchemyCatalog:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.metadata_db_path!r})"

    # -- datasets -------------------------------------------------------------------------

    @override
    def register_dataset(
        self,
        source: str,
        symbols: Sequence[str],
        start_date: TimeLike,
        end_date: TimeLike,
        resolution: Resolution | str,
        checksum: str,
        *,
        parquet_path: str = "",
        row_count: int = 0,
        size_bytes: int = 0,
        date_ranges: Sequence[SymbolRange] = (),
        file_checksums: Mapping[str, str] | None = None,
        asset_type: AssetType | str = AssetType.EQUITY,
        exchange: str | None = None,
        bundle: str | None = None,
        status: str = "complete",
        dataset_id: str | None = None,
    ) -> str:
        new = NewDataset.check(
            source, symbols, start_date, end_date, resolution, checksum,
            parquet_path=self.paths.stored(parquet_path) if isinstance(parquet_path, str) else parquet_path, row_count=row_count, size_bytes=size_bytes, date_ranges=date_ranges,
            file_checksums=file_checksums, asset_type=asset_type, exchange=exchange, bundle=bundle,
            status=status, dataset_id=dataset_id,
        )  # fmt: skip
        return self._db.write(
            lambda conn: new.insert(conn, self._now()),
            f"registering dataset {new.dataset_id} ({source}, {len(new.symbols)} symbols)",
        )

    @override
    def update_dataset(
        self,
        dataset_id: str,
        *,
        symbols: Sequence[str] | None = None,
        start_date: TimeLike | None = None,
        end_date: TimeLike | None = None,
        checksum: str | None = None,
        row_count: int | None = None,
        size_bytes: int | None = None,
        date_ranges: Sequence[SymbolRange] | None = None,
        file_checksums: Mapping[str, str] | None = None,
        status: str | None = None,
    ) -> DatasetInfo:
        change = DatasetChange.check(
            symbols=symbols, start_date=start_date, end_date=end_date, checksum=checksum, row_count=row_count,
            size_bytes=size_bytes, date_ranges=date_ranges, file_checksums=file_checksums, status=status,
        )  # fmt: skip
        return self.paths.info(
            self._db.write(lambda conn: change.apply(conn, dataset_id, self._now()), f"updating dataset {dataset_id}")
        )

    @override
    def find_dataset(
        self,
        symbols: Sequence[str],
        start_date: TimeLike,
        end_date: TimeLike,
        resolution: Resolution | str,
        source: str | None = None,
    ) -> str | None:
        names = args.symbol_list(symbols)
        span = DateRange.of(start_date, end_date)
        res = Resolution.parse(resolution)
        query, params = queries.find_dataset(names, span, res, source)
        found = self._db.read(lambda conn: conn.execute(query, params).scalar(), "finding a dataset")
        return str(found) if found is not None else None

    @override
    def get_dataset_info(self, dataset_id: str) -> DatasetInfo:
        return self.paths.info(
            self._db.read(lambda conn: records.load_info(conn, dataset_id), f"reading dataset {dataset_id!r}")
        )

    @override
    def list_datasets(
        self,
        *,
        source: str | None = None,
        resolution: Resolution | str | None = None,
        symbol: str | None = None,
        bundle: str | None = None,
        status: str | None = None,
    ) -> list[DatasetInfo]:
        res = Resolution.parse(resolution) if resolution is not None else None
        checked = args.status_arg(status) if status is not None else None
        query = queries.list_datasets(source, res, symbol, bundle, checked)
        return self.paths.infos(self._db.read(lambda conn: records.load_infos(conn, query), "listing datasets"))

    @override
    def remove_dataset(self, dataset_id: str) -> None:
        def work(conn: Connection) -> None:
            row = records.dataset_row(conn, dataset_id)
            records.delete_dataset(conn, dataset_id)
            audit.record(
                conn,
                self._now(),
                "remove",
                dataset_id,
                rows=row["row_count"],
                checksum=row["checksum"],
                parquet_path=row["parquet_path"],
            )

        self._db.write(work, f"removing dataset {dataset_id}")

    # -- backtests --------------------------------------------------------------------------

    @override
    def link_backtest_to_dataset(
        self, backtest_id: str, dataset_id: str, cached_at: TimeLike, cache_key: str = ""
    ) -> None:
        args.text_arg(backtest_id, "backtest_id")
        if not isinstance(cache_key, str):
            raise InvalidRequestError(f"cache_key must be a string, not {cache_key!r}")
        when = to_micros(to_utc(cached_at, name="cached_at"))

        def work(conn: Connection) -> None:
            records.dataset_row(conn, dataset_id)
            link = {"backtest_id": backtest_id, "dataset_id": dataset_id, "cached_at": when, "cache_key": cache_key}
            conn.execute(backtest_data_links.insert().values(link))
            audit.record(conn, self._now(), "link_backtest", dataset_id, backtest_id=backtest_id, cache_key=cache_key)

        self._db.write(work, f"linking backtest {backtest_id!r} to dataset {dataset_id}")

    @override
    def get_datasets_for_backtest(self, backtest_id: str) -> list[str]:
        query = queries.datasets_of_backtest(backtest_id)
        return self._db.read(
            lambda conn: [str(i) for i in conn.execute(query).scalars()], f"reading links of backtest {backtest_id!r}"
        )

    # -- sids -----------------------------------------------------------------------------

    @override
    def assign_sid(self, exchange: str, symbol: str, asset_type: AssetType | str = AssetType.EQUITY) -> int:
        key = AssetKey(args.exchange_arg(exchange), args.stored_symbol(symbol))
        kind = AssetType.parse(asset_type)
        known = self.lookup_sid(key.exchange, key.symbol)
        if known is not None:
            return known

        def work(conn: Connection) -> int:
            at = self._now()
            sid, created = sids.insert_if_new(conn, key.exchange, key.symbol, kind, at)
            if created:
                audit.record(
                    conn, at, "assign_sid", sid=sid, exchange=key.exchange, symbol=key.symbol, asset_type=kind.value
                )
            return sid

        return self._db.write(work, f"assigning a sid to {key}")

    @override
    def assign_sids(
        self, exchange: str, symbols: Sequence[str], asset_type: AssetType | str = AssetType.EQUITY
    ) -> dict[str, int]:
        where = args.exchange_arg(exchange)
        names = [args.stored_symbol(s) for s in dict.fromkeys(symbols)]
        kind = AssetType.parse(asset_type)
        known = self._db.read(lambda conn: sids.lookup_many(conn, where, names), f"looking up sids on {where}")
        if len(known) == len(names):
            return {name: known[name] for name in names}

        new = [n for n in names if n not in known]
        assigned = self._db.write(
            lambda conn: sids.assign_many(conn, where, new, kind, self._now()),
            f"assigning sids to {len(new)} symbols on {where}",
        )
        return {name: known[name] if name in known else assigned[name] for name in names}

    @override
    def lookup_sid(self, exchange: str, symbol: str) -> int | None:
        return self._db.read(
            lambda conn: sids.lookup(conn, exchange, symbol), f"looking up the sid of {exchange}:{symbol}"
        )

    @override
    def get_asset(self, sid: int) -> Asset:
        return self._db.read(lambda conn: sids.get(conn, sid), f"reading asset {sid}")

    @override
    def list_assets(self, exchange: str | None = None) -> list[Asset]:
        return self._db.read(lambda conn: sids.listing(conn, exchange), "listing assets")

    # -- checksums --------------------------------------------------------------------------

    @override
    def get_file_checksums(self, dataset_id: str) -> dict[str, str]:
        def work(conn: Connection) -> dict[str, str]:
            records.dataset_row(conn, dataset_id)
            return records.file_checksums(conn, dataset_id)

        return self._db.read(work, f"reading file checksums of dataset {dataset_id}")

    @override
    def update_file_checksums(self, parquet_path: str, checksums: Mapping[str, str]) -> list[str]:
        files = args.file_checksum_map(checksums)
        if not files:
            return []
        holders = queries.datasets_holding_files(
            self.paths.stored(parquet_path) if isinstance(parquet_path, str) else parquet_path, list(files)
        )

        def work(conn: Connection) -> list[str]:
            touched = [str(i) for i in conn.execute(holders).scalars()]
            at = self._now()
            for ident in touched:
                total, changed = records.rewrite_files(conn, ident, files, at)
                audit.record(conn, at, "update_checksums", ident, checksum=total, files=changed)
            return touched

        return self._db.write(work, f"recording rewritten files under {parquet_path!r}")

    @override
    def mark_validated(self, dataset_id: str, at: datetime | None = None) -> None:
        when = to_micros(to_utc(at, name="at")) if at is not None else None

        def work(conn: Connection) -> None:
            records.dataset_row(conn, dataset_id)
            stamp = when if when is not None else self._now()
            conn.execute(
                tables.checksums.update()
                .where(tables.checksums.c.dataset_id == dataset_id)
                .values(last_validated=stamp)
            )
            audit.record(conn, self._now(), "mark_validated", dataset_id, validated_at=from_micros(stamp).isoformat())

        self._db.write(work, f"marking dataset {dataset_id} validated")

    def last_validated(self, dataset_id: str) -> datetime | None:
        """When the least recently validated file of the dataset was checked (``None``: no files)."""

        def work(conn: Connection) -> datetime | None:
            records.dataset_row(conn, dataset_id)
            oldest = conn.execute(queries.oldest_validation(dataset_id)).scalar()
            return from_micros(oldest) if oldest is not None else None

        return self._db.read(work, f"reading validation time of dataset {dataset_id}")

    # -- audit ----------------------------------------------------------------------------

    def audit_log(
        self, dataset_id: str | None = None, *, operation: str | None = None, limit: int | None = None
    ) -> list[AuditEntry]:
        """Changes recorded in the catalog, oldest first (of one dataset, one operation, the
        last ``limit`` when given)."""
        if limit is not None:
            args.count_arg(limit, "limit")
        return self._db.read(lambda conn: audit.read(conn, dataset_id, operation, limit), "reading the audit log")


DataCatalog = SqlAlchemyCatalog
"""The spec's name for the catalog."""
