"""Dividends and splits from the dividend/split columns of CSV bars (zipline's csvdir layout)."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from rustybt.adapters import CSVAdapter, CSVFormatError, source_from_spec
from rustybt.domain.date_range import DateRange
from rustybt.domain.fakes import InMemoryBarWriter, InMemoryCatalog
from rustybt.domain.schemas import CORPORATE_ACTIONS_SCHEMA

CSVDIR_NAMES = ["AAPL", "IBM", "KO", "MSFT"]
ALL = DateRange.of("2012-01-01", "2014-12-31")
HEADER = "symbol,date,open,high,low,close,volume,dividend,split\n"


def actions(adapter: CSVAdapter, symbols: list[str], span: DateRange = ALL) -> pl.DataFrame:
    return asyncio.run(adapter.fetch_corporate_actions(symbols, span))


def test_csvdir_samples_deliver_every_dividend_and_split(csvdir: Path) -> None:
    got = actions(source_from_spec("csv:csvdir", path=csvdir), CSVDIR_NAMES)
    assert got.schema == CORPORATE_ACTIONS_SCHEMA
    counts = dict(((s, a), n) for s, a, n in got.group_by("symbol", "action").len().iter_rows())
    assert counts == {
        ("AAPL", "dividend"): 10,
        ("IBM", "dividend"): 12,
        ("KO", "dividend"): 12,
        ("MSFT", "dividend"): 12,
        ("AAPL", "split"): 1,
        ("KO", "split"): 1,
    }
    splits = got.filter(pl.col("action") == "split").select("symbol", "date", "value").rows()
    assert splits == [("AAPL", date(2014, 6, 9), Decimal("7")), ("KO", date(2012, 8, 13), Decimal("2"))]
    first = got.filter((pl.col("symbol") == "AAPL") & (pl.col("action") == "dividend")).row(0, named=True)
    assert (first["date"], first["value"]) == (date(2012, 8, 9), Decimal("0.37857"))


def test_only_ex_dates_inside_the_span_are_returned(csvdir: Path) -> None:
    got = actions(CSVAdapter(csvdir, name="csvdir"), ["AAPL"], DateRange.of("2014-01-01", "2014-06-30"))
    assert got.select("date", "action").rows() == [
        (date(2014, 2, 6), "dividend"),
        (date(2014, 5, 8), "dividend"),
        (date(2014, 6, 9), "split"),
    ]


def test_ingested_csvdir_actions_are_recorded_against_the_bars_sids(csvdir: Path, tmp_path: Path) -> None:
    import rustybt.catalog.sqlite as sqlite

    catalog = sqlite.DataCatalog(tmp_path / "metadata.db")
    adapter = CSVAdapter(csvdir, name="csvdir", exchange="NASDAQ")
    summary = adapter.ingest_sync(["AAPL", "KO"], "2012-01-01", "2014-12-31", "1d", catalog, InMemoryBarWriter())
    assert summary.rows_written == 2 * 754
    recorded = catalog.record_corporate_actions(adapter.exchange, actions(adapter, ["AAPL", "KO"]))
    assert recorded == 10 + 1 + 12 + 1
    aapl, ko = catalog.lookup_sid("NASDAQ", "AAPL"), catalog.lookup_sid("NASDAQ", "KO")
    stored = catalog.corporate_actions([aapl, ko]).filter(pl.col("action") == "split")
    assert sorted(stored.select("sid", "date", "value").rows()) == sorted(
        [(ko, date(2012, 8, 13), Decimal("2")), (aapl, date(2014, 6, 9), Decimal("7"))]
    )


def test_cli_ingest_of_csvdir_builds_zipline_adjustments(csvdir: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from rustybt.app.cli import main

    home = tmp_path / "home"
    args = ["--home", str(home), "ingest", "--source", "csv:csvdir", "--path", str(csvdir), "--symbols", "AAPL,KO"]
    args += ["--start", "2012-01-01", "--end", "2014-12-31", "--bundle", "eq", "--json"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with sqlite3.connect(home / "bundles" / "eq" / "zipline" / "adjustments.sqlite") as conn:
        ratios = [r for (r,) in conn.execute("SELECT ratio FROM splits ORDER BY effective_date")]
        dividends = conn.execute("SELECT count(*) FROM dividends").fetchone()[0]
    assert ratios == [0.5, pytest.approx(1 / 7)]
    assert dividends == 10 + 12


def write_long(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "long.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n")
    return path


LONG_ROWS = [
    "AAA,2024-01-02,10,11,9,10.5,100,0,1",
    "AAA,2024-01-03,10,11,9,10.5,100,0.25,1",
    "BBB,2024-01-02,20,21,19,20.5,100,,",
    "BBB,2024-01-03,20,21,19,20.5,100,0.0,0.5",
    "CCC,2024-01-03,20,21,19,20.5,100,1.5,3",
]


def long_adapter(path: Path, **options: object) -> CSVAdapter:
    mapping = {"date_column": "date", "symbol_column": "symbol", **{f"{c}_column": c for c in ("open", "high", "low", "close", "volume")}}
    return CSVAdapter(path, name="long", schema_mapping={**mapping, **options})  # type: ignore[dict-item]


def test_long_file_actions_of_the_asked_symbols_with_blank_cells_meaning_none(tmp_path: Path) -> None:
    got = actions(long_adapter(write_long(tmp_path, LONG_ROWS)), ["AAA", "BBB"], DateRange.of("2024-01-01", "2024-01-31"))
    assert got.rows() == [
        ("AAA", date(2024, 1, 3), "dividend", Decimal("0.25")),
        ("BBB", date(2024, 1, 3), "split", Decimal("0.5")),
    ]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("AAA,2024-01-04,10,11,9,10.5,100,-0.1,1", r"line 7.*dividend cannot be negative"),
        ("AAA,2024-01-04,10,11,9,10.5,100,0,0", r"line 7.*split must be a positive ratio"),
        ("AAA,2024-01-04,10,11,9,10.5,100,abc,1", r"line 7.*column 'dividend'.*'abc' is not a number"),
        ("AAA,2024-01-04,10,11,9,10.5,100,0.123456789,1", r"line 7.*has more than 8 decimals"),
    ],
)
def test_bad_action_values_name_file_line_and_column(tmp_path: Path, row: str, message: str) -> None:
    adapter = long_adapter(write_long(tmp_path, [*LONG_ROWS, row]))
    with pytest.raises(CSVFormatError, match=message):
        actions(adapter, ["AAA"], DateRange.of("2024-01-01", "2024-01-31"))


def test_files_without_action_columns_have_none_unless_the_mapping_asks_for_them(tmp_path: Path) -> None:
    (tmp_path / "AAA.csv").write_text("Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,1,2,10\n")
    span = DateRange.of("2024-01-01", "2024-01-31")
    assert actions(CSVAdapter(tmp_path), ["AAA"], span).is_empty()
    with pytest.raises(CSVFormatError, match=r"missing column\(s\) 'Dividend' \(dividend\)"):
        actions(CSVAdapter(tmp_path, schema_mapping={"dividend_column": "Dividend"}), ["AAA"], span)


def test_unknown_symbol_is_named(tmp_path: Path) -> None:
    from rustybt.domain.errors import SymbolNotFoundError

    with pytest.raises(SymbolNotFoundError):
        actions(long_adapter(write_long(tmp_path, LONG_ROWS)), ["ZZZ"])


def test_ingest_of_a_file_with_actions_still_stores_every_bar(tmp_path: Path) -> None:
    adapter = long_adapter(write_long(tmp_path, LONG_ROWS))
    summary = adapter.ingest_sync(["AAA", "BBB", "CCC"], "2024-01-01", "2024-01-31", "1d", InMemoryCatalog(), InMemoryBarWriter())
    assert summary.rows_written == len(LONG_ROWS)
