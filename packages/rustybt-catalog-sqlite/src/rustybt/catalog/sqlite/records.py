"""Rows of a dataset (the dataset, its symbols, ranges and file checksums) in and out of the
database, always on a connection the caller holds inside a transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, Select, delete, func, literal, select

from rustybt.catalog.sqlite.tables import backtest_data_links, checksums, dataset_issues, datasets, date_ranges, symbols
from rustybt.catalog.sqlite.times import from_micros, to_micros
from rustybt.domain.assets import AssetType
from rustybt.domain.dataset import DatasetInfo, SymbolRange
from rustybt.domain.errors import DatasetNotFoundError, InvalidRequestError
from rustybt.domain.integrity import dataset_checksum
from rustybt.domain.resolution import Resolution

_CHUNK = 500


def dataset_row(conn: Connection, dataset_id: str) -> RowMapping:
    """The ``datasets`` row of ``dataset_id``; raises ``DatasetNotFoundError``."""
    if not isinstance(dataset_id, str):
        raise DatasetNotFoundError(repr(dataset_id))
    row = conn.execute(select(datasets).where(datasets.c.dataset_id == dataset_id)).mappings().first()
    if row is None:
        raise DatasetNotFoundError(dataset_id)
    return row


def insert_dataset(conn: Connection, values: Mapping[str, Any]) -> None:
    """Insert a ``datasets`` row, numbering it after every earlier one (``seq``).

    Raises ``InvalidRequestError`` when its id is taken.
    """
    ident = values["dataset_id"]
    if conn.execute(select(literal(1)).where(datasets.c.dataset_id == ident)).first():
        raise InvalidRequestError(f"dataset id {ident!r} is already registered")
    row = dict(values)
    if not conn.dialect.supports_sequences:  # SQLite: writers are serialized, so max + 1 is unique
        row["seq"] = select(func.coalesce(func.max(datasets.c.seq), 0) + 1).scalar_subquery()
    conn.execute(datasets.insert().values(row))


def insert_symbols(
    conn: Connection, dataset_id: str, names: Iterable[str], asset_type: str, exchange: str | None
) -> None:
    rows = [
        {"dataset_id": dataset_id, "symbol": s, "asset_type": asset_type, "exchange": exchange, "metadata": None}
        for s in names
    ]
    if rows:
        conn.execute(symbols.insert(), rows)


def replace_ranges(conn: Connection, dataset_id: str, ranges: Sequence[SymbolRange]) -> None:
    """Store ``ranges``, replacing any range already recorded for their symbols."""
    if not ranges:
        return
    names = [r.symbol for r in ranges]
    for i in range(0, len(names), _CHUNK):
        conn.execute(
            delete(date_ranges).where(
                date_ranges.c.dataset_id == dataset_id, date_ranges.c.symbol.in_(names[i : i + _CHUNK])
            )
        )
    rows = [
        {
            "dataset_id": dataset_id,
            "symbol": r.symbol,
            "start_date": to_micros(r.start),
            "end_date": to_micros(r.end),
            "bar_count": r.bar_count,
            "has_gaps": bool(r.has_gaps),
            "gap_count": r.gaps,
        }
        for r in ranges
    ]
    conn.execute(date_ranges.insert(), rows)


def merge_file_checksums(conn: Connection, dataset_id: str, files: Mapping[str, str], at: int) -> None:
    """Record ``files``' checksums (validated at ``at``), replacing those of the same paths."""
    if not files:
        return
    paths = list(files)
    for i in range(0, len(paths), _CHUNK):
        conn.execute(
            delete(checksums).where(
                checksums.c.dataset_id == dataset_id, checksums.c.file_path.in_(paths[i : i + _CHUNK])
            )
        )
    conn.execute(
        checksums.insert(),
        [{"dataset_id": dataset_id, "file_path": p, "checksum": c, "last_validated": at} for p, c in files.items()],
    )


