"""The CLI end to end on real files: ingest → catalog list/show/verify → report, and damage found."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from rustybt.app.cli import main

SHARED = Path(__file__).resolve().parents[4] / ".." / "shared" / "data"
CSVDIR = SHARED / "zipline-test-resources" / "csvdir_samples" / "csvdir" / "daily"
MAPPING = "schema_mapping={date_column: date, open_column: open, high_column: high, low_column: low, close_column: close, volume_column: volume}"


def run(home: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)


@pytest.fixture
def ingested(tmp_path: Path) -> tuple[Path, str]:
    result = run(
        tmp_path, "ingest", "--source", "csv:csvdir", "--path", str(CSVDIR), "--symbols", "AAPL,KO",
        "--start", "2012-01-01", "--end", "2014-12-31", "--option", MAPPING, "--bundle", "eq", "--json",
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["rows_written"] == 2 * 754
    return tmp_path, summary["dataset_id"]


def test_list_show_verify(ingested: tuple[Path, str]) -> None:
    home, ident = ingested
    listed = json.loads(run(home, "catalog", "list", "--json").output)
    assert [d["dataset_id"] for d in listed] == [ident]
    assert listed[0]["bundle"] == "eq" and listed[0]["row_count"] == 1508
    shown = json.loads(run(home, "catalog", "show", ident, "--json").output)
    assert sorted(shown["symbols"]) == ["AAPL", "KO"]
    verified = run(home, "catalog", "verify", "--json")
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.output)[0]["status"] == "ok"


def test_verify_names_a_damaged_file(ingested: tuple[Path, str]) -> None:
    home, ident = ingested
    target = home / "bundles" / "eq" / "daily_bars" / "year=2013" / "month=06" / "data.parquet"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    verified = run(home, "catalog", "verify", ident, "--json")
    assert verified.exit_code == 1
    row = json.loads(verified.output)[0]
    assert row["status"] == "damaged"
    assert "daily_bars/year=2013/month=06/data.parquet" in row["changed"]


def test_reingest_replaces_and_extends(ingested: tuple[Path, str]) -> None:
    home, _ident = ingested
    again = run(
        home, "ingest", "--source", "csv:csvdir", "--path", str(CSVDIR), "--symbols", "AAPL,KO",
        "--start", "2012-01-01", "--end", "2014-12-31", "--option", MAPPING, "--bundle", "eq", "--json", "--full",
    )
    summary = json.loads(again.output)
    assert summary["rows_replaced"] == 1508 and summary["rows_added"] == 0


@pytest.mark.browser
def test_report_page(ingested: tuple[Path, str], load_page: Callable[[Path], object]) -> None:
    home, ident = ingested
    out = home / "q.html"
    result = run(home, "report", ident, "--output", str(out), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert {s["symbol"] for s in summary["symbols"]} == {"AAPL", "KO"}
    assert all(s["missing bars"] == 0 for s in summary["symbols"])  # NYSE sessions, no weekend gaps
    page = load_page(out)
    assert not page.errors  # type: ignore[attr-defined]
    assert page.dom.count('<li><a href="#symbol=') == 2  # type: ignore[attr-defined]  # AAPL and KO in the navigator


def test_unknown_source_is_actionable(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--home", str(tmp_path), "ingest", "--source", "bloomberg", "--symbols", "X", "--start", "2024-01-01", "--end", "2024-01-02"])
    assert result.exit_code == 1
    assert "unknown data source 'bloomberg'" in result.output
    bad_date = CliRunner().invoke(main, ["--home", str(tmp_path), "ingest", "--source", "yfinance", "--symbols", "X", "--start", "yesterday", "--end", "2024-01-02"])
    assert bad_date.exit_code == 1
    assert "ISO-8601" in bad_date.output
