"""The ingest workflow over the in-memory fakes: summary, strict/lenient, progress, incremental."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import polars as pl
import pytest

from rustybt.contract.samples import daily_run as daily
from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import InvalidRequestError
from rustybt.domain.fakes import InMemoryBarWriter, InMemoryCatalog, InMemoryDataSource
from rustybt.domain.ingest import IngestProgress, IngestService

NOW = datetime(2024, 12, 31, tzinfo=timezone.utc)


def service(source: InMemoryDataSource, **kw: object) -> tuple[IngestService, InMemoryCatalog, InMemoryBarWriter]:
    catalog, writer = InMemoryCatalog(), InMemoryBarWriter()
    return IngestService(source, writer, catalog, clock=lambda: NOW, **kw), catalog, writer  # type: ignore[arg-type]


def test_summary_counts_and_registers_one_dataset() -> None:
    source = InMemoryDataSource({"AAA": daily("AAA", "2024-01-01", 10), "BBB": daily("BBB", "2024-01-01", 5)})
    svc, catalog, _ = service(source)
    summary = svc.run(["AAA", "BBB"], DateRange.of("2024-01-01", "2024-01-31"), "1d")
    assert (summary.rows_fetched, summary.rows_written, summary.rows_rejected) == (15, 15, 0)
    assert [(r.symbol, r.bar_count) for r in summary.ranges] == [("AAA", 10), ("BBB", 5)]
    assert catalog.get_dataset_info(str(summary.dataset_id)).row_count == 15


def test_progress_is_reported_per_symbol_and_fetches_one_symbol_at_a_time() -> None:
    source = InMemoryDataSource({"AAA": daily("AAA", "2024-01-01", 3), "BBB": daily("BBB", "2024-01-01", 2)})
    events: list[IngestProgress] = []
    svc, _, _ = service(source, progress=events.append)
    svc.run(["AAA", "BBB"], DateRange.of("2024-01-01", "2024-01-31"), "1d")
    assert [(e.symbol, e.stage, e.rows, e.done, e.total) for e in events] == [
        ("AAA", "fetched", 3, 1, 2),
        ("BBB", "fetched", 2, 2, 2),
        ("AAA", "written", 3, 1, 2),
        ("BBB", "written", 2, 2, 2),
    ]
    assert [r[0] for r in source.requests] == [("AAA",), ("BBB",)]


def test_extending_a_dataset_fetches_only_the_missing_range() -> None:
    source = InMemoryDataSource({"AAA": daily("AAA", "2024-01-01", 60)})
    svc, catalog, _ = service(source)
    first = svc.run(["AAA"], DateRange.of("2024-01-01", "2024-01-31"), "1d")
    second = svc.run(["AAA"], DateRange.of("2024-01-01", "2024-02-29"), "1d")
    assert second.dataset_id == first.dataset_id and second.extended
    assert source.requests[-1][1] == DateRange(
        DateRange.of("2024-01-01", "2024-01-31").end + timedelta(microseconds=1),
        DateRange.of("2024-02-01", "2024-02-29").end,
    )
    assert second.rows_fetched == 29
    info = catalog.get_dataset_info(str(first.dataset_id))
    assert info.row_count == 60 and info.end_date.date().isoformat() == "2024-02-29"
    assert [(r.symbol, r.bar_count) for r in info.date_ranges] == [("AAA", 60)]
    assert len(catalog.list_datasets()) == 1


def test_a_covered_range_fetches_nothing_and_a_new_bundle_is_a_new_dataset() -> None:
    source = InMemoryDataSource({"AAA": daily("AAA", "2024-01-01", 31)})
    svc, catalog, writer = service(source)
    first = svc.run(["AAA"], DateRange.of("2024-01-01", "2024-01-31"), "1d")
    again = svc.run(["AAA"], DateRange.of("2024-01-10", "2024-01-20"), "1d")
    assert again.dataset_id == first.dataset_id and again.rows_fetched == 0 and again.fetched_spans == ()
    other = IngestService(source, writer, catalog, bundle="other", clock=lambda: NOW).run(
        ["AAA"], DateRange.of("2024-01-01", "2024-01-31"), "1d"
    )
    assert other.dataset_id != first.dataset_id


def test_symbols_per_fetch_must_be_positive() -> None:
    with pytest.raises(InvalidRequestError, match="symbols_per_fetch"):
        service(InMemoryDataSource(), symbols_per_fetch=0)


class _EnumSymbolsSource(InMemoryDataSource):
    """Delivers each batch with its symbols as a ``pl.Enum`` of that batch, as sources that
    order bars by the asked symbols do."""

    async def fetch_raw(self, symbols, span, resolution):  # type: ignore[no-untyped-def]
        frame = await super().fetch_raw(symbols, span, resolution)
        return frame.with_columns(pl.col("symbol").cast(pl.Enum(list(symbols))))


def test_batches_with_their_own_symbol_enums_are_ingested_and_ranged_per_symbol() -> None:
    source = _EnumSymbolsSource({"AAA": daily("AAA", "2024-01-01", 4), "BBB": daily("BBB", "2024-01-01", 3)})
    svc, catalog, writer = service(source, symbols_per_fetch=1)
    summary = svc.run(["BBB", "AAA"], DateRange.of("2024-01-01", "2024-01-31"), "1d")
    assert [(r.symbol, r.bar_count) for r in summary.ranges] == [("BBB", 3), ("AAA", 4)]
    sids = {s: catalog.lookup_sid(source.exchange, s) for s in ("AAA", "BBB")}
    assert None not in sids.values()
    stored = writer.reader("1d").load_raw_arrays([sids["AAA"], sids["BBB"]], ["close"], "2024-01-01", "2024-01-31").collect()
    assert stored.group_by("sid").len().sort("sid").rows() == sorted([(sids["AAA"], 4), (sids["BBB"], 3)])


def test_symbol_spans_are_the_same_whether_or_not_each_symbol_is_one_run() -> None:
    from rustybt.domain.ingest_frames import symbol_spans

    t = [datetime(2024, 1, d, tzinfo=timezone.utc) for d in (1, 2, 3, 4, 5)]
    grouped = pl.DataFrame({"symbol": ["B", "B", "A", "A", "A"], "timestamp": t})
    split = pl.DataFrame({"symbol": ["B", "A", "B", "A", "A"], "timestamp": t})
    assert symbol_spans(grouped).rows() == [("B", t[0], t[1], 2), ("A", t[2], t[4], 3)]
    assert symbol_spans(split).rows() == [("B", t[0], t[2], 2), ("A", t[1], t[4], 3)]