def rewrite_files(conn: Connection, dataset_id: str, files: Mapping[str, str], at: int) -> tuple[str, list[str]]:
    """Record new checksums for those of ``files`` the dataset has and recompute its checksum;
    return the new dataset checksum and the paths changed."""
    have = file_checksums(conn, dataset_id)
    changed = {p: c for p, c in files.items() if p in have}
    merge_file_checksums(conn, dataset_id, changed, at)
    total = dataset_checksum({**have, **changed})
    conn.execute(datasets.update().where(datasets.c.dataset_id == dataset_id).values(checksum=total, last_updated=at))
    return total, sorted(changed)


def file_checksums(conn: Connection, dataset_id: str) -> dict[str, str]:
    query = select(checksums.c.file_path, checksums.c.checksum).where(checksums.c.dataset_id == dataset_id)
    return {path: digest for path, digest in conn.execute(query.order_by(checksums.c.file_path))}


def delete_dataset(conn: Connection, dataset_id: str) -> None:
    for table in (backtest_data_links, checksums, date_ranges, symbols, dataset_issues):
        conn.execute(delete(table).where(table.c.dataset_id == dataset_id))
    conn.execute(delete(datasets).where(datasets.c.dataset_id == dataset_id))


def load_infos(conn: Connection, query: Select[Any]) -> list[DatasetInfo]:
    """``DatasetInfo`` of every ``datasets`` row ``query`` selects, in its order."""
    rows = conn.execute(query).mappings().all()
    ids = [r["dataset_id"] for r in rows]
    names: dict[str, list[str]] = defaultdict(list)
    venue: dict[str, tuple[str | None, str]] = {}
    ranges: dict[str, list[SymbolRange]] = defaultdict(list)
    files: dict[str, dict[str, str]] = defaultdict(dict)
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        sym_q = (
            select(symbols.c.dataset_id, symbols.c.symbol, symbols.c.exchange, symbols.c.asset_type)
            .where(symbols.c.dataset_id.in_(chunk))
            .order_by(symbols.c.symbol_id)
        )
        for ident, symbol, exchange, kind in conn.execute(sym_q):
            names[ident].append(symbol)
            venue.setdefault(ident, (exchange, kind))
        range_q = select(date_ranges).where(date_ranges.c.dataset_id.in_(chunk)).order_by(date_ranges.c.range_id)
        for r in conn.execute(range_q).mappings():
            ranges[r["dataset_id"]].append(
                SymbolRange(
                    r["symbol"],
                    from_micros(r["start_date"]),
                    from_micros(r["end_date"]),
                    int(r["bar_count"]),
                    bool(r["has_gaps"]),
                    None if r["gap_count"] is None else int(r["gap_count"]),
                )
            )
        file_q = select(checksums.c.dataset_id, checksums.c.file_path, checksums.c.checksum).where(
            checksums.c.dataset_id.in_(chunk)
        )
        for ident, path, digest in conn.execute(file_q.order_by(checksums.c.file_path)):
            files[ident][path] = digest
    return [
        DatasetInfo(
            dataset_id=r["dataset_id"],
            source=r["source"],
            resolution=Resolution.parse(r["resolution"]),
            start_date=from_micros(r["start_date"]),
            end_date=from_micros(r["end_date"]),
            checksum=r["checksum"],
            parquet_path=r["parquet_path"],
            created_at=from_micros(r["created_at"]),
            last_updated=from_micros(r["last_updated"]),
            row_count=int(r["row_count"]),
            size_bytes=int(r["size_bytes"]),
            symbols=tuple(names[r["dataset_id"]]),
            date_ranges=tuple(ranges[r["dataset_id"]]),
            file_checksums=files[r["dataset_id"]],
            bundle=r["bundle"],
            status=r["status"],
            exchange=venue.get(r["dataset_id"], (None, ""))[0],
            asset_type=AssetType.parse(venue.get(r["dataset_id"], (None, "equity"))[1] or "equity"),
        )
        for r in rows
    ]


def load_info(conn: Connection, dataset_id: str) -> DatasetInfo:
    """``DatasetInfo`` of one dataset; raises ``DatasetNotFoundError``."""
    if not isinstance(dataset_id, str):
        raise DatasetNotFoundError(repr(dataset_id))
    found = load_infos(conn, select(datasets).where(datasets.c.dataset_id == dataset_id))
    if not found:
        raise DatasetNotFoundError(dataset_id)
    return found[0]
