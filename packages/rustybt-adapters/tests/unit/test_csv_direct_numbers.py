"""CSV numbers parsed straight into Decimal give exactly what the value-by-value text path gives,
and the direct parse is used only where no digit can be lost."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rustybt.adapters import CSVAdapter
from rustybt.adapters.csv_numbers import numbers_parse_exactly
from rustybt.domain.date_range import DateRange
from rustybt.domain.decimals import DecimalConversion, to_decimal_columns
from rustybt.domain.resolution import Resolution
from rustybt.domain.schemas import PRICE_DTYPE, VOLUME_DTYPE

HEADER = "Date,Open,High,Low,Close,Volume\n"
SPAN = DateRange.of("2024-01-01", "2024-12-31")


def write(folder: Path, lines: list[str], name: str = "AAA.csv") -> Path:
    path = folder / name
    path.write_text(HEADER + "\n".join(lines) + "\n")
    return path


def read_both(path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The raw bars read with direct numbers where allowed, and always as text."""
    reader = CSVAdapter(path.parent).reader
    direct = reader.read(path, SPAN, symbol="AAA")
    text = dataclasses.replace(reader, direct_numbers=False).read(path, SPAN, symbol="AAA")
    return direct, text


def converted(raw: pl.DataFrame, mode: str = "lenient") -> DecimalConversion:
    return to_decimal_columns(raw, mode=mode)


def test_plain_prices_are_read_straight_into_the_storage_decimals(tmp_path: Path) -> None:
    direct, text = read_both(write(tmp_path, ["2024-01-02,10.5,11,10,10.75,1000", "2024-01-03,0.00000001,2,0.1,1.25,12345678901234.5"]))
    assert direct.schema["open"] == PRICE_DTYPE and direct.schema["volume"] == VOLUME_DTYPE
    assert text.schema["open"] == pl.String
    assert direct.equals(converted(text).frame)
    assert direct.get_column("volume").to_list() == [Decimal(1000), Decimal("12345678901234.5")]


@pytest.mark.parametrize(
    "value",
    [
        "1e-19",  # an exponent: parsed at scale 18 it would silently be 0
        "1.0000000000000000000001",  # decimals past the 18th hidden behind ten zeros
        "0.99999999999999999999999",  # a carry through ten nines
        "0.123456789",  # more than 8 decimals: rounded (lenient) and reported
        "abc",  # not a number
        "",  # missing
        "12345678901",  # too large for a price
        " 2.5 ",  # padded text
    ],
)
def test_input_the_direct_parse_could_get_wrong_goes_through_the_text_path(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, ["2024-01-02,10.5,11,10,10.75,1000", f"2024-01-03,{value},11,0.00000001,10.75,1000"])
    direct, text = read_both(path)
    assert direct.schema["open"] == pl.String  # the text path decided
    assert direct.equals(text)
    result = converted(direct)
    assert [i.value for i in (*result.rounded, *result.rejected)] == ([] if value == " 2.5 " else [value.strip() or value] if value else [])


def test_markers_outside_numbers_only_cost_a_closer_look(tmp_path: Path) -> None:
    long = tmp_path / "long.csv"
    long.write_text("symbol,date,open,high,low,close,volume\nGE,2024-01-02,10,11,9,10.5,10000000000\nEEM,2024-01-02,10,11,9,10.5,99999999999\n")
    assert numbers_parse_exactly(long, header_lines=1)
    assert not numbers_parse_exactly(b"d,o\n2024-01-02,1.5E-3\n", header_lines=1)
    assert not numbers_parse_exactly(b"d,o\n2024-01-02,0.0000000000000000001\n", header_lines=1)
    assert numbers_parse_exactly(b"date,volume\n", header_lines=1)  # a header alone holds no number


def test_gzip_input_takes_the_direct_path_too(tmp_path: Path) -> None:
    plain = write(tmp_path, ["2024-01-02,10.5,11,10,10.75,1000"], name="plain.csv")
    (tmp_path / "AAA.csv.gz").write_bytes(gzip.compress(plain.read_bytes()))
    reader = CSVAdapter(tmp_path).reader
    got = reader.read(tmp_path / "AAA.csv.gz", SPAN, symbol="AAA")
    assert got.schema["close"] == PRICE_DTYPE and got.get_column("close").to_list() == [Decimal("10.75")]


NUMBER = st.one_of(
    st.integers(0, 12).flatmap(
        lambda places: st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, allow_infinity=False, places=places)
    ).map(str),
    st.decimals(min_value=0, max_value=10**6, allow_nan=False, allow_infinity=False).map(lambda d: f"{d:e}"),
    st.sampled_from(["", "abc", "1e400", " 7", "7 ", "+.5", "5.", "-0", "00000000001.5", "1." + "0" * 12 + "1"]),
    st.integers(0, 10**9).map(str),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(NUMBER, NUMBER), min_size=1, max_size=6))
def test_direct_and_text_paths_convert_to_the_same_values(tmp_path: Path, pairs: list[tuple[str, str]]) -> None:
    lines = [f"2024-01-{i + 2:02d},{o},{o},{o},{c},{c}" for i, (o, c) in enumerate(pairs)]
    path = write(tmp_path, lines)
    direct, text = read_both(path)
    for mode in ("strict", "lenient"):
        a, b = converted(direct, mode), converted(text, mode)
        assert a.frame.equals(b.frame)
        assert [(i.row, i.column, i.reason) for i in a.rejected] == [(i.row, i.column, i.reason) for i in b.rejected]
        assert [(i.row, i.column, i.stored) for i in a.rounded] == [(i.row, i.column, i.stored) for i in b.rounded]


def test_a_folder_mixing_direct_and_text_files_reads_as_one(tmp_path: Path) -> None:
    write(tmp_path, ["2024-01-02,10.5,11,10,10.75,1000"], name="AAA.csv")
    write(tmp_path, ["2024-01-02,1e1,11,10,10.75,1000", "2024-01-03,abc,11,10,10.75,1000"], name="BBB.csv")
    adapter = CSVAdapter(tmp_path)
    raw = asyncio.run(adapter.fetch_raw(["AAA", "BBB"], SPAN, Resolution.D1))
    result = converted(raw)
    assert result.frame.get_column("open").to_list() == [Decimal("10.5"), Decimal(10), None]
    assert [(i.row, i.value, i.reason) for i in result.rejected] == [(2, "abc", "not_a_number")]
