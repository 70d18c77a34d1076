"""Datasets sharing partition files with a write are pending while it runs, over the fakes.

Two symbols of one store in the same months share every partition file. A write for one of
them changes files the other's checksums cover: the other must be pending from before the
first file changes until the catalog records its new checksums, never complete with stale
ones, and an interrupted write must leave both named pending until its re-run.
"""

from __future__ import annotations

from datetime import datetime, timezone

import polars as pl
import pytest

from rustybt.contract.samples import daily_run as daily
from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import StorageError
from rustybt.domain.fakes import InMemoryBarWriter, InMemoryCatalog, InMemoryDataSource
from rustybt.domain.ingest import IngestService
from rustybt.domain.ingest_intent import touched_partitions
from rustybt.domain.ports.bar_writer import WriteResult
from rustybt.domain.resolution import Resolution

NOW = datetime(2024, 12, 31, tzinfo=timezone.utc)
JAN = DateRange.of("2024-01-01", "2024-01-31")
JAN_FEB = DateRange.of("2024-01-01", "2024-02-29")
MAR = DateRange.of("2024-03-01", "2024-03-31")


class Killed(BaseException):
    """Stands for the process dying inside an ingest."""


class FileTrackingWriter(InMemoryBarWriter):
    """Keeps the checksum of every partition file as last written; records the catalog's
    statuses when a non-empty write starts; can fail before writing or die right after."""

    def __init__(self, catalog: InMemoryCatalog) -> None:
        super().__init__()
        self.catalog = catalog
        self.files: dict[str, str] = {}
        self.seen: list[dict[str, str]] = []
        self.fail_before: BaseException | None = None
        self.die_after = False

    def write(self, df: pl.DataFrame | pl.LazyFrame, resolution: Resolution | str) -> WriteResult:
        frame = df.collect() if isinstance(df, pl.LazyFrame) else df
        if frame.is_empty():
            return super().write(frame, resolution)
        self.seen.append({i.symbols[0]: i.status for i in self.catalog.list_datasets()})
        if self.fail_before is not None:
            raise self.fail_before
        result = super().write(frame, resolution)
        self.files.update(result.checksums)
        if self.die_after:
            raise Killed()
        return result


def verify(catalog: InMemoryCatalog, writer: FileTrackingWriter) -> dict[str, str]:
    """Per symbol: ``incomplete`` (pending), ``damaged`` (a recorded checksum differs from the
    file) or ``ok``, as ``rustybt catalog verify`` reports it."""
    report = {}
    for info in catalog.list_datasets():
        stale = any(writer.files.get(path) != digest for path, digest in info.file_checksums.items())
        report[info.symbols[0]] = "incomplete" if info.status != "complete" else ("damaged" if stale else "ok")
    return report


def setup() -> tuple[InMemoryCatalog, FileTrackingWriter, dict[str, IngestService]]:
    catalog = InMemoryCatalog()
    writer = FileTrackingWriter(catalog)
    source = InMemoryDataSource({"AAA": daily("AAA", "2024-01-01", 90, 10), "BBB": daily("BBB", "2024-01-01", 90, 50)})
    services = {s: IngestService(source, writer, catalog, clock=lambda: NOW) for s in ("AAA", "BBB")}
    return catalog, writer, services


def test_touched_partitions_are_the_month_folders_of_the_rows() -> None:
    frame = pl.DataFrame(
        {"date": [datetime(2024, 1, 31).date(), datetime(2024, 2, 1).date(), datetime(2024, 2, 9).date()]}
    )
    assert touched_partitions(frame, "daily") == {"daily_bars/year=2024/month=01", "daily_bars/year=2024/month=02"}
    minute = pl.DataFrame({"timestamp": [datetime(2024, 1, 31, 23, 59, tzinfo=timezone.utc)]})
    assert touched_partitions(minute, "minute") == {"minute_bars/year=2024/month=01/day=31"}


def test_a_dataset_sharing_the_written_files_is_pending_during_the_write_and_rechecked_after() -> None:
    catalog, writer, ingest = setup()
    ingest["AAA"].run(["AAA"], JAN_FEB, "1d")
    ingest["BBB"].run(["BBB"], JAN, "1d")
    assert writer.seen[-1] == {"AAA": "pending", "BBB": "pending"}
    assert verify(catalog, writer) == {"AAA": "ok", "BBB": "ok"}
    ingest["BBB"].run(["BBB"], JAN_FEB, "1d")
    assert writer.seen[-1] == {"AAA": "pending", "BBB": "pending"}
    assert verify(catalog, writer) == {"AAA": "ok", "BBB": "ok"}


def test_a_dataset_in_other_partitions_is_left_alone() -> None:
    catalog, writer, ingest = setup()
    first = ingest["AAA"].run(["AAA"], JAN, "1d")
    stamp = catalog.get_dataset_info(str(first.dataset_id)).last_updated
    ingest["BBB"].run(["BBB"], MAR, "1d")
    assert writer.seen[-1] == {"AAA": "complete", "BBB": "pending"}
    assert catalog.get_dataset_info(str(first.dataset_id)).last_updated == stamp
    assert verify(catalog, writer) == {"AAA": "ok", "BBB": "ok"}


def test_a_write_killed_after_the_files_changed_names_both_incomplete_and_a_rerun_repairs_them() -> None:
    catalog, writer, ingest = setup()
    ingest["AAA"].run(["AAA"], JAN_FEB, "1d")
    ingest["BBB"].run(["BBB"], JAN, "1d")
    writer.die_after = True
    with pytest.raises(Killed):
        ingest["BBB"].run(["BBB"], JAN_FEB, "1d")
    assert verify(catalog, writer) == {"AAA": "incomplete", "BBB": "incomplete"}
    writer.die_after = False
    again = ingest["BBB"].run(["BBB"], JAN_FEB, "1d")
    assert again.extended and again.rows_fetched == 29
    assert verify(catalog, writer) == {"AAA": "ok", "BBB": "ok"}
    assert {i.symbols[0]: i.row_count for i in catalog.list_datasets()} == {"AAA": 60, "BBB": 60}


def test_a_failed_write_puts_the_sharers_back_unchanged() -> None:
    catalog, writer, ingest = setup()
    ingest["AAA"].run(["AAA"], JAN_FEB, "1d")
    before = {i.dataset_id: (i.status, dict(i.file_checksums), i.checksum) for i in catalog.list_datasets()}
    writer.fail_before = StorageError("no space left on device")
    with pytest.raises(StorageError):
        ingest["BBB"].run(["BBB"], JAN, "1d")
    assert writer.seen[-1] == {"AAA": "pending", "BBB": "pending"}
    assert {i.dataset_id: (i.status, dict(i.file_checksums), i.checksum) for i in catalog.list_datasets()} == before


def test_a_sharer_left_pending_by_its_own_interrupted_ingest_stays_pending() -> None:
    catalog, writer, ingest = setup()
    ingest["AAA"].run(["AAA"], JAN, "1d")
    writer.die_after = True
    with pytest.raises(Killed):
        ingest["AAA"].run(["AAA"], JAN_FEB, "1d")
    writer.die_after = False
    ingest["BBB"].run(["BBB"], JAN_FEB, "1d")
    assert verify(catalog, writer) == {"AAA": "incomplete", "BBB": "ok"}
    ingest["AAA"].run(["AAA"], JAN_FEB, "1d")
    assert verify(catalog, writer) == {"AAA": "ok", "BBB": "ok"}
