"""The readers on real stores: pruning, damaged files, laziness, float arrays, point lookups."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest

from rustybt.domain.errors import CorruptDataError, UnknownSidError
from rustybt.storage.parquet import ParquetWriter, PolarsParquetDailyReader, PolarsParquetMinuteReader

UTC = timezone.utc
FIELDS = ["open", "high", "low", "close", "volume"]


@pytest.fixture
def daily_store(tmp_path: Path, zipline_daily: pl.DataFrame) -> Path:
    ParquetWriter(tmp_path).write(zipline_daily, "1d")
    return tmp_path / "daily_bars"


def test_q1_of_a_ten_year_store_opens_only_three_month_files(daily_store: Path, zipline_daily: pl.DataFrame) -> None:
    keep = {("2008", "01"), ("2008", "02"), ("2008", "03")}
    files = sorted(daily_store.rglob("data.parquet"))
    assert len(files) > 120
    for f in files:
        if (f.parent.parent.name[5:], f.parent.name[6:]) not in keep:
            f.write_bytes(b"not parquet at all" * 50)  # any read of these raises
    reader = PolarsParquetDailyReader(daily_store)
    got = reader.load_raw_arrays([0, 7, 8], ["close", "volume"], "2008-01-01", "2008-03-31").collect()
    want = zipline_daily.filter(pl.col("sid").is_in([0, 7, 8]) & (pl.col("date").dt.year() == 2008) & (pl.col("date").dt.month() <= 3))
    assert got.equals(want.select("date", "sid", "close", "volume"))
    assert reader.get_value(7, "2008-02-15", "close") == want.filter((pl.col("sid") == 7) & (pl.col("date") == date(2008, 2, 15))).item(0, "close")
    with pytest.raises(CorruptDataError, match="month=04"):
        reader.load_raw_arrays([0], ["close"], "2008-01-01", "2008-04-30").collect()


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x5A
    path.write_bytes(bytes(data))


def _data_page_offset(path: Path, column: str) -> int:
    meta = pq.read_metadata(path)
    names = [meta.schema.column(i).name for i in range(meta.num_columns)]
    chunk = meta.row_group(0).column(names.index(column))
    return chunk.data_page_offset + chunk.total_compressed_size - 8  # inside the compressed page, past its header


@pytest.mark.parametrize("column", ["close", "volume", "sid", "date"])
def test_a_flipped_byte_in_a_page_raises_naming_the_file(daily_store: Path, column: str) -> None:
    target = daily_store / "year=2010" / "month=05" / "data.parquet"
    _flip(target, _data_page_offset(target, column))
    reader = PolarsParquetDailyReader(daily_store)
    with pytest.raises(CorruptDataError, match="year=2010/month=05") as info:
        reader.load_raw_arrays([1, 2], ["close", "volume"], "2010-04-01", "2010-06-30").collect()
    assert info.value.path == str(target)
    with pytest.raises(CorruptDataError):
        reader.load_float_arrays([1], [column if column in FIELDS else "close"], "2010-05-01", "2010-05-31")


def test_a_truncated_file_raises_naming_the_file(daily_store: Path) -> None:
    target = daily_store / "year=2012" / "month=07" / "data.parquet"
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    reader = PolarsParquetDailyReader(daily_store)
    with pytest.raises(CorruptDataError, match="year=2012/month=07"):
        reader.load_raw_arrays([1], ["close"], "2012-07-01", "2012-07-31").collect()
    with pytest.raises(CorruptDataError, match="year=2012/month=07"):
        reader.get_value(1, "2012-07-02", "close")


def test_no_flipped_byte_anywhere_gives_wrong_numbers(tmp_path: Path, zipline_daily: pl.DataFrame) -> None:
    """Every byte of a small file, flipped in turn: the read fails with CorruptDataError or
    returns exactly the stored bars (a flip in unused metadata), never other numbers."""
    bars = zipline_daily.filter((pl.col("date") >= date(2014, 12, 1)) & pl.col("sid").is_in([1, 7]))
    ParquetWriter(tmp_path).write(bars, "1d")
    target = next(tmp_path.rglob("data.parquet"))
    original = target.read_bytes()
    reader = PolarsParquetDailyReader(tmp_path / "daily_bars")
    outcomes = {"error": 0, "same": 0}
    for offset in range(len(original)):
        data = bytearray(original)
        data[offset] ^= 0xFF
        target.write_bytes(bytes(data))
        try:
            got = reader.load_raw_arrays([1, 7], FIELDS, "2014-12-01", "2014-12-31").collect()
        except CorruptDataError:
            outcomes["error"] += 1
            continue
        except UnknownSidError:  # the sid column itself was damaged in a way the footer hides
            outcomes["error"] += 1
            continue
        assert got.equals(bars), f"flipping byte {offset} of {len(original)} changed the numbers"
        outcomes["same"] += 1
    assert outcomes["error"] > len(original) // 2


def test_load_is_lazy_until_collect(daily_store: Path, zipline_daily: pl.DataFrame) -> None:
    reader = PolarsParquetDailyReader(daily_store)
    lazy = reader.load_raw_arrays([3], ["close"], "2011-01-01", "2011-03-31")
    (daily_store / "year=2011" / "month=02" / "data.parquet").write_bytes(b"gone")
    with pytest.raises(CorruptDataError, match="month=02"):
        lazy.collect()


def test_projection_and_filters_on_the_lazy_frame(daily_store: Path, zipline_daily: pl.DataFrame) -> None:
    reader = PolarsParquetDailyReader(daily_store)
    lazy = reader.load_raw_arrays([0, 1, 2], FIELDS, "2006-01-01", "2006-12-31")
    got = lazy.filter(pl.col("sid") == 1).select("date", "high").head(5).collect()
    want = zipline_daily.filter((pl.col("sid") == 1) & (pl.col("date").dt.year() == 2006)).select("date", "high").head(5)
    assert got.equals(want)


def test_float_arrays_match_the_decimals(daily_store: Path, zipline_daily: pl.DataFrame) -> None:
    reader = PolarsParquetDailyReader(daily_store)
    sids = [8, 3, 0]  # any order; DELL (3) is delisted in 2013
    arrays = reader.load_float_arrays(sids, ["close", "volume"], "2013-10-01", "2013-11-29")
    frame = reader.load_raw_arrays(sids, ["close", "volume"], "2013-10-01", "2013-11-29").collect()
    sessions = frame.get_column("date").unique().sort().to_numpy().astype("datetime64[D]")
    assert np.array_equal(arrays.times, sessions)
    assert arrays["close"].shape == (len(sessions), 3)
    for j, sid in enumerate(sids):
        rows = frame.filter(pl.col("sid") == sid)
        at = np.searchsorted(sessions, rows.get_column("date").to_numpy().astype("datetime64[D]"))
        assert np.array_equal(arrays["close"][at, j], np.array([float(v) for v in rows.get_column("close")]))
        assert np.array_equal(arrays["volume"][at, j], np.array([float(v) for v in rows.get_column("volume")]))
        assert np.isnan(np.delete(arrays["close"][:, j], at)).all()
    assert np.isnan(arrays["close"][-1, 1])  # after the delisting


def test_float_arrays_on_a_given_time_axis(daily_store: Path) -> None:
    reader = PolarsParquetDailyReader(daily_store)
    axis = [date(2010, 1, 1), date(2010, 1, 4), date(2010, 1, 5), date(2010, 1, 9)]
    arrays = reader.load_float_arrays([7], ["close"], "2010-01-01", "2010-01-09", times=axis)
    assert arrays["close"].shape == (4, 1)
    assert np.isnan(arrays["close"][0, 0]) and np.isnan(arrays["close"][3, 0])
    assert arrays["close"][1, 0] == float(reader.get_value(7, "2010-01-04", "close"))


def test_minute_reader_on_real_bars(tmp_path: Path, btc_minutes: pl.DataFrame) -> None:
    ParquetWriter(tmp_path).write(btc_minutes, "1m")
    reader = PolarsParquetMinuteReader(tmp_path / "minute_bars")
    assert reader.first_available_dt() == datetime(2021, 12, 31, 23, 1, tzinfo=UTC)
    assert reader.last_available_dt() == datetime(2022, 2, 1, 5, 31, tzinfo=UTC)
    got = reader.load_raw_arrays([1], FIELDS, "2022-01-10T13:00:00Z", "2022-01-10T14:59:00Z").collect()
    assert got.height == 120
    assert got.equals(btc_minutes.filter(pl.col("timestamp").is_between(datetime(2022, 1, 10, 13, tzinfo=UTC), datetime(2022, 1, 10, 14, 59, tzinfo=UTC))))
    assert reader.get_last_traded_dt(1, "2022-03-01") == datetime(2022, 2, 1, 5, 31, tzinfo=UTC)
    arrays = reader.load_float_arrays([1], ["close"], "2022-01-10", "2022-01-10")
    assert arrays.times.dtype == np.dtype("datetime64[us]") and len(arrays.times) == 1440


def test_readers_see_later_writes(tmp_path: Path, zipline_daily: pl.DataFrame) -> None:
    writer = ParquetWriter(tmp_path)
    writer.write(zipline_daily.filter(pl.col("sid") != 8), "1d")
    reader = writer.reader("1d")
    assert 8 not in reader.sids()
    with pytest.raises(UnknownSidError, match="8"):
        reader.get_value(8, "2010-01-04", "close")
    writer.write(zipline_daily.filter(pl.col("sid") == 8), "1d")
    assert 8 in reader.sids()
    assert reader.get_value(8, "2010-01-04", "close") is not None


def test_files_written_by_another_tool_in_another_order(tmp_path: Path, zipline_daily: pl.DataFrame) -> None:
    """A partition written by plain polars in (sid, date) order, without page checksums, reads
    like one of ours: rows come back in (date, sid) order and point lookups find their bar."""
    month = zipline_daily.filter((pl.col("date").dt.year() == 2007) & (pl.col("date").dt.month() == 6))
    folder = tmp_path / "daily_bars" / "year=2007" / "month=06"
    folder.mkdir(parents=True)
    month.sort("sid", "date", descending=[True, False]).write_parquet(folder / "data.parquet")
    reader = PolarsParquetDailyReader(tmp_path / "daily_bars")
    got = reader.load_raw_arrays(reader.sids(), FIELDS, "2007-06-01", "2007-06-30").collect()
    assert got.equals(month)
    row = month.row(month.height // 3, named=True)
    assert reader.get_value(row["sid"], row["date"], "low") == row["low"]
    assert reader.get_value(row["sid"], row["date"], "volume") == row["volume"]
    arrays = reader.load_float_arrays([row["sid"]], ["low"], "2007-06-01", "2007-06-30")
    assert float(row["low"]) in arrays["low"][:, 0]


def test_get_value_follows_rewrites_of_its_partition(tmp_path: Path, zipline_daily: pl.DataFrame) -> None:
    writer = ParquetWriter(tmp_path)
    writer.write(zipline_daily.filter(pl.col("date").dt.year() == 2009), "1d")
    reader = writer.reader("1d")
    row = zipline_daily.filter((pl.col("sid") == 5) & (pl.col("date") == date(2009, 3, 9))).row(0, named=True)
    assert reader.get_value(5, "2009-03-09", "close") == row["close"]
    assert reader.get_value(5, "2009-03-09", "open") == row["open"]
    assert reader.get_value(5, "2009-03-07", "close") is None  # a Saturday
    from decimal import Decimal

    changed = zipline_daily.filter((pl.col("sid") == 5) & (pl.col("date") == date(2009, 3, 9))).with_columns(pl.lit(Decimal("1.23456789")).cast(pl.Decimal(18, 8)).alias("close"))
    writer.write(changed, "1d")
    assert reader.get_value(5, "2009-03-09", "close") == Decimal("1.23456789")


def test_a_damaged_month_outside_the_range_does_not_break_other_months(tmp_path: Path, zipline_daily: pl.DataFrame) -> None:
    early = zipline_daily.filter(pl.col("date").dt.year() == 2012)
    late_sid = zipline_daily.filter((pl.col("date").dt.year() == 2013) & (pl.col("sid") == 1)).with_columns(pl.lit(99, dtype=pl.Int64).alias("sid"))
    ParquetWriter(tmp_path).write(pl.concat([early, late_sid]), "1d")
    _flip(tmp_path / "daily_bars" / "year=2012" / "month=01" / "data.parquet", 4)
    reader = PolarsParquetDailyReader(tmp_path / "daily_bars")
    sids = [*early.get_column("sid").unique().sort().to_list(), 99]  # sid 99 only trades in 2013: looked up elsewhere
    march = reader.load_raw_arrays(sids, FIELDS, "2012-03-01", "2012-03-31").collect()
    assert march.equals(early.filter(pl.col("date").dt.month() == 3))
    with pytest.raises(CorruptDataError, match="month=01"):  # sid 12345 might be in the damaged month
        reader.load_raw_arrays([12345], FIELDS, "2012-03-01", "2012-03-31")
