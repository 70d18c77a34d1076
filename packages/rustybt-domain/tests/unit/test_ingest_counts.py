"""The ingest summary's counts are the workflow's own: replaced rows and flagged outliers."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal

from rustybt.contract.samples import daily_run as daily
from rustybt.domain.date_range import DateRange
from rustybt.domain.fakes import InMemoryBarWriter, InMemoryCatalog, InMemoryDataSource
from rustybt.domain.ingest import IngestService

NOW = datetime(2024, 12, 31, tzinfo=timezone.utc)
JANUARY = DateRange.of("2024-01-01", "2024-01-31")


def test_a_full_reingest_counts_every_stored_row_as_replaced() -> None:
    source = InMemoryDataSource({"AAA": daily("AAA", "2024-01-01", 20), "BBB": daily("BBB", "2024-01-01", 7)})
    catalog, writer = InMemoryCatalog(), InMemoryBarWriter()
    first = IngestService(source, writer, catalog, clock=lambda: NOW).run(["AAA", "BBB"], JANUARY, "1d")
    again = IngestService(source, writer, catalog, clock=lambda: NOW, incremental=False).run(["AAA", "BBB"], JANUARY, "1d")
    assert (first.rows_added, first.rows_replaced) == (27, 0)
    assert (again.rows_added, again.rows_replaced, again.rows_written) == (0, 27, 27)


def test_a_partly_new_reingest_splits_added_from_replaced() -> None:
    catalog, writer = InMemoryCatalog(), InMemoryBarWriter()
    IngestService(InMemoryDataSource({"AAA": daily("AAA", "2024-01-01", 10)}), writer, catalog, clock=lambda: NOW).run(["AAA"], JANUARY, "1d")
    longer = InMemoryDataSource({"AAA": daily("AAA", "2024-01-01", 25)})
    again = IngestService(longer, writer, catalog, clock=lambda: NOW, incremental=False).run(["AAA"], JANUARY, "1d")
    assert (again.rows_added, again.rows_replaced) == (15, 10)


def test_outliers_are_flagged_and_counted_but_kept() -> None:
    bars = daily("AAA", "2024-01-01", 30)
    spike = Decimal("500")
    bars[20] = replace(bars[20], open=spike, high=spike + 1, low=spike - 1, close=spike)
    source = InMemoryDataSource({"AAA": bars})
    summary = IngestService(source, InMemoryBarWriter(), InMemoryCatalog(), clock=lambda: NOW, mode="lenient").run(["AAA"], JANUARY, "1d")
    flagged = [v for v in summary.report.violations if v.rule == "price_outlier"]
    assert summary.outliers_flagged == len(flagged) >= 1
    assert summary.rows_written == 30 and summary.rows_rejected == 0
