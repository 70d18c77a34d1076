"""Other tools read the files as plain Parquet with exact decimals; checksums find every change;
aggregation reads lazily from the store."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from rustybt.domain.integrity import dataset_checksum
from rustybt.storage.parquet import (
    ParquetWriter,
    aggregate,
    aggregate_store,
    compute_checksums,
    hive_dataset_schema,
    verify_checksums,
)


@pytest.fixture
def bundle(tmp_path: Path, zipline_daily: pl.DataFrame, btc_minutes: pl.DataFrame) -> tuple[Path, dict[str, str]]:
    writer = ParquetWriter(tmp_path)
    sums = dict(writer.write(zipline_daily, "1d").checksums)
    sums.update(writer.write(btc_minutes.filter(pl.col("timestamp").dt.day() <= 3), "1m").checksums)
    return tmp_path, sums


def test_pyarrow_dataset_with_hive_partitioning(bundle: tuple[Path, dict[str, str]], zipline_daily: pl.DataFrame) -> None:
    root, _ = bundle
    dataset = ds.dataset(root / "daily_bars", format="parquet", partitioning="hive", schema=hive_dataset_schema("daily"))
    assert dataset.schema.field("close").type == pa.decimal128(18, 8)  # each file's narrow decimals, widened
    table = dataset.to_table(filter=(ds.field("year") == 2008) & (ds.field("month") == 2) & (ds.field("sid") == 7))
    want = zipline_daily.filter((pl.col("sid") == 7) & (pl.col("date").dt.year() == 2008) & (pl.col("date").dt.month() == 2))
    assert table.num_rows == want.height
    got = sorted(zip(table.column("date").to_pylist(), table.column("close").to_pylist(), strict=True))
    assert got == list(zip(want.get_column("date").to_list(), want.get_column("close").to_list(), strict=True))
    assert isinstance(got[0][1], Decimal)
    through_polars = pl.scan_pyarrow_dataset(dataset).filter((pl.col("year") == 2008) & (pl.col("sid") == 7)).collect()
    assert through_polars.select(list(zipline_daily.columns)).equals(zipline_daily.filter((pl.col("sid") == 7) & (pl.col("date").dt.year() == 2008)))


def test_duckdb_sees_exact_decimals(bundle: tuple[Path, dict[str, str]], zipline_daily: pl.DataFrame) -> None:
    import duckdb
    root, _ = bundle
    pattern = str(root / "daily_bars" / "**" / "data.parquet")
    con = duckdb.connect()
    scan = f"read_parquet('{pattern}', hive_partitioning = true, union_by_name = true)"  # one decimal type for every file
    kinds = con.execute(f"DESCRIBE SELECT close, volume FROM {scan}").fetchall()
    assert all(k[1].startswith("DECIMAL(") for k in kinds)
    total = con.execute(f"SELECT sum(close), sum(volume), count(*) FROM {scan} WHERE year = 2014 AND sid = 7").fetchone()
    want = zipline_daily.filter((pl.col("sid") == 7) & (pl.col("date").dt.year() == 2014))
    assert total[0] == sum(want.get_column("close").to_list())
    assert total[1] == sum(want.get_column("volume").to_list())
    assert total[2] == want.height
    minute = str(root / "minute_bars" / "**" / "data.parquet")
    (ts_type,) = con.execute(f"SELECT typeof(timestamp) FROM read_parquet('{minute}') LIMIT 1").fetchone()
    assert ts_type == "TIMESTAMP WITH TIME ZONE"


def test_pandas_sees_exact_decimals(bundle: tuple[Path, dict[str, str]], zipline_daily: pl.DataFrame) -> None:
    import pandas as pd
    root, _ = bundle
    frame = pd.read_parquet(root / "daily_bars" / "year=2005" / "month=03" / "data.parquet")
    want = zipline_daily.filter((pl.col("date").dt.year() == 2005) & (pl.col("date").dt.month() == 3)).sort("date", "sid")
    assert list(frame["close"]) == want.get_column("close").to_list()
    assert isinstance(frame["close"].iloc[0], Decimal)


def test_checksums_report_missing_extra_and_changed(bundle: tuple[Path, dict[str, str]]) -> None:
    root, recorded = bundle
    assert compute_checksums(root) == recorded
    report = verify_checksums(root, recorded)
    assert report.ok and len(report.matching) == len(recorded)
    changed = root / "daily_bars" / "year=2009" / "month=04" / "data.parquet"
    blob = bytearray(changed.read_bytes())
    blob[100] ^= 1
    changed.write_bytes(bytes(blob))
    missing = root / "minute_bars" / "year=2022" / "month=01" / "day=02" / "data.parquet"
    missing.unlink()
    extra = root / "daily_bars" / "year=2030" / "month=01"
    extra.mkdir(parents=True)
    (extra / "data.parquet").write_bytes(b"planted")
    (root / "daily_bars" / "year=2009" / "month=04" / ".data.parquet.x.tmp").write_bytes(b"temp files are not part of the dataset")
    report = verify_checksums(root, recorded)
    assert report.changed == ("daily_bars/year=2009/month=04/data.parquet",)
    assert report.missing == ("minute_bars/year=2022/month=01/day=02/data.parquet",)
    assert report.extra == ("daily_bars/year=2030/month=01/data.parquet",)
    assert not report.ok and "changed (1)" in report.summary()
    assert dataset_checksum(compute_checksums(root)) != dataset_checksum(recorded)
    only_daily = verify_checksums(root, {k: v for k, v in recorded.items() if k.startswith("daily_bars/")})
    assert only_daily.missing == () and only_daily.changed == report.changed


def test_aggregate_store_reads_only_the_range(tmp_path: Path, btc_minutes: pl.DataFrame) -> None:
    writer = ParquetWriter(tmp_path)
    writer.write(btc_minutes, "1m")
    reader = writer.reader("1m")
    day = tmp_path / "minute_bars" / "year=2022" / "month=01" / "day=20" / "data.parquet"
    day.write_bytes(b"damaged, and outside the range asked for")
    got = aggregate_store(reader, "1h", start="2022-01-05", end="2022-01-06").collect()
    want = aggregate(btc_minutes.filter(pl.col("timestamp").dt.date().is_between(date(2022, 1, 5), date(2022, 1, 6))), "1h").collect()
    assert got.equals(want) and got.height == 48


def test_aggregate_store_defaults_to_the_whole_store(tmp_path: Path, zipline_daily: pl.DataFrame) -> None:
    writer = ParquetWriter(tmp_path)
    writer.write(zipline_daily, "1d")
    got = aggregate_store(writer.reader("1d"), "1mo").collect()
    assert got.equals(aggregate(zipline_daily, "1mo").collect())


@pytest.mark.parametrize(("target", "calendar"), [("1d", None), ("15m", None), ("1d", "XNYS"), ("1w", None), ("1mo", None)])
def test_aggregate_store_equals_aggregating_the_frame(tmp_path: Path, btc_minutes: pl.DataFrame, target: str, calendar: str | None) -> None:
    """File-by-file (UTC periods inside a partition) and whole-range paths give the same bars."""
    bars = btc_minutes.filter(pl.col("timestamp").dt.date() <= date(2022, 1, 12))
    writer = ParquetWriter(tmp_path)
    writer.write(bars, "1m")
    got = aggregate_store(writer.reader("1m"), target, calendar=calendar).collect()
    want = aggregate(bars, target, calendar=calendar).collect()
    assert got.height > 0 and got.equals(want)
