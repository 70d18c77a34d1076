"""ParquetWriter on real files: layout, modes, format, merges, and failures that change nothing."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from rustybt.domain.errors import (
    CorruptDataError,
    InvalidRequestError,
    SchemaMismatchError,
    StorageError,
    ValidationError,
)
from rustybt.domain.schemas import PRICE_DTYPE
from rustybt.storage.parquet import ParquetWriter, PolarsParquetDailyReader, compute_checksums
from rustybt.storage.parquet.file_encode import encode_partition
from rustybt.storage.parquet.file_format import schema_version

FIELDS = ["open", "high", "low", "close", "volume"]


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative path → bytes)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_real_bundle_round_trip_layout_and_checksums(tmp_path: Path, zipline_daily: pl.DataFrame) -> None:
    result = ParquetWriter(tmp_path).write(zipline_daily, "1d")
    assert result.root == str(tmp_path)
    months = zipline_daily.get_column("date").dt.strftime("daily_bars/year=%Y/month=%m/data.parquet").unique().sort().to_list()
    assert sorted(result.checksums) == months
    assert result.rows_added == zipline_daily.height == sum(p.rows_total for p in result.partitions)
    for path, digest in result.checksums.items():
        assert hashlib.sha256((tmp_path / path).read_bytes()).hexdigest() == digest
    assert compute_checksums(tmp_path) == dict(result.checksums)
    reader = PolarsParquetDailyReader(tmp_path / "daily_bars")
    back = reader.load_raw_arrays(reader.sids(), ["open", "high", "low", "close", "volume"], "2004-01-01", "2014-12-31").collect()
    assert back.equals(zipline_daily)


def test_files_are_private_by_default(tmp_path: Path, make_bars) -> None:
    bars = make_bars([(date(2024, 1, 2), 1, "1", "2", "0.5", "1.5", "10"), (date(2024, 2, 1), 1, "1", "2", "0.5", "1.5", "10")])
    old = os.umask(0o022)
    try:
        ParquetWriter(tmp_path / "b").write(bars, "1d")
    finally:
        os.umask(old)
    files = sorted((tmp_path / "b").rglob("data.parquet"))
    assert len(files) == 2
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
    for folder in [p for p in (tmp_path / "b").rglob("*") if p.is_dir()] + [tmp_path / "b"]:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_modes_can_be_chosen(tmp_path: Path, make_bars) -> None:
    bars = make_bars([(date(2024, 1, 2), 1, "1", "2", "0.5", "1.5", "10")])
    ParquetWriter(tmp_path / "b", file_mode=0o640, dir_mode=0o750).write(bars, "1d")
    (f,) = (tmp_path / "b").rglob("data.parquet")
    assert stat.S_IMODE(f.stat().st_mode) == 0o640
    assert stat.S_IMODE(f.parent.stat().st_mode) == 0o750


def test_file_format_is_plain_parquet_with_exact_decimal_types(tmp_path: Path, zipline_daily: pl.DataFrame) -> None:
    ParquetWriter(tmp_path).write(zipline_daily.head(500), "1d")
    path = next(tmp_path.rglob("data.parquet"))
    meta = pq.read_metadata(path)
    assert meta.metadata[b"schema_version"] == b"3"
    assert schema_version(path) == 3
    schema = meta.schema.to_arrow_schema()
    # zipline's prices have 3 decimals and its volumes none: each column in its narrowest exact type
    assert schema.field("close").type.scale == 3 and schema.field("close").type.precision <= 9
    assert schema.field("volume").type.scale == 0
    assert json.loads(meta.metadata[b"rustybt.decimal_types"]) == {name: str(schema.field(name).type) for name in FIELDS}
    assert str(schema.field("date").type) == "date32[day]"
    physical = {meta.schema.column(i).name: meta.schema.column(i).physical_type for i in range(meta.num_columns)}
    assert physical["close"] == "INT32"  # a small integer, not a 16-byte array
    assert physical["volume"] in ("INT32", "INT64")
    column = meta.row_group(0).column(2)
    assert column.compression == "ZSTD"
    assert "year" not in schema.names and "month" not in schema.names
    exact = pq.read_table(path).to_pydict()  # plain pyarrow sees the exact values
    assert exact["close"] == zipline_daily.head(500).filter(pl.col("date").dt.month() == 1).sort("date", "sid").get_column("close").to_list()


def test_columns_that_need_every_decimal_keep_the_canonical_type(tmp_path: Path, make_bars) -> None:
    bars = make_bars([(date(2024, 1, 2), 1, "1.00000001", "2", "0.5", "1.5", "123456789012.12345678")])
    ParquetWriter(tmp_path).write(bars, "1d")
    path = next(tmp_path.rglob("data.parquet"))
    schema = pq.read_schema(path)
    assert str(schema.field("open").type) == "decimal128(9, 8)"
    assert str(schema.field("high").type) == "decimal128(1, 0)"
    assert str(schema.field("volume").type) == "decimal128(38, 8)"  # beyond int64 at scale 8: stays wide
    back = PolarsParquetDailyReader(tmp_path / "daily_bars").load_raw_arrays([1], FIELDS, "2024-01-01", "2024-01-31").collect()
    assert back.equals(bars)


def test_version_1_files_are_still_read_and_merged(tmp_path: Path, zipline_daily: pl.DataFrame, version_1_file: Callable[[pl.DataFrame, Path, str], None]) -> None:
    march = zipline_daily.filter((pl.col("date").dt.year() == 2010) & (pl.col("date").dt.month() == 3))
    target = tmp_path / "daily_bars" / "year=2010" / "month=03" / "data.parquet"
    version_1_file(march.filter(pl.col("sid") != 7), target, "daily")
    assert schema_version(target) == 1
    reader = PolarsParquetDailyReader(tmp_path / "daily_bars")
    assert reader.load_raw_arrays(reader.sids(), FIELDS, "2010-03-01", "2010-03-31").collect().equals(march.filter(pl.col("sid") != 7))
    last = march.filter(pl.col("sid") != 7).row(-1, named=True)
    assert reader.get_value(last["sid"], last["date"], "close") == last["close"]  # no row-group record: read whole
    result = ParquetWriter(tmp_path).write(march.filter(pl.col("sid") == 7), "1d")
    assert result.partitions[0].rows_total == march.height
    assert schema_version(target) == 3  # rewritten in the current layout
    assert reader.load_raw_arrays(reader.sids(), FIELDS, "2010-03-01", "2010-03-31").collect().equals(march)


def test_a_footer_that_changes_a_decimal_scale_is_refused(tmp_path: Path, zipline_daily: pl.DataFrame) -> None:
    ParquetWriter(tmp_path).write(zipline_daily.filter(pl.col("date") == date(2010, 3, 1)), "1d")
    target = next(tmp_path.rglob("data.parquet"))
    meta = pq.read_metadata(target)
    recorded = json.loads(meta.metadata[b"rustybt.decimal_types"])
    data = target.read_bytes()
    old = recorded["close"].encode()
    assert data.count(old) >= 1
    stored = pq.read_schema(target).field("close").type
    damaged = f"decimal128({stored.precision}, {(stored.scale + 1) % 9})".encode()  # same length, another scale
    assert len(damaged) == len(old) and damaged != old
    target.write_bytes(data.replace(b'"close":"' + old, b'"close":"' + damaged))
    with pytest.raises(CorruptDataError, match="close"):
        PolarsParquetDailyReader(tmp_path / "daily_bars").load_raw_arrays([1], ["close"], "2010-03-01", "2010-03-01").collect()


def test_minute_bars_go_to_day_partitions(tmp_path: Path, btc_minutes: pl.DataFrame) -> None:
    result = ParquetWriter(tmp_path).write(btc_minutes, "1m")
    days = btc_minutes.get_column("timestamp").dt.strftime("minute_bars/year=%Y/month=%m/day=%d/data.parquet").unique().sort().to_list()
    assert sorted(result.checksums) == days
    assert not (tmp_path / "daily_bars").exists()


def test_merge_counts_per_partition(tmp_path: Path, zipline_daily: pl.DataFrame) -> None:
    writer = ParquetWriter(tmp_path)
    first_half = zipline_daily.filter(pl.col("date") < date(2009, 1, 1))
    writer.write(first_half, "1d")
    jan = zipline_daily.filter((pl.col("date") >= date(2008, 12, 1)) & (pl.col("date") < date(2009, 2, 1)))
    changed = jan.with_columns((pl.col("close") + Decimal("0.001")).cast(PRICE_DTYPE))
    result = writer.write(changed, "1d")
    by_path = {p.path: p for p in result.partitions}
    dec, jan09 = by_path["daily_bars/year=2008/month=12/data.parquet"], by_path["daily_bars/year=2009/month=01/data.parquet"]
    n_dec = jan.filter(pl.col("date").dt.month() == 12).height
    assert (dec.rows_added, dec.rows_replaced, dec.rows_total) == (0, n_dec, n_dec)
    assert (jan09.rows_added, jan09.rows_replaced) == (jan.height - n_dec, 0)
    assert len(result.partitions) == 2  # other partitions are not rewritten


def test_input_in_any_row_order_is_stored_in_time_sid_order(tmp_path: Path, zipline_daily: pl.DataFrame) -> None:
    """(sid, date) order, (date, sid) order and sids interleaved the other way round within a
    date all write the same files, each in (date, sid) order."""
    year = zipline_daily.filter(pl.col("date").dt.year() == 2010)
    orders = {
        "by_sid": year.sort("sid", "date"),
        "by_time": year.sort("date", "sid"),
        "interleaved": year.sort("date", "sid", descending=[False, True]),
    }
    stores = {}
    for name, frame in orders.items():
        ParquetWriter(tmp_path / name).write(frame, "1d")
        stores[name] = {p.relative_to(tmp_path / name): p.read_bytes() for p in sorted((tmp_path / name).rglob("*.parquet"))}
    assert len(stores["by_sid"]) == 12
    assert stores["by_sid"] == stores["by_time"] == stores["interleaved"]
    for path in (tmp_path / "by_sid").rglob("*.parquet"):
        stored = pl.read_parquet(path)
        assert stored.equals(stored.sort("date", "sid"))
    assert pl.read_parquet(tmp_path / "by_sid" / "daily_bars", hive_partitioning=False).height == year.height


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (lambda f: f.with_columns(pl.col("open").cast(pl.Float64)), SchemaMismatchError, "open"),
        (lambda f: pl.concat([f, f.head(1)]), ValidationError, "duplicate"),
        (lambda f: pl.concat([f, f.head(1)]).sort("date", "sid"), ValidationError, "duplicate"),
        (lambda f: pl.concat([f, f.head(1)]).sort("sid", "date"), ValidationError, "duplicate"),
        (lambda f: f.sort("date", descending=True), ValidationError, "backwards"),
        (lambda f: f.with_columns(pl.when(pl.int_range(pl.len()) == 3).then(None).otherwise(pl.col("high")).alias("high")), ValidationError, "null"),
    ],
    ids=["wrong-dtype", "duplicate-keys", "duplicate-in-time-order", "duplicate-in-sid-order", "unsorted", "null"],
)
def test_bad_frames_are_rejected_before_any_file_changes(tmp_path: Path, zipline_daily: pl.DataFrame, change, error, match) -> None:
    writer = ParquetWriter(tmp_path)
    year = zipline_daily.filter(pl.col("date").dt.year() == 2012)
    writer.write(year, "1d")
    before = snapshot(tmp_path)
    bad = change(year.filter(pl.col("date").dt.month() <= 2))
    with pytest.raises(error, match=match):
        writer.write(bad, "1d")
    assert snapshot(tmp_path) == before


def test_keys_far_apart_are_compared_not_subtracted(tmp_path: Path, make_bars) -> None:
    """sids spread over the whole int64 range: differences would wrap around and make a
    duplicate key look like rows in order."""
    day = date(2020, 1, 2)
    extremes = [-(2**63), -2, 2**62, 2**63 - 1]
    with pytest.raises(ValidationError, match="duplicate"):
        ParquetWriter(tmp_path / "bad").write(make_bars([(day, sid, "1", "1", "1", "1", "1") for sid in [2**63 - 1, *extremes]]), "1d")
    assert not (tmp_path / "bad" / "daily_bars").exists()
    ParquetWriter(tmp_path / "good").write(make_bars([(day, sid, "1", "1", "1", "1", "1") for sid in reversed(extremes)]), "1d")
    stored = pl.read_parquet(next((tmp_path / "good").rglob("data.parquet")))
    assert stored.get_column("sid").to_list() == extremes


def test_temp_and_stray_files_are_ignored(tmp_path: Path, zipline_daily: pl.DataFrame) -> None:
    year = zipline_daily.filter(pl.col("date").dt.year() == 2012)
    ParquetWriter(tmp_path).write(year, "1d")
    month = tmp_path / "daily_bars" / "year=2012" / "month=03"
    (month / ".data.parquet.abc123.tmp").write_bytes(b"half a file")
    (month / "data.parquet.bak").write_bytes(b"junk")
    (tmp_path / "daily_bars" / "README.txt").write_text("notes")
    (tmp_path / "daily_bars" / "year=2012" / "month=13").mkdir()
    reader = PolarsParquetDailyReader(tmp_path / "daily_bars")
    got = reader.load_raw_arrays(reader.sids(), ["close"], "2012-01-01", "2012-12-31").collect()
    assert got.height == year.height
    assert set(compute_checksums(tmp_path)) == {f"daily_bars/year=2012/month={m:02d}/data.parquet" for m in range(1, 13)}


FAIL_WRITE = textwrap.dedent(
    """
    import resource, signal, sys
    from pathlib import Path
    import polars as pl
    from rustybt.storage.parquet import ParquetWriter
    from rustybt.domain.errors import StorageError

    root, frame, limit = Path(sys.argv[1]), pl.read_ipc(sys.argv[2]), int(sys.argv[3])
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    try:
        ParquetWriter(root).write(frame, "1d")
    except StorageError as err:
        print("StorageError:", err)
        sys.exit(3)
    sys.exit(0)
    """
)


def test_a_write_that_runs_out_of_space_changes_no_file(tmp_path: Path, zipline_daily: pl.DataFrame) -> None:
    """A file-size limit (RLIMIT_FSIZE) makes the kernel refuse the large partition after a
    small one was already staged: the write fails and the store is byte-identical."""
    root = tmp_path / "bundle"
    writer = ParquetWriter(root)
    writer.write(zipline_daily.filter(pl.col("date").dt.year() == 2010), "1d")
    before = snapshot(root)
    small = zipline_daily.filter((pl.col("date") == date(2004, 1, 2)) & (pl.col("sid") == 0)).with_columns(pl.lit(date(2003, 12, 31)).alias("date"))
    big = zipline_daily.filter(pl.col("date").dt.year() == 2010).with_columns((pl.col("close") + Decimal("1")).cast(PRICE_DTYPE))
    frame = pl.concat([small, big])
    frame.write_ipc(tmp_path / "frame.arrow")
    limit = len(encode_partition(small, "daily")) + 256  # the new 2003 partition fits, a 2010 month does not
    assert limit < min(p.stat().st_size for p in root.rglob("data.parquet"))
    proc = subprocess.run([sys.executable, "-c", FAIL_WRITE, str(root), str(tmp_path / "frame.arrow"), str(limit)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "nothing was changed" in proc.stdout
    assert snapshot(root) == before  # no file changed, no temp file or new folder left behind
    assert not (root / "daily_bars" / "year=2003").exists()


def test_a_damaged_existing_partition_stops_the_merge(tmp_path: Path, zipline_daily: pl.DataFrame) -> None:
    writer = ParquetWriter(tmp_path)
    writer.write(zipline_daily.filter(pl.col("date").dt.year() == 2010), "1d")
    target = tmp_path / "daily_bars" / "year=2010" / "month=06" / "data.parquet"
    target.write_bytes(target.read_bytes()[:-100])
    before = snapshot(tmp_path)
    with pytest.raises(StorageError, match="month=06"):
        writer.write(zipline_daily.filter(pl.col("date").dt.year() == 2010).filter(pl.col("date").dt.month().is_in([5, 6])), "1d")
    assert snapshot(tmp_path) == before


def test_partitions_staged_in_parallel_are_the_same_files(tmp_path: Path, zipline_daily: pl.DataFrame) -> None:
    by_sid = zipline_daily.sort("sid", "date")  # another valid input order
    one = ParquetWriter(tmp_path / "one", workers=1).write(by_sid, "1d")
    four = ParquetWriter(tmp_path / "four", workers=4).write(zipline_daily, "1d")
    assert one.checksums == four.checksums
    assert [p.path for p in one.partitions] == sorted(p.path for p in one.partitions)
    with pytest.raises(InvalidRequestError, match="workers"):
        ParquetWriter(tmp_path, workers=0)
