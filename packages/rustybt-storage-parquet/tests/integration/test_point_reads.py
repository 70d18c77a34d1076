"""get_value reads only the row groups holding its time, verified, from files of any layout."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from rustybt.domain.errors import CorruptDataError, UnknownSidError
from rustybt.storage.parquet import ParquetWriter, PolarsParquetDailyReader, PolarsParquetMinuteReader


def test_get_value_across_row_groups_matches_the_frame(tmp_path: Path, zipline_daily: pl.DataFrame) -> None:
    year = zipline_daily.filter(pl.col("date").dt.year() == 2011)
    ParquetWriter(tmp_path, row_group_rows=50).write(year, "1d")  # ~190 rows a month: days split across groups
    target = tmp_path / "daily_bars" / "year=2011" / "month=03" / "data.parquet"
    assert pq.ParquetFile(target).metadata.num_row_groups >= 4
    reader = PolarsParquetDailyReader(tmp_path / "daily_bars")
    for row in year.filter(pl.col("date").dt.month().is_in([3, 4])).iter_rows(named=True):
        for field in ("close", "volume"):
            assert reader.get_value(row["sid"], row["date"], field) == row[field]
    assert reader.get_value(1, date(2011, 3, 5), "close") is None  # a Saturday: no row group holds it
    with pytest.raises(UnknownSidError):
        reader.get_value(999, date(2011, 3, 4), "close")


def test_minute_get_value_on_real_bars(tmp_path: Path, btc_minutes: pl.DataFrame) -> None:
    bars = btc_minutes.filter(pl.col("timestamp").dt.day() == 10)
    ParquetWriter(tmp_path, row_group_rows=100).write(bars, "1m")
    reader = PolarsParquetMinuteReader(tmp_path / "minute_bars")
    for row in bars.gather_every(37).iter_rows(named=True):
        assert reader.get_value(1, row["timestamp"], "high") == row["high"]


def test_a_flipped_byte_in_a_row_group_raises_for_get_value(tmp_path: Path, zipline_daily: pl.DataFrame) -> None:
    month = zipline_daily.filter((pl.col("date").dt.year() == 2011) & (pl.col("date").dt.month() == 3))
    ParquetWriter(tmp_path, row_group_rows=50).write(month, "1d")
    target = next(tmp_path.rglob("data.parquet"))
    meta = pq.read_metadata(target)
    last = meta.row_group(meta.num_row_groups - 1).column(5)  # close of the last row group
    data = bytearray(target.read_bytes())
    data[last.data_page_offset + last.total_compressed_size - 2] ^= 0xFF
    target.write_bytes(bytes(data))
    reader = PolarsParquetDailyReader(tmp_path / "daily_bars")
    first = month.row(0, named=True)
    assert reader.get_value(first["sid"], first["date"], "close") == first["close"]  # an intact row group still reads
    final = month.row(-1, named=True)
    with pytest.raises(CorruptDataError, match="row group"):
        reader.get_value(final["sid"], final["date"], "close")
