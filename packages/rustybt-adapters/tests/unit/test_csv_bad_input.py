"""Bad CSV input gets a clear error or a reported rejection naming file, row and rule."""

from __future__ import annotations

import asyncio
import gzip
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rustybt.adapters import CSVAdapter, CSVFormatError
from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import InvalidRequestError, SymbolNotFoundError, ValidationError
from rustybt.domain.fakes import InMemoryBarWriter, InMemoryCatalog
from rustybt.domain.resolution import Resolution

SPAN = DateRange.of("2024-01-01", "2024-12-31")
HEADER = "Date,Open,High,Low,Close,Volume\n"
GOOD = ["2024-01-02,10.5,11,10,10.75,1000", "2024-01-03,10.75,11.25,10.5,11,1200", "2024-01-04,11,11.5,10.75,11.25,900"]
NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)


def write(folder: Path, symbol: str, lines: list[str], header: str = HEADER) -> Path:
    path = folder / f"{symbol}.csv"
    path.write_text(header + "\n".join(lines) + "\n")
    return path


def ingest(adapter: CSVAdapter, symbols: list[str], mode: str = "lenient"):  # type: ignore[no-untyped-def]
    catalog, writer = InMemoryCatalog(), InMemoryBarWriter()
    summary = asyncio.run(
        adapter.ingest(symbols, "2024-01-01", "2030-12-31", "1d", catalog, writer, mode=mode, now=NOW)
    )
    return summary, catalog, writer


def test_missing_columns_are_named_with_the_file(tmp_path: Path) -> None:
    write(tmp_path, "AAA", ["2024-01-02,1,2,3"], header="Date,Open,High,Low\n")
    with pytest.raises(CSVFormatError, match=r"AAA\.csv.*missing column\(s\) 'Close' \(close\), 'Volume' \(volume\)"):
        asyncio.run(CSVAdapter(tmp_path).fetch(["AAA"], SPAN, Resolution.D1))


@pytest.mark.parametrize("text", ["-2024-01-03", "0000-01-03"])
def test_a_signed_or_zero_year_is_a_bad_date_not_a_bar_outside_the_range(tmp_path: Path, text: str) -> None:
    write(tmp_path, "AAA", [f"{text},10.75,11.25,10.5,11,1200"])
    with pytest.raises(CSVFormatError) as info:
        asyncio.run(CSVAdapter(tmp_path).fetch(["AAA"], SPAN, Resolution.D1))
    assert info.value.line == 2
    assert f"{text!r} is outside the years 1 to 9999" in str(info.value)


def test_wrong_date_format_names_file_line_and_value(tmp_path: Path) -> None:
    write(tmp_path, "AAA", [GOOD[0], "03/01/2024,10.75,11.25,10.5,11,1200", GOOD[2]])
    with pytest.raises(CSVFormatError) as info:
        asyncio.run(CSVAdapter(tmp_path).fetch(["AAA"], SPAN, Resolution.D1))
    assert info.value.line == 3
    assert "'03/01/2024' does not match the date format '%Y-%m-%d'" in str(info.value)
    assert str(tmp_path / "AAA.csv") in str(info.value)


def test_malformed_row_with_extra_fields_is_a_format_error(tmp_path: Path) -> None:
    write(tmp_path, "AAA", [GOOD[0], "2024-01-03,1,2,3,4,5,6,7", GOOD[2]])
    with pytest.raises(CSVFormatError, match=r"AAA\.csv"):
        asyncio.run(CSVAdapter(tmp_path).fetch(["AAA"], SPAN, Resolution.D1))


def test_short_row_is_rejected_for_its_nulls_in_lenient_mode(tmp_path: Path) -> None:
    write(tmp_path, "AAA", [GOOD[0], "2024-01-03,10.75,11.25", GOOD[2]])
    summary, _, _ = ingest(CSVAdapter(tmp_path), ["AAA"])
    assert summary.rows_written == 2
    assert set(summary.rejected.filter(pl.col("row") == 1).get_column("rule")) == {"no_nulls"}


