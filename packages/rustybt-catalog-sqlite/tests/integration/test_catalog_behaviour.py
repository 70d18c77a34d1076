"""Behaviour beyond the contract: the spec's call shapes, exact times, "newest" ties,
pending datasets, validation times, in-memory databases."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from rustybt.catalog.sqlite import CatalogStorageError, DataCatalog
from rustybt.domain.dataset import SymbolRange
from rustybt.domain.ports.catalog import Catalog

UTC = timezone.utc
FROZEN = datetime(2025, 1, 1, tzinfo=UTC)


def test_spec_call_shapes(tmp_path: Path) -> None:
    metadata_db_path = str(tmp_path / "metadata.db")
    data_catalog = DataCatalog(metadata_db_path)
    try:
        assert isinstance(data_catalog, Catalog)
        assert data_catalog.metadata_db_path == metadata_db_path
        dataset_id = data_catalog.register_dataset(
            "yfinance", ["AAPL", "MSFT"], pd.Timestamp("2023-01-01"), pd.Timestamp("2023-12-31"), "1d", "f" * 64
        )
        found = data_catalog.find_dataset(
            ["MSFT", "AAPL"], pd.Timestamp("2023-01-01"), pd.Timestamp("2023-12-31"), "1d"
        )
        assert found == dataset_id
        info = data_catalog.get_dataset_info(dataset_id)
        assert info["source"] == "yfinance" and dict(info)["resolution"].value == "1d"
        data_catalog.link_backtest_to_dataset("uuid-backtest-a", dataset_id, pd.Timestamp.now())
        data_catalog.link_backtest_to_dataset("uuid-backtest-b", dataset_id, pd.Timestamp.now(tz="UTC"))
        assert data_catalog.get_datasets_for_backtest("uuid-backtest-b") == [dataset_id]
    finally:
        data_catalog.close()


def test_times_round_trip_to_the_microsecond(catalog: DataCatalog) -> None:
    start = datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    end = pd.Timestamp("2024-02-29 14:30:00.123456789", tz="America/New_York")
    ranges = [SymbolRange("ES", start, datetime(2024, 2, 29, 19, 30, 0, 123456, tzinfo=UTC), 1_000_000, True)]
    ident = catalog.register_dataset("csv:cme", ["ES"], start, end, "1m", "c", date_ranges=ranges)
    info = catalog.get_dataset_info(ident)
    assert info.start_date == start
    assert info.end_date == datetime(2024, 2, 29, 19, 30, 0, 123456, tzinfo=UTC)
    assert info.date_ranges == tuple(ranges)
    assert catalog.find_dataset(["ES"], start, info.end_date, "1m") == ident
    assert catalog.find_dataset(["ES"], start - timedelta(microseconds=1), info.end_date, "1m") is None
    assert catalog.find_dataset(["ES"], start, info.end_date + timedelta(microseconds=1), "1m") is None


def test_newest_is_decided_by_registration_order_when_times_tie(
    database_url: str, open_catalog: Callable[..., DataCatalog]
) -> None:
    catalog = open_catalog(database_url, clock=lambda: FROZEN)
    ids = [catalog.register_dataset("yfinance", ["AAPL"], "2024-01-01", "2024-12-31", "1d", f"c{i}") for i in range(5)]
    assert catalog.find_dataset(["AAPL"], "2024-03-01", "2024-03-02", "1d") == ids[-1]
    assert [d.dataset_id for d in catalog.list_datasets()] == ids[::-1]


def test_most_recently_updated_wins(database_url: str, open_catalog: Callable[..., DataCatalog]) -> None:
    ticks = iter(FROZEN + timedelta(seconds=s) for s in range(100))
    catalog = open_catalog(database_url, clock=lambda: next(ticks))
    older = catalog.register_dataset("yfinance", ["AAPL"], "2024-01-01", "2024-12-31", "1d", "c1")
    newer = catalog.register_dataset("yfinance", ["AAPL"], "2024-01-01", "2024-12-31", "1d", "c2")
    assert catalog.find_dataset(["AAPL"], "2024-03-01", "2024-03-02", "1d") == newer
    catalog.update_dataset(older, row_count=10)
    assert catalog.find_dataset(["AAPL"], "2024-03-01", "2024-03-02", "1d") == older
    assert [d.dataset_id for d in catalog.list_datasets()] == [older, newer]


def test_pending_datasets_are_listed_but_never_found(catalog: DataCatalog) -> None:
    ident = catalog.register_dataset("yfinance", ["AAPL"], "2024-01-01", "2024-12-31", "1d", "c", status="pending")
    assert catalog.find_dataset(["AAPL"], "2024-03-01", "2024-03-02", "1d") is None
    assert [d.status for d in catalog.list_datasets(status="pending")] == ["pending"]
    catalog.update_dataset(ident, status="complete")
    assert catalog.find_dataset(["AAPL"], "2024-03-01", "2024-03-02", "1d") == ident
    assert catalog.list_datasets(status="pending") == []


def test_update_end_date_as_a_bare_date_covers_that_day(catalog: DataCatalog) -> None:
    ident = catalog.register_dataset("yfinance", ["AAPL"], "2024-01-01", "2024-03-31", "1d", "c")
    info = catalog.update_dataset(ident, end_date="2024-06-30")
    assert info.end_date == datetime(2024, 6, 30, 23, 59, 59, 999999, tzinfo=UTC)
    with pytest.raises(ValueError, match="after end"):
        catalog.update_dataset(ident, start_date="2024-07-01")
    assert catalog.get_dataset_info(ident).end_date == info.end_date


def test_update_ranges_must_name_dataset_symbols(catalog: DataCatalog) -> None:
    ident = catalog.register_dataset("yfinance", ["AAPL"], "2024-01-01", "2024-03-31", "1d", "c")
    stray = SymbolRange("IBM", datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 1, 3, tzinfo=UTC), 2)
    with pytest.raises(ValueError, match="'IBM', which is not one of the dataset's symbols"):
        catalog.update_dataset(ident, date_ranges=[stray])
    assert catalog.update_dataset(ident, symbols=["IBM"], date_ranges=[stray]).date_ranges == (stray,)


def test_mark_validated_sets_every_file(database_url: str, open_catalog: Callable[..., DataCatalog]) -> None:
    catalog = open_catalog(database_url, clock=lambda: FROZEN)
    ident = catalog.register_dataset(
        "yfinance", ["AAPL"], "2024-01-01", "2024-03-31", "1d", "c", file_checksums={"a": "1", "b": "2"}
    )
    assert catalog.last_validated(ident) == FROZEN
    checked = datetime(2024, 12, 1, 8, 0, 0, 5, tzinfo=UTC)
    catalog.mark_validated(ident, checked)
    assert catalog.last_validated(ident) == checked
    catalog.update_file_checksums("", {"a": "3"})
    assert catalog.last_validated(ident) == checked  # "a" was rewritten (now), "b" is still as old as `checked`


def test_in_memory_database(open_catalog: Callable[..., DataCatalog]) -> None:
    catalog = open_catalog("sqlite://")
    ident = catalog.register_dataset("yfinance", ["AAPL"], "2024-01-01", "2024-03-31", "1d", "c")
    assert catalog.find_dataset(["AAPL"], "2024-01-05", "2024-01-06", "1d") == ident


def test_update_with_no_new_symbols_adds_none(catalog: DataCatalog) -> None:
    ident = catalog.register_dataset("yfinance", ["AAPL"], "2024-01-01", "2024-03-31", "1d", "c")
    assert catalog.update_dataset(ident, symbols=[], row_count=3).symbols == ("AAPL",)


def test_one_catalog_shared_by_threads(tmp_path: Path, open_catalog: Callable[..., DataCatalog]) -> None:
    catalog = open_catalog(tmp_path / "m.db")

    def work(n: int) -> list[str]:
        return [
            catalog.register_dataset("csv:x", [f"T{n}-{i}", "SHARED"], "2024-01-01", "2024-01-31", "1d", "c")
            for i in range(15)
        ]

    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = [i for batch in pool.map(work, range(4)) for i in batch]
        sids = set(pool.map(lambda _: catalog.assign_sid("X", "SHARED"), range(8)))
    assert len(set(ids)) == 60 and len(catalog.list_datasets(symbol="SHARED")) == 60
    assert len(sids) == 1


def test_an_unusable_location_is_a_catalog_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(CatalogStorageError, match="cannot create the catalog database"):
        DataCatalog(blocker / "metadata.db")
