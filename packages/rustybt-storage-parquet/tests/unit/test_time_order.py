"""Merging a partition's tables into (time, sid) order with canonical decimals."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rustybt.domain.errors import CorruptDataError
from rustybt.storage.parquet.file_format import read_partition
from rustybt.storage.parquet.time_order import time_sid_table


def _table(days: list[int], sids: list[int], closes: list[str], precision: int, scale: int) -> pa.Table:
    kind = pa.decimal128(precision, scale)
    return pa.table(
        {
            "date": pa.array(days, pa.int32()).cast(pa.date32()),
            "sid": pa.array(sids, pa.int64()),
            "close": pa.array([Decimal(c) for c in closes], kind),
        }
    )


def _merged(owned: bool) -> tuple[pa.Table, list[pa.Table]]:
    cents = _table([0, 1], [1, 1], ["10.25", "-11.5"], 6, 2)
    fine = _table([0, 1], [2, 2], ["0.1234", "-0.0001"], 5, 4)
    inputs = [cents, fine]
    return time_sid_table(inputs, "date", owned=owned), inputs


@pytest.mark.parametrize("owned", [True, False])
def test_files_of_two_scales_merge_exactly_in_time_sid_order(owned: bool) -> None:
    merged, _ = _merged(owned)
    assert merged.column("sid").to_pylist() == [1, 2, 1, 2]
    assert merged.schema.field("close").type == pa.decimal128(18, 8)
    assert merged.column("close").to_pylist() == [Decimal(x) for x in ("10.25", "0.1234", "-11.5", "-0.0001")]


def test_tables_not_owned_are_left_as_they_were() -> None:
    _, inputs = _merged(owned=False)
    assert inputs[0].column("close").to_pylist() == [Decimal("10.25"), Decimal("-11.5")]
    assert inputs[1].column("close").to_pylist() == [Decimal("0.1234"), Decimal("-0.0001")]


def test_a_null_in_a_file_of_another_writer_is_an_error_naming_the_column(tmp_path: Path) -> None:
    table = pa.table({"date": pa.array([0, 1], pa.int32()).cast(pa.date32()), "sid": pa.array([1, 1], pa.int64()), "close": pa.array([Decimal("1.5"), None], pa.decimal128(18, 8))})
    path = tmp_path / "data.parquet"
    pq.write_table(table, path)
    with pytest.raises(CorruptDataError, match="column 'close' holds 1 null"):
        read_partition(path, ["date", "sid", "close"])


def test_keys_too_wide_for_one_integer_are_ranked() -> None:
    """Timestamps in µs over decades times sids spread over 2**40 overflow the composite key."""
    stamps = pa.array([2_000_000_000_000_000, 0, 2_000_000_000_000_000, 0], pa.timestamp("us", tz="UTC"))
    table = pa.table({"timestamp": stamps, "sid": pa.array([1 << 40, 1 << 40, 1, 1], pa.int64()), "close": pa.array([Decimal(x) for x in "1234"], pa.decimal128(3, 0))})
    merged = time_sid_table([table], "timestamp", owned=True)
    assert merged.column("sid").to_pylist() == [1, 1 << 40, 1, 1 << 40]
    assert merged.column("close").to_pylist() == [Decimal(x) for x in "4231"]
