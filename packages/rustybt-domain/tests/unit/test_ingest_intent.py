"""Pending/complete write intent of the ingest workflow over the in-memory fakes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import polars as pl
import pytest

from rustybt.domain.bar import Bar
from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import StorageError
from rustybt.domain.fakes import InMemoryBarWriter, InMemoryCatalog, InMemoryDataSource
from rustybt.domain.ingest import IngestService
from rustybt.domain.ingest_checks import NoBarsError
from rustybt.domain.ports.bar_writer import WriteResult
from rustybt.domain.resolution import Resolution

NOW = datetime(2024, 12, 31, tzinfo=timezone.utc)
JAN = DateRange.of("2024-01-01", "2024-01-31")
JAN_FEB = DateRange.of("2024-01-01", "2024-02-29")


def daily(symbol: str, start: str, days: int) -> list[Bar]:
    first = datetime.fromisoformat(start).replace(tzinfo=timezone.utc)
    out = []
    for i in range(days):
        price = Decimal(10) + Decimal(i) / 4
        out.append(Bar(symbol, first + timedelta(days=i), price, price + 1, price - 1, price, Decimal(100 + i)))
    return out


class Interrupted(BaseException):
    """Stands for the process dying inside a write."""


class ObservingWriter(InMemoryBarWriter):
    """Records the catalog's statuses when a non-empty write starts; can fail or die there."""

    def __init__(self, catalog: InMemoryCatalog) -> None:
        super().__init__()
        self.catalog = catalog
        self.seen: list[dict[str, str]] = []
        self.fail_with: BaseException | None = None

    def write(self, df: pl.DataFrame | pl.LazyFrame, resolution: Resolution | str) -> WriteResult:
        frame = df.collect() if isinstance(df, pl.LazyFrame) else df
        if not frame.is_empty():
            self.seen.append({i.dataset_id: i.status for i in self.catalog.list_datasets()})
            if self.fail_with is not None:
                raise self.fail_with
        return super().write(frame, resolution)


def setup(days: int = 60) -> tuple[IngestService, InMemoryCatalog, ObservingWriter, InMemoryDataSource]:
    catalog = InMemoryCatalog()
    writer = ObservingWriter(catalog)
    source = InMemoryDataSource({"AAA": daily("AAA", "2024-01-01", days)})
    return IngestService(source, writer, catalog, clock=lambda: NOW), catalog, writer, source


def test_a_new_dataset_is_pending_during_the_write_and_complete_after() -> None:
    svc, catalog, writer, _ = setup()
    summary = svc.run(["AAA"], JAN, "1d")
    assert writer.seen == [{summary.dataset_id: "pending"}]
    info = catalog.get_dataset_info(str(summary.dataset_id))
    assert (info.status, info.row_count, info.parquet_path) == ("complete", 31, writer.root)
    assert len(info.file_checksums) == 1


def test_an_extended_dataset_is_marked_pending_during_the_write() -> None:
    svc, catalog, writer, _ = setup()
    first = svc.run(["AAA"], JAN, "1d")
    second = svc.run(["AAA"], JAN_FEB, "1d")
    assert second.dataset_id == first.dataset_id and second.extended
    assert writer.seen[-1] == {first.dataset_id: "pending"}
    info = catalog.get_dataset_info(str(first.dataset_id))
    assert (info.status, info.row_count) == ("complete", 60)


def test_a_failed_write_withdraws_the_intent() -> None:
    svc, catalog, writer, _ = setup()
    first = svc.run(["AAA"], JAN, "1d")
    writer.fail_with = StorageError("no space left on device")
    with pytest.raises(StorageError):
        svc.run(["AAA"], JAN_FEB, "1d")
    assert [(i.dataset_id, i.status, i.row_count) for i in catalog.list_datasets()] == [
        (first.dataset_id, "complete", 31)
    ]
    other_bundle = IngestService(svc.source, writer, catalog, clock=lambda: NOW, bundle="other")
    with pytest.raises(StorageError):
        other_bundle.run(["AAA"], JAN, "1d")
    assert [i.dataset_id for i in catalog.list_datasets()] == [first.dataset_id]


def test_an_interrupted_extension_stays_pending_and_a_rerun_completes_it() -> None:
    svc, catalog, writer, source = setup()
    first = svc.run(["AAA"], JAN, "1d")
    writer.fail_with = Interrupted()
    with pytest.raises(Interrupted):
        svc.run(["AAA"], JAN_FEB, "1d")
    assert catalog.get_dataset_info(str(first.dataset_id)).status == "pending"
    writer.fail_with = None
    again = svc.run(["AAA"], JAN_FEB, "1d")
    assert again.dataset_id == first.dataset_id and again.rows_fetched == 29
    assert source.requests[-1][1].start.date().isoformat() == "2024-02-01"
    info = catalog.get_dataset_info(str(first.dataset_id))
    assert (info.status, info.row_count, len(catalog.list_datasets())) == ("complete", 60, 1)


def test_an_interrupted_first_ingest_is_resumed_even_in_full_mode() -> None:
    catalog = InMemoryCatalog()
    writer = ObservingWriter(catalog)
    source = InMemoryDataSource({"AAA": daily("AAA", "2024-01-01", 60)})
    svc = IngestService(source, writer, catalog, clock=lambda: NOW, incremental=False)
    writer.fail_with = Interrupted()
    with pytest.raises(Interrupted):
        svc.run(["AAA"], JAN, "1d")
    (pending,) = catalog.list_datasets()
    assert (pending.status, pending.row_count, pending.file_checksums) == ("pending", 0, {})
    writer.fail_with = None
    summary = svc.run(["AAA"], JAN, "1d")
    assert summary.dataset_id == pending.dataset_id
    info = catalog.get_dataset_info(pending.dataset_id)
    assert (info.status, info.row_count, len(info.file_checksums)) == ("complete", 31, 1)
    assert [(r.symbol, r.bar_count) for r in info.date_ranges] == [("AAA", 31)]


def test_a_batch_without_bars_is_refused_and_records_no_intent() -> None:
    svc, catalog, writer, _ = setup()
    with pytest.raises(NoBarsError, match="no bars of AAA"):
        svc.run(["AAA"], DateRange.of("2030-01-01", "2030-01-31"), "1d")
    assert catalog.list_datasets() == [] and writer.seen == []
