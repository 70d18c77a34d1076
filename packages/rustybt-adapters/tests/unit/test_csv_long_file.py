"""A long file is read in one pass; its symbols are listed only when the answer depends on them."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from pathlib import Path

import pytest

from rustybt.adapters import CSVAdapter
from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import SymbolNotFoundError
from rustybt.domain.fakes import InMemoryBarWriter, InMemoryCatalog
from rustybt.domain.resolution import Resolution

NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)
ROWS = [
    "AAA,2024-01-02,10,11,9,10.5,100",
    "BBB,2024-01-02,20,21,19,20.5,200",
    " ,2024-01-03,10,11,9,10.5,100",
    "AAA,2024-01-03,10,11,9,10.5,100",
    "CCC,2023-06-01,30,31,29,30.5,300",
]


@pytest.fixture
def long_file(tmp_path: Path) -> CSVAdapter:
    path = tmp_path / "long.csv"
    path.write_text("Ticker,Date,Open,High,Low,Close,Volume\n" + "\n".join(ROWS) + "\n")
    return CSVAdapter(path, schema_mapping={"symbol_column": "Ticker"})


def fetch(adapter: CSVAdapter, names: list[str], span: str = "2024-01-01") -> list[tuple[object, ...]]:
    raw = asyncio.run(adapter.fetch_raw(names, DateRange.of(span, "2024-12-31"), Resolution.D1))
    if raw.is_empty():
        return []
    return list(zip(raw.get_column("symbol"), raw.get_column("source_line"), strict=True))


def test_a_row_without_symbol_is_kept_when_every_symbol_is_asked(long_file: CSVAdapter) -> None:
    # whole-file ingest: the blank symbol is rejected by rule, never dropped
    assert sorted(fetch(long_file, ["AAA", "BBB", "CCC"], "2023-01-01"), key=str) == sorted(
        [("AAA", 2), ("AAA", 5), ("BBB", 3), ("CCC", 6), (None, 4)], key=str
    )
    summary = asyncio.run(
        long_file.ingest(["AAA", "BBB", "CCC"], "2023-01-01", "2024-12-31", "1d", InMemoryCatalog(), InMemoryBarWriter(), mode="lenient", now=NOW)
    )
    assert summary.rows_written == 4 and summary.rows_rejected == 1
    assert summary.rejected.row(0, named=True)["rule"] == "no_nulls"


def test_a_row_without_symbol_is_not_part_of_a_subset(long_file: CSVAdapter) -> None:
    assert fetch(long_file, ["AAA"]) == [("AAA", 2), ("AAA", 5)]


def test_a_known_symbol_without_bars_in_the_span_is_empty_not_unknown(long_file: CSVAdapter) -> None:
    assert fetch(long_file, ["CCC"]) == []
    with pytest.raises(SymbolNotFoundError) as info:
        fetch(long_file, ["AAA", "ZZZ"])
    assert info.value.symbols == ("ZZZ",)
