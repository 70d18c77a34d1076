"""The catalog's read queries, built once per call from checked arguments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, func, select

from rustybt.catalog.sqlite.tables import backtest_data_links, checksums, datasets, symbols
from rustybt.catalog.sqlite.times import to_micros
from rustybt.domain.date_range import DateRange
from rustybt.domain.resolution import Resolution

NEWEST_FIRST = (datasets.c.last_updated.desc(), datasets.c.seq.desc())
"""Most recently updated first; among equals, the last registered first."""


_FIND = (
    select(datasets.c.dataset_id)
    .join(symbols, symbols.c.dataset_id == datasets.c.dataset_id)
    .where(
        symbols.c.symbol.in_(bindparam("names", expanding=True)),
        datasets.c.resolution == bindparam("resolution"),
        datasets.c.status == "complete",
        datasets.c.start_date <= bindparam("start"),
        datasets.c.end_date >= bindparam("end"),
    )
    .group_by(datasets.c.dataset_id, datasets.c.last_updated, datasets.c.seq)
    # symbols has one row per (dataset, symbol): counting rows counts the names held
    .having(func.count() == bindparam("count"))
    .order_by(*NEWEST_FIRST)
    .limit(1)
)
_FIND_FROM_SOURCE = _FIND.where(datasets.c.source == bindparam("source"))


def find_dataset(
    names: Sequence[str], span: DateRange, resolution: Resolution, source: str | None
) -> tuple[Select[Any], dict[str, Any]]:
    """The newest complete dataset covering ``span`` at ``resolution`` that holds every name:
    a statement built once, and its parameters."""
    params: dict[str, Any] = {
        "names": list(names),
        "resolution": resolution.value,
        "start": to_micros(span.start),
        "end": to_micros(span.end),
        "count": len(names),
    }
    if source is None:
        return _FIND, params
    return _FIND_FROM_SOURCE, {**params, "source": source}


def list_datasets(
    source: str | None, resolution: Resolution | None, symbol: str | None, bundle: str | None, status: str | None
) -> Select[Any]:
    """``datasets`` rows matching every filter given, newest first."""
    query = select(datasets).order_by(*NEWEST_FIRST)
    if source is not None:
        query = query.where(datasets.c.source == source)
    if resolution is not None:
        query = query.where(datasets.c.resolution == resolution.value)
    if symbol is not None:
        query = query.where(datasets.c.dataset_id.in_(select(symbols.c.dataset_id).where(symbols.c.symbol == symbol)))
    if bundle is not None:
        query = query.where(datasets.c.bundle == bundle)
    if status is not None:
        query = query.where(datasets.c.status == status)
    return query


def dataset_ids(prefix: str) -> Select[Any]:
    """Ids starting with ``prefix``, compared character for character (no wildcard, and case
    counts: SQLite's LIKE ignores it), newest first."""
    query = select(datasets.c.dataset_id).order_by(*NEWEST_FIRST)
    return query.where(func.substr(datasets.c.dataset_id, 1, len(prefix)) == prefix) if prefix else query


def datasets_holding_files(parquet_path: str, paths: Sequence[str]) -> Select[Any]:
    """Ids of the datasets under ``parquet_path`` that record any of ``paths``, oldest first."""
    return (
        select(checksums.c.dataset_id)
        .join(datasets, datasets.c.dataset_id == checksums.c.dataset_id)
        .where(datasets.c.parquet_path == parquet_path, checksums.c.file_path.in_(list(paths)))
        .group_by(checksums.c.dataset_id, datasets.c.seq)
        .order_by(datasets.c.seq)
    )


def datasets_of_backtest(backtest_id: str) -> Select[Any]:
    """Dataset ids linked to ``backtest_id``, in first-link order, without repeats."""
    return (
        select(backtest_data_links.c.dataset_id)
        .where(backtest_data_links.c.backtest_id == backtest_id)
        .group_by(backtest_data_links.c.dataset_id)
        .order_by(func.min(backtest_data_links.c.link_id))
    )


def oldest_validation(dataset_id: str) -> Select[Any]:
    return select(func.min(checksums.c.last_validated)).where(checksums.c.dataset_id == dataset_id)


def symbols_of(dataset_id: str) -> Select[Any]:
    """(symbol, asset_type, exchange) of a dataset's symbols, in registration order."""
    columns = (symbols.c.symbol, symbols.c.asset_type, symbols.c.exchange)
    return select(*columns).where(symbols.c.dataset_id == dataset_id).order_by(symbols.c.symbol_id)