def test_text_in_a_price_is_rejected_naming_value_and_its_line(tmp_path: Path) -> None:
    write(tmp_path, "AAA", [GOOD[0], "2024-01-03,abc,11.25,10.5,11,1200", GOOD[2]])
    with pytest.raises(ValidationError, match=r"AAA\.csv:3: decimal_not_a_number \(.*column 'open': value 'abc' is not a number") as info:
        ingest(CSVAdapter(tmp_path), ["AAA"], mode="strict")
    assert "row 1" not in str(info.value)


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("2024-01-03,10.75,11.25,10.5,11,-5", "volume_non_negative"),
        ("2024-01-03,10.75,10,10.5,11,1200", "high_gte_low"),
        ("2024-01-02,10.5,11,10,10.75,1000", "no_duplicate_timestamps"),
        ("2030-01-03,10.75,11.25,10.5,11,1200", "no_future_bars"),
    ],
)
def test_bad_rows_are_rejected_with_their_rule_and_good_rows_kept(tmp_path: Path, line: str, rule: str) -> None:
    write(tmp_path, "AAA", [GOOD[0], line, GOOD[2]])
    adapter = CSVAdapter(tmp_path)
    with pytest.raises(ValidationError, match=rule):
        ingest(adapter, ["AAA"], mode="strict")
    catalog = InMemoryCatalog()
    writer = InMemoryBarWriter()
    summary = asyncio.run(
        adapter.ingest(["AAA"], "2024-01-01", "2030-12-31", "1d", catalog, writer, mode="lenient", now=NOW)
    )
    assert rule in summary.rejected.get_column("rule").to_list()
    assert summary.rows_rejected == 1
    assert summary.rows_written == 2


def test_strict_failure_registers_nothing_and_writes_nothing(tmp_path: Path) -> None:
    write(tmp_path, "AAA", [GOOD[0], "2024-01-03,10.75,10,10.5,11,1200"])
    catalog, writer = InMemoryCatalog(), InMemoryBarWriter()
    with pytest.raises(ValidationError):
        asyncio.run(CSVAdapter(tmp_path).ingest(["AAA"], "2024-01-01", "2024-12-31", "1d", catalog, writer, now=NOW))
    assert catalog.list_datasets() == []
    assert writer.reader("1d").sids() == []


@pytest.mark.parametrize("symbol", ["../../etc/passwd", "..", "a/b", ".hidden", "x\\y"])
def test_symbols_that_would_leave_the_folder_are_refused(tmp_path: Path, symbol: str) -> None:
    folder = tmp_path / "bars"
    folder.mkdir()
    write(folder, "AAA", GOOD)
    with pytest.raises(InvalidRequestError, match="does not name a file inside"):
        asyncio.run(CSVAdapter(folder).fetch([symbol], SPAN, Resolution.D1))


def test_unknown_symbol_names_every_missing_one(tmp_path: Path) -> None:
    write(tmp_path, "AAA", GOOD)
    with pytest.raises(SymbolNotFoundError) as info:
        asyncio.run(CSVAdapter(tmp_path).fetch(["AAA", "BBB", "CCC"], SPAN, Resolution.D1))
    assert info.value.symbols == ("BBB", "CCC")


def test_gzip_and_zip_inputs_read_the_same_bars(tmp_path: Path) -> None:
    plain = write(tmp_path, "AAA", GOOD)
    (tmp_path / "BBB.csv.gz").write_bytes(gzip.compress(plain.read_bytes()))
    with zipfile.ZipFile(tmp_path / "CCC.zip", "w") as archive:
        archive.writestr("ccc.csv", plain.read_text())
    got = asyncio.run(CSVAdapter(tmp_path).fetch(["AAA", "BBB", "CCC"], SPAN, Resolution.D1))
    by_symbol = got.partition_by("symbol", as_dict=True, include_key=False)
    assert by_symbol[("AAA",)].equals(by_symbol[("BBB",)])
    assert by_symbol[("AAA",)].equals(by_symbol[("CCC",)])


def test_a_zip_with_several_files_is_refused(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "AAA.zip", "w") as archive:
        archive.writestr("a.csv", HEADER)
        archive.writestr("b.csv", HEADER)
    with pytest.raises(CSVFormatError, match="exactly one file"):
        asyncio.run(CSVAdapter(tmp_path).fetch(["AAA"], SPAN, Resolution.D1))


