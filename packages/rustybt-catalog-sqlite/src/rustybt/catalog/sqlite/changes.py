"""Registrations and updates of datasets, checked in full before they touch the database."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from rustybt.catalog.sqlite import arguments as args
from rustybt.catalog.sqlite import audit, queries, records
from rustybt.catalog.sqlite.tables import datasets
from rustybt.catalog.sqlite.times import from_micros, to_micros
from rustybt.domain.assets import AssetType
from rustybt.domain.dataset import DatasetInfo, SymbolRange
from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import InvalidRequestError
from rustybt.domain.instants import TimeLike, to_utc
from rustybt.domain.resolution import Resolution


@dataclass(frozen=True)
class NewDataset:
    """A registration whose every argument has been checked; ``insert`` writes all of it."""

    row: Mapping[str, Any]
    symbols: tuple[str, ...]
    asset_type: str
    exchange: str | None
    ranges: tuple[SymbolRange, ...]
    files: Mapping[str, str]

    @property
    def dataset_id(self) -> str:
        return str(self.row["dataset_id"])

    @classmethod
    def check(
        cls,
        source: str,
        symbols: Sequence[str],
        start_date: TimeLike,
        end_date: TimeLike,
        resolution: Resolution | str,
        checksum: str,
        *,
        parquet_path: str,
        row_count: int,
        size_bytes: int,
        date_ranges: Sequence[SymbolRange],
        file_checksums: Mapping[str, str] | None,
        asset_type: AssetType | str,
        exchange: str | None,
        bundle: str | None,
        status: str,
        dataset_id: str | None,
    ) -> NewDataset:
        """Raises ``InvalidRequestError``, ``InvalidDateRangeError`` or ``InvalidResolutionError``."""
        args.text_arg(source, "source")
        names = args.symbol_list(symbols)
        span = DateRange.of(start_date, end_date)
        res = Resolution.parse(resolution)
        if not isinstance(parquet_path, str):
            raise InvalidRequestError(f"parquet_path must be a string, not {parquet_path!r}")
        row = {
            "dataset_id": str(uuid.uuid4()) if dataset_id is None else args.text_arg(dataset_id, "dataset_id"),
            "source": source,
            "resolution": res.value,
            "start_date": to_micros(span.start),
            "end_date": to_micros(span.end),
            "checksum": args.text_arg(checksum, "checksum"),
            "parquet_path": parquet_path,
            "row_count": args.count_arg(row_count, "row_count"),
            "size_bytes": args.count_arg(size_bytes, "size_bytes"),
            "status": args.status_arg(status),
            "bundle": None if bundle is None else args.text_arg(bundle, "bundle"),
        }
        return cls(
            row=row,
            symbols=names,
            asset_type=AssetType.parse(asset_type).value,
            exchange=None if exchange is None else args.exchange_arg(exchange),
            ranges=args.range_list(date_ranges, names),
            files=args.file_checksum_map(file_checksums),
        )

    def insert(self, conn: Connection, at: int) -> str:
        ident = self.dataset_id
        records.insert_dataset(conn, {**self.row, "created_at": at, "last_updated": at})
        records.insert_symbols(conn, ident, self.symbols, self.asset_type, self.exchange)
        records.replace_ranges(conn, ident, self.ranges)
        records.merge_file_checksums(conn, ident, self.files, at)
        audit.record(
            conn,
            at,
            "register",
            ident,
            rows=self.row["row_count"],
            checksum=self.row["checksum"],
            symbols=len(self.symbols),
            files=len(self.files),
        )
        return ident


@dataclass(frozen=True)
class DatasetChange:
    """An update whose arguments have been checked; ``apply`` writes it to one dataset."""

    values: Mapping[str, Any]
    added: tuple[str, ...]
    start: TimeLike | None
    end: TimeLike | None
    ranges: Sequence[SymbolRange]
    files: Mapping[str, str]

    @classmethod
    def check(
        cls,
        *,
        symbols: Sequence[str] | None,
        start_date: TimeLike | None,
        end_date: TimeLike | None,
        checksum: str | None,
        row_count: int | None,
        size_bytes: int | None,
        date_ranges: Sequence[SymbolRange] | None,
        file_checksums: Mapping[str, str] | None,
        status: str | None,
    ) -> DatasetChange:
        values: dict[str, Any] = {}
        if checksum is not None:
            values["checksum"] = args.text_arg(checksum, "checksum")
        if row_count is not None:
            values["row_count"] = args.count_arg(row_count, "row_count")
        if size_bytes is not None:
            values["size_bytes"] = args.count_arg(size_bytes, "size_bytes")
        if status is not None:
            values["status"] = args.status_arg(status)
        return cls(
            values=values,
            added=args.symbol_list(symbols, allow_empty=True) if symbols is not None else (),
            start=start_date,
            end=end_date,
            ranges=tuple(date_ranges or ()),
            files=args.file_checksum_map(file_checksums),
        )

    def apply(self, conn: Connection, dataset_id: str, at: int) -> DatasetInfo:
        """Raises ``DatasetNotFoundError``; a bare-date ``end`` means the end of that day."""
        current = records.dataset_row(conn, dataset_id)
        start = to_utc(self.start, name="start_date") if self.start is not None else from_micros(current["start_date"])
        end = DateRange.of(self.end, self.end).end if self.end is not None else from_micros(current["end_date"])
        DateRange(start, end)
        known = conn.execute(queries.symbols_of(dataset_id)).all()
        present = [s for s, _, _ in known]
        new = [s for s in self.added if s not in set(present)]
        ranges = args.range_list(self.ranges, [*present, *new])
        kind, exchange = (known[0][1], known[0][2]) if known else (AssetType.EQUITY.value, None)
        records.insert_symbols(conn, dataset_id, new, kind, exchange)
        records.replace_ranges(conn, dataset_id, ranges)
        records.merge_file_checksums(conn, dataset_id, self.files, at)
        values = {**self.values, "start_date": to_micros(start), "end_date": to_micros(end), "last_updated": at}
        conn.execute(datasets.update().where(datasets.c.dataset_id == dataset_id).values(values))
        info = records.load_info(conn, dataset_id)
        changed = sorted([*self.values, *(["start_date"] if self.start else []), *(["end_date"] if self.end else [])])
        audit.record(
            conn,
            at,
            "update",
            dataset_id,
            rows=info.row_count,
            checksum=info.checksum,
            fields=changed,
            symbols_added=new,
            ranges=len(ranges),
            files=sorted(self.files),
        )
        return info
