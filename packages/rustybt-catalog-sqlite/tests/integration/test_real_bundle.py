"""The catalog records zipline's real example bundle: its nine equities, their real ranges and
bar counts, the bundle's files and sids that match zipline's own."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest

from rustybt.catalog.sqlite import DataCatalog
from rustybt.domain.dataset import SymbolRange
from rustybt.domain.integrity import dataset_checksum

UTC = timezone.utc


@pytest.fixture
def bundle(shared_data: Path) -> Path:
    found = sorted((shared_data / "zipline-example-data" / "example_data" / "root" / "data" / "test").glob("*"))
    if not found:
        pytest.fail(f"zipline example bundle not found under {shared_data}")
    return found[0]


def _equities(bundle: Path) -> list[tuple[int, str, datetime, datetime, int]]:
    """(sid, symbol, first session, last session, bar count) from the bundle's own files."""
    attrs = json.loads((bundle / "daily_equities.bcolz" / "__attrs__").read_text())
    with sqlite3.connect(f"file:{bundle / 'assets-7.sqlite'}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT e.sid, m.symbol, e.start_date, e.end_date FROM equities e "
            "JOIN equity_symbol_mappings m ON m.sid = e.sid ORDER BY e.sid"
        ).fetchall()
    return [
        (
            sid,
            symbol,
            datetime.fromtimestamp(start // 10**9, UTC),
            datetime.fromtimestamp(end // 10**9, UTC),
            attrs["last_row"][str(sid)] - attrs["first_row"][str(sid)] + 1,
        )
        for sid, symbol, start, end in rows
    ]


def test_real_bundle_is_registered_found_and_given_stable_sids(
    bundle: Path, database_url: str, open_catalog: Callable[..., DataCatalog]
) -> None:
    catalog = open_catalog(database_url)
    equities = _equities(bundle)
    files = {
        str(p.relative_to(bundle)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(bundle.rglob("*"))
        if p.is_file()
    }
    ranges = [SymbolRange(symbol, first, last, bars, False) for _, symbol, first, last, bars in equities]
    ident = catalog.register_dataset(
        "zipline:test", [r.symbol for r in ranges], min(r.start for r in ranges).date(), max(r.end for r in ranges).date(), "1d",
        dataset_checksum(files), parquet_path=str(bundle.name), row_count=sum(r.bar_count for r in ranges),
        size_bytes=sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file()), date_ranges=ranges,
        file_checksums=files, exchange="YAHOO", bundle="test",
    )  # fmt: skip
    info = catalog.get_dataset_info(ident)
    assert info.row_count == 24_646  # the bundle's documented row count, from its own attributes
    assert info.symbols == ("AMD", "CERN", "COST", "DELL", "GPS", "INTC", "MMM", "AAPL", "MSFT")
    assert info.file_checksums == files and info.checksum == dataset_checksum(files)
    assert catalog.find_dataset(["AAPL", "MSFT"], "2004-01-02", "2014-12-31", "1d", source="zipline:test") == ident
    assert catalog.find_dataset(["AAPL"], "2004-01-02", "2015-01-02", "1d") is None
    assert [d.dataset_id for d in catalog.list_datasets(symbol="DELL", bundle="test")] == [ident]
    sids = {symbol: catalog.assign_sid("YAHOO", symbol) for _, symbol, *_ in equities}
    assert sorted(sids.values()) == [a.sid for a in catalog.list_assets("YAHOO")]
    assert {symbol: catalog.lookup_sid("YAHOO", symbol) for symbol in sids} == sids
    dell = next(r for r in info.date_ranges if r.symbol == "DELL")
    assert (dell.end.date().isoformat(), dell.bar_count) == ("2013-10-29", 2494)
