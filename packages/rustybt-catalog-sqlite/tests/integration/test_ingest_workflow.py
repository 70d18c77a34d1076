"""The domain's ingest workflow registers into, and extends, a real catalog database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from rustybt.catalog.sqlite import DataCatalog
from rustybt.contract.samples import sample_bars
from rustybt.domain.date_range import DateRange
from rustybt.domain.fakes import InMemoryBarWriter, InMemoryDataSource
from rustybt.domain.ingest import IngestService

UTC = timezone.utc


def test_ingest_registers_then_extends(database_url: str, open_catalog: Callable[..., DataCatalog]) -> None:
    catalog = open_catalog(database_url)
    source = InMemoryDataSource(sample_bars(["AAPL", "MSFT"], days=90), name="memory")
    service = IngestService(
        source, InMemoryBarWriter(), catalog, bundle="demo", clock=lambda: datetime(2024, 6, 1, tzinfo=UTC)
    )

    first = service.run(["AAPL", "MSFT"], DateRange.of("2024-01-01", "2024-01-31"), "1d")
    info = catalog.get_dataset_info(first.dataset_id or "")
    assert (info.row_count, info.bundle, sorted(info.symbols)) == (62, "demo", ["AAPL", "MSFT"])
    assert {r.symbol: r.bar_count for r in info.date_ranges} == {"AAPL": 31, "MSFT": 31}
    assert catalog.lookup_sid(source.exchange, "AAPL") is not None

    later = service.run(["AAPL", "MSFT"], DateRange.of("2024-02-01", "2024-02-29"), "1d")
    assert later.extended and later.dataset_id == first.dataset_id
    grown = catalog.get_dataset_info(first.dataset_id or "")
    assert grown.row_count == 62 + 58
    assert {r.symbol: r.bar_count for r in grown.date_ranges} == {"AAPL": 60, "MSFT": 60}
    assert catalog.find_dataset(["AAPL", "MSFT"], "2024-01-15", "2024-02-15", "1d", source="memory") == first.dataset_id
    assert [e.operation for e in catalog.audit_log(first.dataset_id)][:1] == ["register"]
    assert "update" in [e.operation for e in catalog.audit_log(first.dataset_id)]
