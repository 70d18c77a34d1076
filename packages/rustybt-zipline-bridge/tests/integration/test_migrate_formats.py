"""Migrating the other zipline layouts: HDF5 daily (h5py), pandas HDFStore, bcolz minute."""

from __future__ import annotations

import warnings
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from zipline.data.bcolz_minute_bars import BcolzMinuteBarReader, BcolzMinuteBarWriter
from zipline.data.hdf5_daily_bars import HDF5DailyBarWriter
from zipline.utils.calendar_utils import get_calendar

from rustybt.domain.fakes import InMemoryBarWriter, InMemoryCatalog
from rustybt.zipline_bridge import HDF5ToParquetMigrator
from rustybt.zipline_bridge.errors import BundleFormatError

FIELDS = ["open", "high", "low", "close", "volume"]


def migrate(source: Path, out: Path, **kwargs):
    writer, catalog = InMemoryBarWriter(), InMemoryCatalog()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        result = HDF5ToParquetMigrator(source, out, writer=writer, catalog=catalog, progress=False, **kwargs).migrate()
    return result, writer, catalog


@pytest.fixture
def zipline_hdf5(tmp_path: Path) -> Path:
    sessions = get_calendar("XNYS").sessions_in_range("2024-01-02", "2024-01-10")
    base = {"open": 10.123, "high": 11.5, "low": 9.875, "close": 10.5, "volume": 1200.0}
    frames = {}
    for field, value in base.items():
        frame = pd.DataFrame(
            {5: [value + i for i in range(len(sessions))], 9: [value * 2] * len(sessions)}, index=sessions
        )
        frames[field] = frame
    frames["close"].loc[sessions[3], 9] = np.nan  # zipline stores it as 0 and reads NaN
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    HDF5DailyBarWriter(str(bundle / "daily.h5"), date_chunk_size=4).write("US", frames)
    return bundle


def test_zipline_hdf5_daily_bars_become_exact_decimals(zipline_hdf5: Path, tmp_path: Path) -> None:
    result, writer, _ = migrate(zipline_hdf5, tmp_path / "out")
    reader = writer.reader("1d")
    sids = reader.sids()
    assert len(sids) == 2
    first = sids[0]
    assert reader.get_value(first, "2024-01-02", "open") == Decimal("10.123")
    assert reader.get_value(first, "2024-01-03", "low") == Decimal("10.875")
    assert result["validation_passed"] and result["files"][0]["format"] == "zipline-hdf5-daily"
    zero = result["zero_values"]
    assert zero["nan_price_rows"] == 1
    (example,) = zero["nan_price_examples"]
    assert example["columns"] == ["close"] and example["date"] == "2024-01-05"
    assert reader.get_value(sids[1], "2024-01-05", "close") is None  # never stored as a price
    assert result["row_count"] == 2 * 7 - 1


def test_pandas_hdfstore_frames_are_named_by_their_keys(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    index = pd.DatetimeIndex(["2024-01-02 14:31", "2024-01-02 14:32", "2024-01-02 14:33"], tz="UTC", name="timestamp")
    frame = pd.DataFrame(
        {
            "open": [1.1, 1.2, 1.3],
            "high": [1.2, 1.3, 1.4],
            "low": [1.0, 1.1, 1.2],
            "close": [1.15, 1.25, np.nan],
            "volume": [10.0, 0.0, 5.0],
        },
        index=index,
    )
    with pd.HDFStore(bundle / "ohlcv.h5", mode="w") as store:
        store.put("BTCUSD", frame)
        store.put("ETHUSD", frame * 2)
    result, writer, catalog = migrate(bundle, tmp_path / "out", exchange="KRAKEN")
    assert result["files"][0]["format"] == "pandas-hdfstore" and result["files"][0]["kind"] == "minute"
    btc = catalog.lookup_sid("KRAKEN", "BTCUSD")
    eth = catalog.lookup_sid("KRAKEN", "ETHUSD")
    reader = writer.reader("1m")
    assert reader.get_value(btc, "2024-01-02T14:31:00+00:00", "close") == Decimal("1.15")
    assert reader.get_value(eth, "2024-01-02T14:32:00+00:00", "open") == Decimal("2.4")
    assert result["zero_values"]["nan_price_rows"] == 2 and result["row_count"] == 4
    assert result["validation_passed"]


def test_bcolz_minute_bars_land_on_their_market_minutes(tmp_path: Path) -> None:
    calendar = get_calendar("XNYS")
    root = tmp_path / "bundle" / "minute_equities.bcolz"
    root.mkdir(parents=True)
    # 2024-07-03 closes early (13:00 ET): minute slots after its close are padding
    writer = BcolzMinuteBarWriter(
        str(root), calendar, pd.Timestamp("2024-07-02"), pd.Timestamp("2024-07-05"), 390, ohlc_ratios_per_sid={3: 10000}
    )
    minutes = calendar.sessions_minutes("2024-07-02", "2024-07-05")
    picked = minutes[[0, 1, 389, 390, 599]]
    data = pd.DataFrame(
        {
            "open": [10.0, 10.5, 11.25, 12.0, 13.0],
            "high": [10.5, 10.75, 11.5, 12.5, 13.5],
            "low": [9.5, 10.25, 11.0, 11.5, 12.5],
            "close": [10.25, 10.5, 11.25, 12.25, 13.25],
            "volume": [100, 0, 300, 400, 500],
        },
        index=picked,
    )
    writer.write_sid(1, data)
    writer.write_sid(3, data.assign(close=data["close"] + 0.0001))
    result, store, _ = migrate(tmp_path / "bundle", tmp_path / "out")
    assert result["validation_passed"] and result["files"][0]["kind"] == "minute"
    reader = store.reader("1m")
    sid_map = result["sid_map"]  # no asset database: the catalog numbers the sids
    assert set(sid_map) == {1, 3}
    assert reader.get_value(sid_map[1], picked[4].to_pydatetime(), "close") == Decimal("13.25")
    assert reader.get_value(sid_map[3], picked[0].to_pydatetime(), "close") == Decimal("10.2501")
    bcolz = BcolzMinuteBarReader(str(root))
    for sid in (1, 3):
        for minute in picked:
            for field in FIELDS:
                expected = bcolz.get_value(sid, minute, field)
                stored = reader.get_value(sid_map[sid], minute.to_pydatetime(), field)
                if field == "volume" and expected == 0:
                    assert stored in (None, Decimal(0))
                else:
                    assert float(stored) == pytest.approx(expected, rel=1e-12)
    assert result["row_count"] == 10


def test_a_file_that_is_not_hdf5_is_a_clear_error(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "prices.h5").write_bytes(b"not an hdf5 file at all")
    with pytest.raises(BundleFormatError, match=r"prices\.h5"):
        migrate(bundle, tmp_path / "out")
