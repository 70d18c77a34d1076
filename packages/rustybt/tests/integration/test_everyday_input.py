"""Everyday input through the command line: what a new user tries, each answered in one line
or done right, on real data and a real home (SQLite catalog, Parquet store, zipline files)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("rustybt_cli_support", Path(__file__).parents[1] / "cli_support.py")
assert _spec is not None and _spec.loader is not None
support = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = support
_spec.loader.exec_module(support)
run, assert_one_line_failure, home_state = support.run, support.assert_one_line_failure, support.home_state
CSVDIR, MAPPING = support.CSVDIR, support.MAPPING


def ingest_csvdir(home: Path, *extra: str) -> dict[str, object]:
    result = run(home, "ingest", "--source", "csv:csvdir", "--path", str(CSVDIR), "--symbols", "AAPL,KO",
                 "--start", "2012-01-01", "--end", "2014-12-31", "--option", MAPPING, "--bundle", "eq", "--json", *extra)  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def test_gaps_are_one_count_in_the_summary_catalog_and_report(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    lines = (CSVDIR / "AAPL.csv.gz").read_bytes()
    import gzip

    rows = gzip.decompress(lines).decode().splitlines()
    kept = [rows[0], *[r for r in rows[1:] if not r.startswith(("2013-03-0", "2013-07-1"))]]
    removed = len(rows) - len(kept)  # the file has every NYSE session: each row left out is a gap
    (folder / "AAPL.csv").write_text("\n".join(kept) + "\n")
    summary = json.loads(run(home, "ingest", "--source", "csv:gappy", "--path", str(folder), "--option", MAPPING, "--json").stdout)
    shown = json.loads(run(home, "catalog", "show", summary["dataset_id"][:8], "--json").stdout)
    reported = json.loads(run(home, "report", summary["dataset_id"][:8], "--json").stdout)
    (symbol,) = reported["symbols"]
    assert summary["gaps"] == shown["date_ranges"][0]["gaps"] == symbol["missing bars"] == removed == 14
    assert summary["symbols"][0]["gaps"] == removed


def test_a_csv_needs_no_symbols_range_or_second_resolution_flag(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "hourly"
    folder.mkdir()
    (folder / "BTC.csv").write_text("Date,Open,High,Low,Close,Volume\n" + "".join(f"2024-01-02 {h:02d}:00,1,2,0.5,1.5,10\n" for h in range(24)))
    result = run(home, "ingest", "--source", "csv:h", "--path", str(folder), "--resolution", "1h", "--option", "date_format=%Y-%m-%d %H:%M", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["resolution"], summary["rows_written"], summary["gaps"]) == ("1h", 24, 0)
    clash = run(home, "ingest", "--source", "csv:h", "--path", str(folder), "--resolution", "1h", "--option", "resolution=1d")
    assert "disagree" in assert_one_line_failure(clash)


def test_an_unknown_symbol_lists_the_files_symbols(home: Path) -> None:
    result = run(home, "ingest", "--source", "csv:csvdir", "--path", str(CSVDIR), "--symbols", "ZZZ", "--option", MAPPING)
    assert "'ZZZ'; it has: AAPL, IBM, KO, MSFT" in assert_one_line_failure(result)


def test_a_range_without_bars_says_what_the_files_hold_and_stores_nothing(home: Path) -> None:
    ingest_csvdir(home)
    before = home_state(home)
    result = run(home, "ingest", "--source", "csv:csvdir", "--path", str(CSVDIR), "--symbols", "IBM", "--start", "2030-01-01", "--end", "2030-12-31", "--option", MAPPING)
    line = assert_one_line_failure(result)
    assert "no bars of IBM" in line and "IBM.csv.gz holds 2012-01-03" in line
    assert home_state(home) == before


def test_strict_mode_names_file_and_line_as_lenient_mode_does(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "X.csv").write_text("date,open,high,low,close,volume\n2020-01-02,1,2,0.5,1.5,100\n2020-01-03,1e1000000,2,0.5,1.5,100\n2020-01-06,-1,2,-2,1.5,100\n")
    args = ("ingest", "--source", "csv:x", "--path", str(folder), "--option", MAPPING)
    strict = assert_one_line_failure(run(home, *args, "--mode", "strict"))
    assert "X.csv:3: decimal_overflow" in strict and "X.csv:4: no_negative_prices" in strict and "row 2" not in strict
    lenient = json.loads(run(home, *args, "--mode", "lenient", "--json").stdout)
    assert {(r["location"].rsplit("/", 1)[1], r["rule"]) for r in lenient["rejected"]} >= {("X.csv:3", "decimal_overflow"), ("X.csv:4", "no_negative_prices")}
    allowed = json.loads(run(home, *args, "--mode", "lenient", "--option", "allow_negative_prices=true", "--bundle", "neg", "--json").stdout)
    assert allowed["rows_written"] == 2


def test_every_rejected_row_reaches_the_report(home: Path, tmp_path: Path, load_page: object) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "X.csv").write_text("date,open,high,low,close,volume\n2020-01-02,1,2,0.5,1.5,100\n2020-01-03,0,0,0,0,100\n2020-01-06,1,2,0.5,1.5,abc\n")
    summary = json.loads(run(home, "ingest", "--source", "csv:x", "--path", str(folder), "--option", MAPPING, "--mode", "lenient", "--json").stdout)
    reported = json.loads(run(home, "report", "csv-x", "--json", "--output", str(tmp_path / "r.html")).stdout)
    assert {(r["location"].rsplit("/", 1)[1], r["rule"]) for r in reported["rejected"]} >= {("X.csv:3", "no_zero_prices"), ("X.csv:4", "decimal_not_a_number")}
    assert summary["rows_rejected"] == 2 == sum(s["rejected rows"] for s in reported["symbols"])
    assert "X.csv:4" in (tmp_path / "r.html").read_text()


def test_splits_are_flagged_in_summary_catalog_and_report(home: Path) -> None:
    result = run(home, "ingest", "--source", "csv:lean", "--path", str(support.LEAN_DAILY), "--symbols", "aapl", "--start", "2014-01-01", "--end", "2014-12-31", *support.LEAN_OPTIONS, "--json")
    summary = json.loads(result.stdout)
    assert [(f["rule"], f["detail"][:10]) for f in summary["flags"]] == [("suspected_split", "2014-06-09")]
    assert "7:1" in summary["flags"][0]["detail"]
    shown = json.loads(run(home, "catalog", "show", "csv-lean", "--json").stdout)
    assert [f["rule"] for f in shown["issues"]["flags"]] == ["suspected_split"]
    reported = json.loads(run(home, "report", "csv-lean", "--json").stdout)
    assert [f["detail"][:10] for f in reported["split_flags"]] == ["2014-06-09"]
    adjusted = ingest_csvdir(home)  # zipline's csvdir: prices already adjusted, a 7:1 split recorded
    assert [(f["rule"], f["symbol"], f["detail"][:10]) for f in adjusted["flags"]] == [
        ("split_not_in_prices", "AAPL", "2014-06-09"),
        ("split_not_in_prices", "KO", "2012-08-13"),
    ]


def test_a_second_source_of_a_symbol_the_bundle_holds_is_refused_changing_nothing(home: Path, tmp_path: Path) -> None:
    first = ingest_csvdir(home)
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(CSVDIR / "AAPL.csv.gz", other / "AAPL.csv.gz")
    before = home_state(home)
    result = run(home, "ingest", "--source", "csv:other", "--path", str(other), "--symbols", "AAPL", "--option", MAPPING, "--bundle", "eq")
    line = assert_one_line_failure(result)
    assert f"already holds AAPL from csv:csvdir (dataset {first['dataset_id']})" in line and "--bundle" in line
    assert home_state(home) == before  # catalog, bars and zipline files byte for byte


def test_ids_by_prefix_or_bundle_and_json_numbers_or_null(home: Path) -> None:
    ident = str(ingest_csvdir(home)["dataset_id"])
    for ref in (ident, ident[:6], "eq"):
        assert json.loads(run(home, "catalog", "show", ref, "--json").stdout)["dataset_id"] == ident
    verified = json.loads(run(home, "catalog", "verify", ident[:4], "--json").stdout)
    assert verified[0]["missing"] == [] and verified[0]["status"] == "ok"
    assert "-" not in json.dumps(verified).replace(ident, "").replace("_bars", "").replace("csv-", "").split('"location"')[0]
    ingest_csvdir(home, "--full", "--bundle", "eq2")
    shared_prefix = run(home, "catalog", "show", "")
    assert_one_line_failure(shared_prefix)


def test_a_deleted_partition_file_is_an_error_naming_it_not_fewer_rows(home: Path, tmp_path: Path) -> None:
    ident = str(ingest_csvdir(home)["dataset_id"])
    (home / "bundles" / "eq" / "daily_bars" / "year=2013" / "month=06" / "data.parquet").unlink()
    run(home, "cache", "clear")
    line = assert_one_line_failure(run(home, "report", ident[:8], "--output", str(tmp_path / "r.html")))
    assert "year=2013/month=06/data.parquet is missing" in line
    algo = tmp_path / "algo.py"
    algo.write_text("from zipline.api import order, symbol\n\ndef initialize(context):\n    pass\n\ndef handle_data(context, data):\n    data.current(symbol('AAPL'), 'close')\n")
    ran = run(home, "run", str(algo), "--bundle", "eq", "--start", "2013-06-03", "--end", "2013-06-28", "--no-analyze")
    assert "month=06/data.parquet is missing" in assert_one_line_failure(ran)


def test_a_moved_home_reads_and_verifies_its_own_files(home: Path, tmp_path: Path) -> None:
    ident = str(ingest_csvdir(home)["dataset_id"])
    moved = tmp_path / "elsewhere" / "home"
    shutil.copytree(home, moved)
    shutil.rmtree(home)
    verified = run(moved, "catalog", "verify", "--json")
    assert verified.exit_code == 0, verified.output
    (row,) = json.loads(verified.stdout)
    assert row["location"] == str(moved / "bundles" / "eq") and row["status"] == "ok"
    reported = json.loads(run(moved, "report", ident[:8], "--json").stdout)
    assert [s["bars"] for s in reported["symbols"]] == [754, 754]
    algo = tmp_path / "buy.py"
    algo.write_text("from zipline.api import order, symbol\n\ndef initialize(context):\n    context.done = False\n\n"
                    "def handle_data(context, data):\n    if not context.done:\n        order(symbol('KO'), 10)\n        context.done = True\n")  # fmt: skip
    ran = run(moved, "run", str(algo), "--bundle", "eq", "--start", "2013-01-02", "--end", "2013-03-28", "--no-analyze", "--json")
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.stdout)["periods"] == 60


def test_a_dataset_outside_the_home_is_reported_by_verify(home: Path, tmp_path: Path) -> None:
    ingest_csvdir(home)
    from rustybt.catalog.sqlite import DataCatalog

    outside = tmp_path / "outside"
    catalog = DataCatalog(home / "metadata.db", root=home)
    catalog.register_dataset("csv:far", ["X"], "2024-01-01", "2024-01-31", "1d", "c" * 64, parquet_path=str(outside), bundle="far")
    catalog.close()
    verified = run(home, "catalog", "verify", "--json")
    assert verified.exit_code == 1
    rows = {r["location"]: r["status"] for r in json.loads(verified.stdout)}
    assert rows[str(outside)] == "outside home" and rows[str(home / "bundles" / "eq")] == "ok"


def test_cache_counters_outlive_the_process(home: Path) -> None:
    ident = str(ingest_csvdir(home)["dataset_id"])
    for _ in range(2):
        assert support.run_process(home, "report", ident[:8], "--json").returncode == 0
    stats = json.loads(support.run_process(home, "cache", "stats", "--json").stdout)
    assert stats["commands"] == 2 and stats["hits"] >= 1 and stats["misses"] >= 1
    assert 0 < stats["hit_rate"] < 1 and stats["this_process"]["hits"] == 0


def test_help_options_lists_every_option_of_every_source_and_readme_links_the_adapters(home: Path) -> None:
    from rustybt.adapters.source_options import SOURCE_OPTIONS, VALIDATION_OPTIONS

    listed = run(home, "ingest", "--help-options")
    assert listed.exit_code == 0
    for option in (*[o for options in SOURCE_OPTIONS.values() for o in options], *VALIDATION_OPTIONS):
        assert f"  {option.name}=" in listed.stdout
    assert "--help-options" in run(home, "ingest", "--help").stdout
    readme = (Path(__file__).resolve().parents[4] / "README.md").read_text()
    assert "packages/rustybt-adapters/README.md" in readme


def test_everything_under_the_home_is_private(home: Path, tmp_path: Path) -> None:
    ident = str(ingest_csvdir(home)["dataset_id"])
    assert run(home, "report", ident[:8], "--json").exit_code == 0
    assert run(home, "cache", "stats").exit_code == 0
    assert support.loose_modes(home) == []


def test_migrating_a_bundle_without_an_asset_database_warns_of_made_up_symbols(home: Path, tmp_path: Path) -> None:
    source = tmp_path / "bundle"
    ingestion = next((support.SHARED / "zipline-example-data" / "example_data" / "root" / "data" / "test").iterdir())
    shutil.copytree(ingestion, source, ignore=shutil.ignore_patterns("assets-*.sqlite"))
    result = run(home, "ingest", "migrate-hdf5-to-parquet", "--bundle", "noassets", "--source-dir", str(source), "--no-validate", "--json")
    assert result.exit_code == 0, result.output
    (migrated,) = json.loads(result.stdout)
    (warning,) = migrated["warnings"]
    assert "no asset database" in warning and "9 sid(s) got made-up symbols (SID0, SID1" in warning
    shown = run(home, "ingest", "migrate-hdf5-to-parquet", "--bundle", "noassets2", "--source-dir", str(source), "--no-validate")
    assert "warning: " in shown.stderr and "made-up symbols" in shown.stderr


def test_the_widest_range_ingests_the_whole_file(home: Path) -> None:
    result = run(home, "ingest", "--source", "csv:csvdir", "--path", str(CSVDIR), "--symbols", "KO", "--start", "0001-01-01", "--end", "9999-12-31", "--option", MAPPING, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows_written"] == 754


def test_option_values_are_text_and_unknown_keys_are_named(home: Path) -> None:
    ok = run(home, "ingest", "--source", "csv:csvdir", "--path", str(CSVDIR), "--symbols", "KO", "--option", MAPPING, "--option", "date_format=%Y-%m-%d", "--json")
    assert ok.exit_code == 0, ok.output
    line = assert_one_line_failure(run(home, "ingest", "--source", "csv:csvdir", "--path", str(CSVDIR), "--option", "header=false"))
    assert "'header' is not an option of csv:csvdir; its options: schema_mapping, date_format" in line and "has_header" in line
