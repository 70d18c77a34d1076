"""Migrating zipline's real example bundle (bcolz daily, asset and adjustment databases)."""

from __future__ import annotations

import sqlite3
import warnings
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from zipline.data.bcolz_daily_bars import BcolzDailyBarReader

from rustybt.domain.fakes import InMemoryBarWriter, InMemoryCatalog
from rustybt.domain.ports.bar_writer import BarWriter, WriteResult
from rustybt.zipline_bridge import HDF5ToParquetMigrator
from rustybt.zipline_bridge.errors import BundleFormatError, MigrationValidationError


def test_result_has_the_spec_keys_and_counts(migrated_example) -> None:
    result = migrated_example.result
    assert result["row_count"] == 24646 == result["source_row_count"]
    assert result["hdf5_size_mb"] > 0.25 and result["parquet_size_mb"] > 0
    assert result["compression_ratio"] == pytest.approx(result["parquet_size_mb"] / result["hdf5_size_mb"])
    assert result["validation_passed"] is True and result["source_kept"] is True
    (file,) = result["files"]
    check = file["validation"]
    assert check["checksums_match"] and check["sha256_source"] == check["sha256_parquet"]
    assert check["spot_checks"] == 1000 and check["spot_check_failures"] == []
    assert result["sid_map"] == {i: i for i in range(9)}
    assert result["zero_values"]["zero_volume_rows"] == 20 and result["zero_values"]["nan_price_rows"] == 0


def test_rows_zipline_serves_at_another_session_are_reported(migrated_example) -> None:
    notes = migrated_example.result["files"][0]["notes"]
    assert notes["rows_served_at_another_session"] > 0
    assert {e["sid"] for e in notes["examples"]} == {3}  # DELL has bars on old holidays


def test_catalog_holds_the_dataset_and_assets(migrated_example) -> None:
    catalog = migrated_example.catalog
    (dataset_id,) = migrated_example.result["dataset_ids"]
    info = catalog.get_dataset_info(dataset_id)
    assert info.row_count == 24646 and info.bundle == "parquet" and str(info.resolution) == "1d"
    assert set(info.symbols) == {"AMD", "CERN", "COST", "DELL", "GPS", "INTC", "MMM", "AAPL", "MSFT"}
    assert catalog.get_asset(7).symbol == "AAPL" and catalog.get_asset(7).exchange == "YAHOO"
    dell = next(r for r in info.date_ranges if r.symbol == "DELL")
    assert dell.bar_count == 2494


def test_every_value_equals_what_bcolz_serves(migrated_example) -> None:
    bcolz = BcolzDailyBarReader(str(migrated_example.source / "2016-12-13T19;59;34.153449" / "daily_equities.bcolz"))
    ours = migrated_example.bundle.equity_daily_bar_reader
    assert ours.sessions.equals(bcolz.sessions)
    start, end, sids = pd.Timestamp("2004-01-02"), pd.Timestamp("2014-12-31"), list(range(9))
    fields = ["open", "high", "low", "close", "volume"]
    for field, theirs, mine in zip(
        fields,
        bcolz.load_raw_arrays(fields, start, end, sids),
        ours.load_raw_arrays(fields, start, end, sids),
        strict=True,
    ):
        np.testing.assert_array_equal(np.isnan(theirs), np.isnan(mine), err_msg=field)
        np.testing.assert_allclose(mine, theirs, rtol=1e-15, atol=0, err_msg=field)


def test_prices_are_exact_decimals(migrated_example) -> None:
    import bcolz

    table = bcolz.ctable(
        rootdir=str(migrated_example.source / "2016-12-13T19;59;34.153449" / "daily_equities.bcolz"), mode="r"
    )
    day = int(pd.Timestamp("2014-06-09").timestamp())
    (row,) = np.flatnonzero((table["id"][:] == 7) & (table["day"][:] == day))
    raw = int(table["close"][row])
    reader = migrated_example.writer.reader("1d")
    assert reader.get_value(7, "2014-06-09", "close") == Decimal(raw) / Decimal(1000)
    assert raw % 10 != 0  # a value with three decimals: float would not keep it exactly
    frame = reader.load_raw_arrays([7], ["close"], "2014-06-09", "2014-06-09").collect()
    assert frame.schema["close"] == pl.Decimal(18, 8)


