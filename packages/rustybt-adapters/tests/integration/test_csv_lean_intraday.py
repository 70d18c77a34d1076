"""LEAN intraday crypto files with configuration alone: a folder per pair of day files whose
rows give milliseconds since the file's midnight, and the hourly single-file layout."""

from __future__ import annotations

import asyncio
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from rustybt.adapters import CSVAdapter, CSVFormatError
from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import ConfigurationError, SymbolNotFoundError
from rustybt.domain.fakes import InMemoryBarWriter, InMemoryCatalog
from rustybt.domain.resolution import Resolution

COLUMNS = ["time", "open", "high", "low", "close", "volume"]
MAPPING = {"date_column": "time", **{f"{c}_column": c for c in COLUMNS[1:]}}


def day_files(folder: Path, **options: object) -> CSVAdapter:
    settings: dict[str, object] = {
        "name": "lean",
        "has_header": False,
        "column_names": COLUMNS,
        "schema_mapping": MAPPING,
        "date_format": "epoch_ms",
        "date_from_filename": "%Y%m%d",
        "file_pattern": "{symbol}/*_trade.zip",
        "resolution": "1m",
        "asset_type": "cryptocurrency",
    }
    return CSVAdapter(folder, **{**settings, **options})  # type: ignore[arg-type]


@pytest.fixture
def crypto(shared_data: Path) -> Path:
    return shared_data / "lean" / "Data" / "crypto"


def test_coinbase_three_day_files_ingest_every_minute(crypto: Path) -> None:
    adapter = day_files(crypto / "coinbase" / "minute", exchange="coinbase")
    assert adapter.available_symbols() == ["btcusd"]
    catalog, writer = InMemoryCatalog(), InMemoryBarWriter()
    summary = adapter.ingest_sync(["btcusd"], "2018-04-01", "2018-04-30", "1m", catalog, writer)
    assert (summary.rows_fetched, summary.rows_written, summary.rows_rejected) == (1007 + 1440 + 1440,) * 2 + (0,)
    (span,) = summary.ranges
    assert (span.start.isoformat(), span.end.isoformat()) == ("2018-04-04T00:00:00+00:00", "2018-04-06T23:59:00+00:00")
    assert span.has_gaps and summary.gaps == 3 * 1440 - 3887  # 2018-04-04 has 1,007 of 1,440 minutes
    sid = catalog.lookup_sid("coinbase", "btcusd")
    assert sid is not None
    reader = writer.reader("1m")
    # 20180404 row "0,7424.91,7424.91,7422,7422,7.14319709"; 20180406 row "60000,..." is 00:01
    assert reader.get_value(sid, "2018-04-04T00:00:00Z", "open") == Decimal("7424.91")
    assert reader.get_value(sid, "2018-04-04T00:00:00Z", "volume") == Decimal("7.14319709")
    assert reader.get_value(sid, "2018-04-06T00:01:00Z", "close") == Decimal("6780.01")


def test_binance_day_file_holds_one_full_utc_day(crypto: Path) -> None:
    adapter = day_files(crypto / "binance" / "minute", exchange="binance")
    bars = asyncio.run(adapter.fetch(["btcbusd"], DateRange.of("2022-12-01", "2022-12-31"), Resolution.M1))
    assert bars.height == 1440
    first, last = bars.row(0, named=True), bars.row(-1, named=True)
    assert first["timestamp"].isoformat() == "2022-12-13T00:00:00+00:00" and first["open"] == Decimal("17212.12")
    assert last["timestamp"].isoformat() == "2022-12-13T23:59:00+00:00" and last["volume"] == Decimal("39.2941")


def test_day_files_outside_the_span_are_not_opened(crypto: Path) -> None:
    adapter = day_files(crypto / "coinbase" / "minute")
    span = DateRange.of("2018-04-05T23:58:00", "2018-04-06T00:01:00")
    raw = asyncio.run(adapter.fetch_raw(["btcusd"], span, Resolution.M1))
    assert raw.height == 4
    files = {Path(str(f)).name for f in raw.get_column("source_file").unique().to_list()}
    assert files == {"20180405_trade.zip", "20180406_trade.zip"}
    assert raw.get_column("source_line").to_list() == [1439, 1440, 1, 2]


