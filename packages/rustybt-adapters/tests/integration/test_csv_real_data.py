"""Ingesting real files with configuration alone: zipline csvdir, LEAN daily zips, NautilusTrader bars."""

from __future__ import annotations

import asyncio
import gzip
import io
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from rustybt.adapters import CSVAdapter, source_from_spec
from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import DecimalConversionError
from rustybt.domain.fakes import InMemoryBarWriter, InMemoryCatalog
from rustybt.domain.resolution import Resolution

LEAN_COLUMNS = ["date", "open", "high", "low", "close", "volume"]
LOWER = {f"{c}_column": c for c in LEAN_COLUMNS}


def test_csvdir_samples_ingest_every_row(csvdir: Path) -> None:
    catalog, writer = InMemoryCatalog(), InMemoryBarWriter()
    adapter = source_from_spec("csv:csvdir", path=csvdir)
    summary = adapter.ingest_sync(
        ["AAPL", "IBM", "KO", "MSFT"], "2012-01-01", "2014-12-31", "1d", catalog, writer, bundle="csvdir"
    )
    assert summary.rows_written == 4 * 754 and summary.rows_rejected == 0
    info = catalog.get_dataset_info(str(summary.dataset_id))
    assert info.symbols == ("AAPL", "IBM", "KO", "MSFT") and info.bundle == "csvdir"
    sid = catalog.lookup_sid("csv:csvdir", "AAPL")
    assert sid is not None
    assert writer.reader("1d").get_value(sid, "2012-01-03", "open") == Decimal("58.485714")


def test_lean_daily_zips_with_scaled_prices(shared_data: Path) -> None:
    adapter = CSVAdapter(
        shared_data / "lean" / "Data" / "equity" / "usa" / "daily",
        name="lean",
        has_header=False,
        column_names=LEAN_COLUMNS,
        schema_mapping=LOWER,
        date_format="%Y%m%d %H:%M",
        price_scale=10000,
    )
    catalog, writer = InMemoryCatalog(), InMemoryBarWriter()
    summary = adapter.ingest_sync(["AAPL", "SPY", "IBM"], "1998-01-01", "2021-03-31", "1d", catalog, writer)
    assert summary.rows_written == 3 * 5849
    first = asyncio.run(adapter.fetch(["AAPL"], DateRange.of("1998-01-02", "1998-01-02"), Resolution.D1)).row(
        0, named=True
    )
    assert (first["open"], first["close"]) == (Decimal("13.63"), Decimal("16.25"))


def test_nautilus_minute_bars_round_float_noise_only_in_lenient_mode(shared_data: Path) -> None:
    adapter = CSVAdapter(
        shared_data / "nautilus" / "btc-perp-20211231-20220201_1m.csv",
        name="nautilus",
        symbol="BTCUSDT",
        resolution="1m",
        date_format="%Y-%m-%d %H:%M:%S%.f",
        schema_mapping={"date_column": "timestamp"},
        asset_type="cryptocurrency",
    )
    catalog, writer = InMemoryCatalog(), InMemoryBarWriter()
    with pytest.raises(DecimalConversionError, match=r"column 'volume'.*more than 8 decimals"):
        adapter.ingest_sync(["BTCUSDT"], "2022-01-01", "2022-01-07", "1m", catalog, writer)
    assert catalog.list_datasets() == []
    summary = adapter.ingest_sync(["BTCUSDT"], "2022-01-01", "2022-01-07", "1m", catalog, writer, mode="lenient")
    assert summary.rows_written == 7 * 1440
    assert summary.values_rounded > 0
    assert all(issue.column == "volume" and issue.reason == "too_many_decimals" for issue in summary.rounded)


def test_nautilus_headerless_binance_klines_with_epoch_ms(shared_data: Path) -> None:
    folder = shared_data / "nautilus"
    adapter = CSVAdapter(
        files={"ADABTC": folder / "ADABTC-1m-2021-11-27.csv"},
        name="binance-klines",
        has_header=False,
        column_names=["open_time", "open", "high", "low", "close", "volume"],
        schema_mapping={"date_column": "open_time", **{f"{c}_column": c for c in LEAN_COLUMNS[1:]}},
        date_format="epoch_ms",
        resolution="1m",
    )
    got = asyncio.run(adapter.fetch(["ADABTC"], DateRange.of("2021-11-27", "2021-11-27"), Resolution.M1))
    assert got.height == 10 and got.row(0, named=True)["open"] == Decimal("0.00002853")


def test_fxcm_bars_without_volume_and_gzip_cme_bars(shared_data: Path) -> None:
    fxcm = CSVAdapter(
        shared_data / "nautilus" / "fxcm" / "gbpusd-m1-bid-2012.csv",
        name="fxcm",
        symbol="GBP/USD",
        resolution="1m",
        date_format=None,
        schema_mapping={"date_column": "timestamp", "volume_column": None},
    )
    got = asyncio.run(fxcm.fetch(["GBP/USD"], DateRange.of("2012-02-01", "2012-02-29"), Resolution.M1))
    assert got.height > 20_000 and got.get_column("volume").sum() == 0
    cme = CSVAdapter(
        shared_data / "nautilus" / "xcme" / "6EH4.XCME_1min_bars_20240101_20240131.csv.gz",
        name="cme",
        symbol="6EH4",
        resolution="1m",
        date_format="%Y-%m-%d %H:%M:%S",
        schema_mapping={"date_column": "timestamp_utc"},
    )
    assert asyncio.run(cme.fetch(["6EH4"], DateRange.of("2024-01-01", "2024-01-31"), Resolution.M1)).height == 29_996


def test_long_file_streams_only_the_requested_symbols(csvdir: Path, tmp_path: Path) -> None:
    frames = []
    for symbol in ("AAPL", "IBM", "KO", "MSFT"):
        text = gzip.decompress((csvdir / f"{symbol}.csv.gz").read_bytes())
        frames.append(pl.read_csv(io.BytesIO(text), infer_schema=False).with_columns(pl.lit(symbol).alias("sym")))
    path = tmp_path / "all.csv.gz"
    path.write_bytes(gzip.compress(pl.concat(frames).write_csv().encode()))
    adapter = CSVAdapter(path, name="long", schema_mapping={"symbol_column": "sym"}, timezone="America/New_York")
    got = asyncio.run(adapter.fetch(["KO", "AAPL"], DateRange.of("2013-01-01", "2013-12-31"), Resolution.D1))
    assert got.get_column("symbol").unique(maintain_order=True).to_list() == ["KO", "AAPL"]
    assert sorted(got.get_column("timestamp").dt.hour().unique().to_list()) == [
        4,
        5,
    ]  # New York midnight, summer and winter