def test_adjustments_match_the_source_database(migrated_example) -> None:
    source = migrated_example.source / "2016-12-13T19;59;34.153449" / "adjustments.sqlite"
    target = migrated_example.output / "zipline" / "adjustments.sqlite"
    for table in ("splits", "dividend_payouts"):
        query = f"SELECT * FROM {table} ORDER BY sid, {'effective_date' if table == 'splits' else 'ex_date'}"
        theirs = pd.read_sql(query, sqlite3.connect(source)).drop(columns="index")
        mine = pd.read_sql(query, sqlite3.connect(target)).drop(columns="index", errors="ignore")
        pd.testing.assert_frame_equal(mine[theirs.columns], theirs, check_dtype=False)
    ratios = [
        pd.read_sql("SELECT sid, effective_date, ratio FROM dividends ORDER BY sid, effective_date", sqlite3.connect(p))
        for p in (source, target)
    ]
    np.testing.assert_allclose(ratios[1]["ratio"], ratios[0]["ratio"], rtol=1e-3)
    assert (ratios[0][["sid", "effective_date"]].values == ratios[1][["sid", "effective_date"]].values).all()


class CorruptingWriter(BarWriter):
    """Stores what it is given, except one close price nudged by 0.001."""

    def __init__(self) -> None:
        self.inner = InMemoryBarWriter()

    def write(self, df, resolution) -> WriteResult:
        frame = df.collect() if isinstance(df, pl.LazyFrame) else df
        bumped = frame.with_columns(
            pl.when(pl.int_range(pl.len()) == 100)
            .then(pl.col("close") + Decimal("0.001"))
            .otherwise(pl.col("close"))
            .cast(pl.Decimal(18, 8))
            .alias("close")
        )
        return self.inner.write(bumped, resolution)

    def reader(self, resolution):
        return self.inner.reader(resolution)


def test_a_store_that_changes_a_value_fails_validation_and_keeps_the_source(example_data: Path, tmp_path: Path) -> None:
    source = example_data / "root" / "data" / "test"
    migrator = HDF5ToParquetMigrator(
        source, tmp_path / "out", writer=CorruptingWriter(), catalog=(catalog := InMemoryCatalog()), progress=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        with pytest.raises(MigrationValidationError, match="do not match the source") as raised:
            migrator.migrate(keep_hdf5=False)
    check = raised.value.result["files"][0]["validation"]
    assert not check["checksums_match"]
    assert (source / "2016-12-13T19;59;34.153449" / "daily_equities.bcolz").is_dir()
    assert catalog.get_dataset_info(raised.value.result["dataset_ids"][0]).status == "pending"


def test_a_damaged_bcolz_table_is_a_clear_error(example_data: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    (bundle / "daily_equities.bcolz" / "close").mkdir(parents=True)
    (bundle / "daily_equities.bcolz" / "__attrs__").write_text("{not json")
    with pytest.raises(BundleFormatError, match=r"daily_equities\.bcolz"):
        HDF5ToParquetMigrator(
            bundle, tmp_path / "out", writer=InMemoryBarWriter(), catalog=InMemoryCatalog(), progress=False
        ).migrate()


def test_a_folder_without_a_bundle_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(BundleFormatError, match="no zipline bundle"):
        HDF5ToParquetMigrator(
            tmp_path / "empty", tmp_path / "out", writer=InMemoryBarWriter(), catalog=InMemoryCatalog(), progress=False
        ).migrate()


def test_default_writer_comes_from_the_entry_point(example_data: Path, tmp_path: Path) -> None:
    migrator = HDF5ToParquetMigrator(
        example_data / "root" / "data" / "test", tmp_path / "pq", catalog=InMemoryCatalog(), progress=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        result = migrator.migrate()
    assert result["validation_passed"] and result["row_count"] == 24646
    assert type(migrator.writer).__module__.startswith("rustybt.storage.parquet")
    assert list((tmp_path / "pq" / "daily_bars").rglob("*.parquet"))


def test_keep_hdf5_false_removes_the_source_bars_after_a_passed_validation(example_data: Path, tmp_path: Path) -> None:
    import shutil

    shutil.copytree(example_data / "root" / "data" / "test", tmp_path / "bundle")
    ingestion = tmp_path / "bundle" / "2016-12-13T19;59;34.153449"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        result = HDF5ToParquetMigrator(
            tmp_path / "bundle", tmp_path / "out", writer=InMemoryBarWriter(), catalog=InMemoryCatalog(), progress=False
        ).migrate(keep_hdf5=False)
    assert result["source_kept"] is False and result["validation_passed"]
    assert not (ingestion / "daily_equities.bcolz").exists()
    assert (ingestion / "assets-7.sqlite").is_file() and (ingestion / "adjustments.sqlite").is_file()


def test_dropping_the_source_without_validation_is_refused(example_data: Path, tmp_path: Path) -> None:
    from rustybt.domain.errors import InvalidRequestError

    migrator = HDF5ToParquetMigrator(
        example_data / "root" / "data" / "test",
        tmp_path / "out",
        writer=InMemoryBarWriter(),
        catalog=InMemoryCatalog(),
        progress=False,
    )
    with pytest.raises(InvalidRequestError, match="validate=True"):
        migrator.migrate(validate=False, keep_hdf5=False)
    assert not (tmp_path / "out").exists()
