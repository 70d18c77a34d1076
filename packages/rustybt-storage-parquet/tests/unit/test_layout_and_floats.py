"""Partition listing by range, and the Decimal → float64 conversion."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from rustybt.storage.parquet import decimal_to_float
from rustybt.storage.parquet.float_arrays import scatter_floats
from rustybt.storage.parquet.layout import partition_files, partition_key


def _touch(base: Path, *parts: str) -> None:
    folder = base.joinpath(*parts)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data.parquet").write_bytes(b"")


def test_daily_listing_keeps_the_months_of_the_range_in_date_order(tmp_path: Path) -> None:
    for year in (2019, 2020, 2021):
        for month in (1, 2, 10, 11, 12):
            _touch(tmp_path, f"year={year}", f"month={month:02d}")
    (tmp_path / "year=2020" / "month=13").mkdir()
    (tmp_path / "year=20x0").mkdir()
    (tmp_path / "year=2020" / "month=02" / "data.parquet.bak").write_bytes(b"")
    files = partition_files(tmp_path, "daily", date(2020, 2, 15), date(2021, 1, 3))
    assert [partition_key(f, "daily") for f in files] == [(2020, 2), (2020, 10), (2020, 11), (2020, 12), (2021, 1)]
    assert len(partition_files(tmp_path, "daily")) == 15
    assert partition_files(tmp_path / "missing", "daily") == []


def test_minute_listing_goes_down_to_days(tmp_path: Path) -> None:
    for day in (30, 31):
        _touch(tmp_path, "year=2024", "month=01", f"day={day:02d}")
    for day in (1, 2, 3):
        _touch(tmp_path, "year=2024", "month=02", f"day={day:02d}")
    files = partition_files(tmp_path, "minute", date(2024, 1, 31), date(2024, 2, 2))
    assert [partition_key(f, "minute") for f in files] == [(2024, 1, 31), (2024, 2, 1), (2024, 2, 2)]


def _decimals(values: list[str], precision: int) -> pa.Array:
    return pa.array([Decimal(v) for v in values], pa.decimal128(precision, 8))


def test_decimal_to_float_is_the_nearest_double() -> None:
    prices = ["0.00000001", "123.45678901", "-42.5", "9999999999.99999999", "0"]
    got = decimal_to_float(_decimals(prices, 18))
    assert got.tolist() == [float(Decimal(v)) for v in prices]
    volumes = ["123456789012345678901234.5", "-98765432109876543210.12345678", "1"]  # beyond 2**63 units
    got = decimal_to_float(pa.chunked_array([_decimals(volumes[:2], 38), _decimals(volumes[2:], 38)]))
    assert got.tolist() == pytest.approx([float(Decimal(v)) for v in volumes], rel=1e-15)


def test_decimal_to_float_respects_slices() -> None:
    array = _decimals(["1", "2", "3", "4"], 18).slice(1, 2)
    assert decimal_to_float(array).tolist() == [2.0, 3.0]


def test_scatter_handles_blocks_gaps_and_unwanted_rows() -> None:
    def table(days: list[int], sids: list[int], closes: list[str]) -> pa.Table:
        return pa.table({"date": pa.array(days, pa.int32()).cast(pa.date32()), "sid": pa.array(sids, pa.int64()), "close": _decimals(closes, 18)})

    full = table([0, 0, 1, 1], [1, 2, 1, 2], ["1", "2", "3", "4"])  # a (2 × 2) block
    ragged = table([2, 2, 3], [2, 9, 1], ["5", "6", "7"])  # sid 9 is not wanted, sid 2 misses day 3
    bars = scatter_floats([full, ragged], "date", [2, 1], ["close"], 0, 3, None, "daily")
    assert bars.times.tolist() == [date(1970, 1, 1), date(1970, 1, 2), date(1970, 1, 3), date(1970, 1, 4)]
    expected = np.array([[2, 1], [4, 3], [5, np.nan], [np.nan, 7]])
    assert np.array_equal(bars["close"], expected, equal_nan=True)


def test_rows_filling_a_run_of_cells_convert_in_place_like_any_other() -> None:
    """A block with every asked sid at every time (in axis order) is written straight into
    its cells; the same rows shuffled take the scatter; both give the same arrays."""
    days, sids = [0, 0, 0, 1, 1, 1], [1, 2, 3, 1, 2, 3]
    closes = ["1.5", "2.25", "-3", "4", "0.00000001", "6"]
    dense = pa.table({"date": pa.array(days, pa.int32()).cast(pa.date32()), "sid": pa.array(sids, pa.int64()), "close": _decimals(closes, 18)})
    shuffled = dense.take(pa.array([4, 0, 5, 2, 1, 3]))
    one = scatter_floats([dense], "date", [1, 2, 3], ["close"], 0, 1, None, "daily")
    other = scatter_floats([shuffled], "date", [1, 2, 3], ["close"], 0, 1, None, "daily")
    assert np.array_equal(one["close"], [[1.5, 2.25, -3.0], [4.0, 1e-8, 6.0]])
    assert np.array_equal(one["close"], other["close"])