def test_hourly_single_file_with_dates_in_its_rows(crypto: Path) -> None:
    adapter = CSVAdapter(
        crypto / "binance" / "hour",
        name="lean-hour",
        has_header=False,
        column_names=COLUMNS,
        schema_mapping=MAPPING,
        date_format="%Y%m%d %H:%M",
        file_pattern="{symbol}_trade",
        resolution="1h",
    )
    assert adapter.available_symbols() == ["btcusdt"]
    summary = adapter.ingest_sync(["btcusdt"], "2018-05-01", "2018-05-31", "1h", InMemoryCatalog(), InMemoryBarWriter())
    (span,) = summary.ranges
    assert summary.rows_written == 120 and not span.has_gaps
    assert (span.start.isoformat(), span.end.isoformat()) == ("2018-05-01T00:00:00+00:00", "2018-05-05T23:00:00+00:00")


def test_day_files_land_exactly_in_parquet(crypto: Path, tmp_path: Path) -> None:
    import rustybt.storage.parquet as parquet
    writer = parquet.ParquetWriter(tmp_path / "bundle")
    catalog = InMemoryCatalog()
    adapter = day_files(crypto / "binance" / "minute", exchange="binance")
    summary = adapter.ingest_sync(["btcbusd"], "2022-12-13", "2022-12-13", "1m", catalog, writer)
    assert summary.rows_written == 1440 and len(summary.files) == 1
    sid = catalog.lookup_sid("binance", "btcbusd")
    assert sid is not None
    assert writer.reader("1m").get_value(sid, "2022-12-13T00:02:00Z", "high") == Decimal("17241.1")


def write_day(folder: Path, name: str, rows: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name.replace(".zip", ".csv"), rows)
    (folder / name).write_bytes(buffer.getvalue())


def test_a_day_file_without_a_date_in_its_name_is_named(tmp_path: Path) -> None:
    write_day(tmp_path / "ethusd", "20240102_trade.zip", "0,1,2,0.5,1.5,10\n")
    write_day(tmp_path / "ethusd", "latest_trade.zip", "0,1,2,0.5,1.5,10\n")
    adapter = day_files(tmp_path)
    with pytest.raises(CSVFormatError, match=r"latest_trade\.zip.*%Y%m%d"):
        asyncio.run(adapter.fetch_raw(["ethusd"], DateRange.of("2024-01-01", "2024-01-31"), Resolution.M1))


@pytest.mark.parametrize("offset", ["6o000", "-60000", "90000000"])
def test_a_bad_offset_names_file_and_line(tmp_path: Path, offset: str) -> None:
    write_day(tmp_path / "ethusd", "20240102_trade.zip", f"0,1,2,0.5,1.5,10\n{offset},1,2,0.5,1.5,10\n")
    with pytest.raises(CSVFormatError, match=r"20240102_trade\.zip, line 2") as info:
        asyncio.run(day_files(tmp_path).fetch_raw(["ethusd"], DateRange.of("2024-01-01", "2024-01-31"), Resolution.M1))
    assert offset in str(info.value)


def test_day_files_in_a_local_timezone_start_at_local_midnight(tmp_path: Path) -> None:
    write_day(tmp_path / "ethusd", "20240102_trade.zip", "0,1,2,0.5,1.5,10\n3600000,1,2,0.5,1.5,10\n")
    adapter = day_files(tmp_path, timezone="America/New_York", resolution="1h")
    bars = asyncio.run(adapter.fetch(["ethusd"], DateRange.of("2024-01-01", "2024-01-31"), Resolution.H1))
    assert [t.isoformat() for t in bars.get_column("timestamp")] == ["2024-01-02T05:00:00+00:00", "2024-01-02T06:00:00+00:00"]


def test_day_file_configuration_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="epoch_ms"):
        day_files(tmp_path, date_format="%H:%M")
    with pytest.raises(ConfigurationError, match="file_pattern"):
        day_files(tmp_path, file_pattern="{symbol}/")
    with pytest.raises(SymbolNotFoundError):
        asyncio.run(day_files(tmp_path).fetch_raw(["nosuch"], DateRange.of("2024-01-01", "2024-01-31"), Resolution.M1))