def test_price_scale_that_is_not_a_power_of_ten_is_a_configuration_error(tmp_path: Path) -> None:
    write(tmp_path, "AAA", GOOD)
    with pytest.raises(ValueError, match="power of ten"):
        CSVAdapter(tmp_path, price_scale=3)


def test_scaled_prices_are_exact_and_non_decimals_are_reported(tmp_path: Path) -> None:
    write(tmp_path, "AAA", ["2024-01-02,136300,162500,135000,162500,10", "2024-01-03,1e3,162500,135000,162500,10"])
    raw = asyncio.run(CSVAdapter(tmp_path, price_scale=10000).fetch_raw(["AAA"], SPAN, Resolution.D1))
    assert raw.get_column("open").to_list() == ["13.6300", "1e3 (not a plain decimal: price_scale 1e4 cannot apply)"]
    summary, _, _ = ingest(CSVAdapter(tmp_path, price_scale=10000), ["AAA"])
    assert "decimal_not_a_number" in summary.rejected.get_column("rule").to_list()
    assert summary.rejected.get_column("row").unique().to_list() == [1]
    assert summary.rows_written == 1


prices = st.decimals(min_value="0.01", max_value="99999", places=2, allow_nan=False, allow_infinity=False)
bar_rows = st.lists(
    st.tuples(st.integers(0, 60), prices, prices, prices, prices, st.integers(-3, 10_000)),
    min_size=1,
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=bar_rows, garbage=st.sampled_from(["", "abc", "1,2", "nan", "inf", "12.123456789"]))
def test_every_generated_row_is_written_or_rejected_with_a_rule(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple], garbage: str
) -> None:  # type: ignore[type-arg]
    folder = tmp_path_factory.mktemp("gen")
    lines = [f"2024-01-{1 + day % 28:02d},{o},{h},{low},{c},{v}" for day, o, h, low, c, v in rows]
    lines.append(f"2024-02-01,{garbage},1,1,1,1")
    write(folder, "GEN", lines)
    adapter = CSVAdapter(folder)
    try:
        summary, catalog, _ = ingest(adapter, ["GEN"])
    except CSVFormatError as err:
        assert (err.path.endswith("GEN.csv") and err.line is not None) or "GEN.csv" in str(err)
        return
    rejected_rows = set(summary.rejected.get_column("row").to_list())
    assert summary.rows_written + len(rejected_rows) == summary.rows_fetched
    assert summary.rows_rejected == len(rejected_rows)
    assert all(summary.rejected.get_column("rule").is_not_null())
    if summary.rows_written:
        assert catalog.get_dataset_info(str(summary.dataset_id)).row_count == summary.rows_written


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    symbol=st.text(alphabet=st.sampled_from(list("./\\abcAB_-~ ")), min_size=1, max_size=12)
    | st.sampled_from(["../AAA", "../../etc/passwd", "./AAA", "AAA/../AAA", "/etc/passwd"])
)
def test_generated_symbols_never_reach_a_file_outside_the_folder(
    tmp_path_factory: pytest.TempPathFactory, symbol: str
) -> None:
    root = tmp_path_factory.mktemp("jail")
    folder = root / "bars"
    folder.mkdir()
    write(folder, "AAA", GOOD)
    write(root, "secret", GOOD)
    try:
        got = asyncio.run(CSVAdapter(folder).fetch([symbol], SPAN, Resolution.D1))
    except (InvalidRequestError, SymbolNotFoundError) as err:
        assert repr(symbol) in str(err) or (not symbol.strip() and "symbol is empty" in str(err))
        return
    assert symbol.lower() in {"aaa", "aaa.csv"}
    assert got.height == 3


def test_lenient_rejections_name_the_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, "AAA", [GOOD[0], GOOD[1], "2024-01-04,11,10,10.75,11.25,900"])
    write(tmp_path, "BBB", ["2024-01-02,10.5,11,10,10.75,-1", GOOD[1]])
    summary, _, _ = ingest(CSVAdapter(tmp_path), ["AAA", "BBB"])
    found = summary.rejected.select("symbol", "rule", "location").rows()
    assert ("AAA", "high_gte_low", f"{tmp_path / 'AAA.csv'}:4") in found
    assert ("BBB", "volume_non_negative", f"{tmp_path / 'BBB.csv'}:2") in found
