"""Partitions split into one file per price class: exact reads in (time, sid) order, plain
Parquet for other tools, per-file checksums, and a whole asset after a crash between renames."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from rustybt.storage.parquet import (
    ParquetWriter,
    PolarsParquetMinuteReader,
    aggregate,
    aggregate_store,
    compute_checksums,
    hive_dataset_schema,
    verify_checksums,
)
from rustybt.storage.parquet.file_format import GENERATION_KEY, schema_version
from rustybt.storage.parquet.narrow_decimals import from_unscaled, unscaled_int64

FIELDS = ["open", "high", "low", "close", "volume"]
DAY = "minute_bars/year=2022/month=01/day=05"
SIBLING = "data-s4.parquet"  # BTC quotes have at most 1 decimal: a thousandth of them needs 4


def _thousandth(frame: pl.DataFrame, sid: int) -> pl.DataFrame:
    """The same bars as another asset priced 1000 times lower: exact, with 3 more decimals."""
    table = frame.to_arrow()
    columns = {name: table.column(name) for name in table.column_names}
    for name in ("open", "high", "low", "close"):
        values = unscaled_int64(columns[name])
        assert values is not None and not np.any(values % 1000)
        columns[name] = from_unscaled(values // 1000, pa.decimal128(18, 8))
    columns["sid"] = pa.array(np.full(table.num_rows, sid, dtype=np.int64))
    result = pl.from_arrow(pa.table(columns))
    assert isinstance(result, pl.DataFrame)
    return result


@pytest.fixture
def two_classes(btc_minutes: pl.DataFrame) -> pl.DataFrame:
    """Two real days of BTC minutes as sid 1 (2 decimals) and sid 2 (5 decimals)."""
    days = btc_minutes.filter(pl.col("timestamp").dt.day().is_in([5, 6]))
    return pl.concat([days, _thousandth(days, 2)]).sort("timestamp", "sid")


def test_each_price_class_gets_its_own_file(tmp_path: Path, two_classes: pl.DataFrame) -> None:
    result = ParquetWriter(tmp_path, price_class_files=True).write(two_classes, "1m")
    names = sorted(p.path for p in result.partitions if p.path.startswith(DAY))
    assert names == [f"{DAY}/{SIBLING}", f"{DAY}/data.parquet"]
    assert sum(p.rows_total for p in result.partitions) == result.rows_added == two_classes.height
    head, sibling = tmp_path / DAY / "data.parquet", tmp_path / DAY / SIBLING
    assert schema_version(head) == schema_version(sibling) == 3
    assert pl.read_parquet(head).get_column("sid").unique().to_list() == [1]
    assert pl.read_parquet(sibling).get_column("sid").unique().to_list() == [2]
    head_close, sibling_close = pl.read_parquet(head).schema["close"], pl.read_parquet(sibling).schema["close"]
    assert isinstance(head_close, pl.Decimal) and isinstance(sibling_close, pl.Decimal)
    assert head_close.scale + 3 == sibling_close.scale  # sid 1's prices are not inflated by sid 2's decimals


def test_readers_merge_the_files_in_time_sid_order(tmp_path: Path, two_classes: pl.DataFrame) -> None:
    ParquetWriter(tmp_path, price_class_files=True).write(two_classes, "1m")
    reader = PolarsParquetMinuteReader(tmp_path / "minute_bars")
    back = reader.load_raw_arrays([1, 2], FIELDS, "2022-01-05", "2022-01-06").collect()
    assert back.equals(two_classes)
    assert reader.sids() == [1, 2]
    last = two_classes.row(-1, named=True)
    assert reader.get_value(2, last["timestamp"], "close") == last["close"]
    arrays = reader.load_float_arrays([2, 1], ["close"], "2022-01-05", "2022-01-05")
    day = two_classes.filter(pl.col("timestamp").dt.day() == 5)
    assert np.array_equal(arrays["close"][:, 0], day.filter(pl.col("sid") == 2).get_column("close").cast(pl.Float64).to_numpy())
    daily = aggregate_store(reader, "1d").collect()
    assert daily.equals(aggregate(two_classes, "1d").collect())


def test_other_tools_read_every_file_of_a_partition_exactly(tmp_path: Path, two_classes: pl.DataFrame) -> None:
    ParquetWriter(tmp_path, price_class_files=True).write(two_classes, "1m")
    dataset = ds.dataset(tmp_path / "minute_bars", format="parquet", partitioning="hive", schema=hive_dataset_schema("minute"))
    table = pl.from_arrow(dataset.to_table().drop(["year", "month", "day"]))
    assert isinstance(table, pl.DataFrame) and table.sort("timestamp", "sid").equals(two_classes)
    pattern = str(tmp_path / "minute_bars" / "**" / "*.parquet")
    total = duckdb.connect().execute(f"SELECT count(*), sum(close) FROM read_parquet('{pattern}', union_by_name = true)").fetchone()
    assert total is not None and total[0] == two_classes.height
    assert total[1] == sum(two_classes.get_column("close").to_list())


def test_checksums_cover_every_file_of_a_partition(tmp_path: Path, two_classes: pl.DataFrame) -> None:
    recorded = dict(ParquetWriter(tmp_path, price_class_files=True).write(two_classes, "1m").checksums)
    assert compute_checksums(tmp_path) == recorded
    sibling = tmp_path / DAY / SIBLING
    data = bytearray(sibling.read_bytes())
    data[100] ^= 0xFF
    sibling.write_bytes(bytes(data))
    report = verify_checksums(tmp_path, recorded)
    assert report.changed == (f"{DAY}/{SIBLING}",) and not report.missing and not report.extra
    sibling.unlink()
    report = verify_checksums(tmp_path, recorded)
    assert report.missing == (f"{DAY}/{SIBLING}",) and not report.changed


def test_an_asset_in_two_files_after_a_crash_reads_from_the_newer_one(tmp_path: Path, two_classes: pl.DataFrame, version_1_file: Callable[[pl.DataFrame, Path, str], None]) -> None:
    """Rewriting a one-file partition of an older layout moves sid 2 into a new class file,
    renamed before ``data.parquet``; a crash between the two renames leaves sid 2 in both."""
    day = two_classes.filter(pl.col("timestamp").dt.day() == 5)
    head = tmp_path / DAY / "data.parquet"
    version_1_file(day, head, "minute")
    old_head = head.read_bytes()
    change = day.filter(pl.col("sid") == 2).head(1).with_columns(pl.col("volume") + 1)
    writer = ParquetWriter(tmp_path, price_class_files=True)
    writer.write(change, "1m")
    expected = day.update(change, on=["timestamp", "sid"])
    assert pl.read_parquet(tmp_path / DAY / SIBLING).get_column("sid").unique().to_list() == [2]
    head.write_bytes(old_head)  # the state a crash between the two renames leaves: sid 2 in both files
    crashed = PolarsParquetMinuteReader(tmp_path / "minute_bars")
    assert crashed.load_raw_arrays([1, 2], FIELDS, "2022-01-05", "2022-01-05").collect().equals(expected)
    assert crashed.get_value(2, change.item(0, "timestamp"), "volume") == change.item(0, "volume")
    arrays = crashed.load_float_arrays([1, 2], ["volume"], "2022-01-05", "2022-01-05")
    assert int(np.isfinite(arrays["volume"]).sum()) == expected.height
    assert aggregate_store(crashed, "1d").collect().equals(aggregate(expected, "1d").collect())
    writer.write(change.head(0).vstack(day.filter(pl.col("sid") == 1).head(1)), "1m")  # the next write keeps the current rows only
    healed = PolarsParquetMinuteReader(tmp_path / "minute_bars")
    assert healed.load_raw_arrays([1, 2], FIELDS, "2022-01-05", "2022-01-05").collect().equals(expected)
    assert pl.read_parquet(head).get_column("sid").unique().to_list() == [1]


def test_files_record_their_write_generation(tmp_path: Path, two_classes: pl.DataFrame) -> None:
    writer = ParquetWriter(tmp_path, price_class_files=True)
    writer.write(two_classes, "1m")
    assert pq.read_metadata(tmp_path / DAY / "data.parquet").metadata[GENERATION_KEY] == b"1"
    writer.write(two_classes.head(3), "1m")
    assert {pq.read_metadata(p).metadata[GENERATION_KEY] for p in (tmp_path / DAY).glob("*.parquet")} == {b"2"}
    copy = tmp_path / "copy"
    shutil.copytree(tmp_path / "minute_bars", copy)
    assert PolarsParquetMinuteReader(copy).load_raw_arrays([1, 2], FIELDS, "2022-01-05", "2022-01-06").collect().equals(two_classes)


def test_by_default_a_partition_is_one_file_of_its_finest_class(tmp_path: Path, two_classes: pl.DataFrame) -> None:
    result = ParquetWriter(tmp_path).write(two_classes, "1m")
    assert sorted(p.path for p in result.partitions if p.path.startswith(DAY)) == [f"{DAY}/data.parquet"]
    ParquetWriter(tmp_path / "split", price_class_files=True).write(two_classes, "1m")
    close = pl.read_parquet(tmp_path / DAY / "data.parquet").schema["close"]
    finest = pl.read_parquet(tmp_path / "split" / DAY / SIBLING).schema["close"]
    assert isinstance(close, pl.Decimal) and isinstance(finest, pl.Decimal) and close.scale == finest.scale  # sid 2's decimals
    back = PolarsParquetMinuteReader(tmp_path / "minute_bars").load_raw_arrays([1, 2], FIELDS, "2022-01-05", "2022-01-06").collect()
    assert back.equals(two_classes)


def test_a_store_of_both_layouts_reads_every_bar(tmp_path: Path, two_classes: pl.DataFrame) -> None:
    """Class files written earlier stay; assets added later by a default writer join the
    partition's data.parquet, whose class rises to hold them."""
    sid_2 = two_classes.filter(pl.col("sid") == 2)
    ParquetWriter(tmp_path, price_class_files=True).write(two_classes, "1m")
    later = _thousandth(two_classes.filter(pl.col("sid") == 1), 3)
    ParquetWriter(tmp_path).write(later, "1m")
    assert sorted(p.name for p in (tmp_path / DAY).iterdir()) == [SIBLING, "data.parquet"]
    assert set(pl.read_parquet(tmp_path / DAY / SIBLING).get_column("sid").unique()) == {2}
    assert set(pl.read_parquet(tmp_path / DAY / "data.parquet").get_column("sid").unique()) == {1, 3}
    reader = PolarsParquetMinuteReader(tmp_path / "minute_bars")
    back = reader.load_raw_arrays([1, 2, 3], FIELDS, "2022-01-05", "2022-01-06").collect()
    assert back.equals(pl.concat([two_classes, later]).sort("timestamp", "sid"))
    assert reader.load_raw_arrays([2], FIELDS, "2022-01-05", "2022-01-06").collect().equals(sid_2)
