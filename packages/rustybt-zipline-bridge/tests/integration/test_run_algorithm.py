"""run_algorithm: zipline fallback, bundle resolution, links, and 24/7 crypto backtests."""

from __future__ import annotations

import io
import warnings
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from zipline.api import order, record, symbol
from zipline.data.bundles import register, unregister
from zipline.utils.calendar_utils import get_calendar, register_calendar

from rustybt.domain.assets import AssetType
from rustybt.domain.errors import BundleNotFoundError
from rustybt.domain.fakes import InMemoryBarWriter, InMemoryCatalog
from rustybt.domain.schemas import MINUTE_BARS_SCHEMA
from rustybt.zipline_bridge import BundleData, run_algorithm
from rustybt.zipline_bridge.bundle_files import write_bundle_files


def buy_apple(context) -> None:
    context.asset = symbol("AAPL")


def trade_apple(context, data) -> None:
    order(context.asset, 10)
    record(AAPL=data.current(context.asset, "price"))


def _run(bundle_data=None, environ=None):
    register_calendar("YAHOO", get_calendar("NYSE"), force=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_algorithm(
            start=pd.Timestamp("2014-01-02"),
            end=pd.Timestamp("2014-03-31"),
            initialize=buy_apple,
            handle_data=trade_apple,
            capital_base=1e5,
            bundle="test",
            environ=environ,
            bundle_data=bundle_data,
            benchmark_returns=None,
        )


def test_use_polars_0_runs_zipline_itself_with_the_same_results(migrated_example) -> None:
    register("test", lambda *args: None)
    try:
        theirs = _run(environ={"ZIPLINE_ROOT": str(migrated_example.root), "RUSTYBT_USE_POLARS": "0"})
    finally:
        unregister("test")
    ours = _run(bundle_data=migrated_example.bundle, environ={"ZIPLINE_ROOT": str(migrated_example.root)})
    assert "backtest_id" not in theirs.attrs and "backtest_id" in ours.attrs
    pd.testing.assert_series_equal(ours["portfolio_value"], theirs["portfolio_value"], rtol=1e-12)
    pd.testing.assert_series_equal(ours["AAPL"], theirs["AAPL"], rtol=1e-12)


def test_backtests_are_linked_to_the_datasets_they_read(migrated_example) -> None:
    perf = _run(bundle_data=migrated_example.bundle, environ={"ZIPLINE_ROOT": str(migrated_example.root)})
    links = migrated_example.catalog.get_datasets_for_backtest(perf.attrs["backtest_id"])
    assert links == migrated_example.result["dataset_ids"]


def test_an_unknown_bundle_name_is_a_clear_error(migrated_example, tmp_path: Path) -> None:
    with pytest.raises(BundleNotFoundError, match="no-such-bundle"):
        run_algorithm(
            start=pd.Timestamp("2014-01-02"),
            end=pd.Timestamp("2014-01-31"),
            initialize=buy_apple,
            capital_base=1e5,
            bundle="no-such-bundle",
            environ={"ZIPLINE_ROOT": str(tmp_path), "RUSTYBT_HOME": str(tmp_path)},
            default_extension=False,
        )


def _coinbase_minutes(shared_data: Path) -> pl.DataFrame:
    frames = []
    for day in ("20180405", "20180406"):
        path = shared_data / "lean" / "Data" / "crypto" / "coinbase" / "minute" / "btcusd" / f"{day}_trade.zip"
        with zipfile.ZipFile(path) as archive:
            raw = archive.read(archive.namelist()[0]).decode()
        frame = pl.read_csv(
            io.StringIO(raw),
            has_header=False,
            new_columns=["ms", "open", "high", "low", "close", "volume"],
            infer_schema=False,
        )
        midnight = pd.Timestamp(day, tz="UTC")
        frames.append(frame.with_columns(pl.lit(midnight.value // 1000).alias("base")))
    frame = pl.concat(frames)
    return frame.select(
        (pl.col("base") + pl.col("ms").cast(pl.Int64) * 1000)
        .cast(pl.Datetime("us"))
        .dt.replace_time_zone("UTC")
        .alias("timestamp"),
        pl.lit(0, pl.Int64).alias("sid"),
        *[pl.col(c).cast(MINUTE_BARS_SCHEMA[c]) for c in ("open", "high", "low", "close", "volume")],
    )


@pytest.fixture
def crypto_bundle(shared_data: Path, tmp_path: Path) -> tuple[BundleData, pl.DataFrame]:
    catalog = InMemoryCatalog()
    assert catalog.assign_sid("COINBASE", "BTC-USD", AssetType.CRYPTOCURRENCY) == 0
    minutes = _coinbase_minutes(shared_data)
    daily = (
        minutes.group_by(pl.col("timestamp").dt.date().alias("date"))
        .agg(
            pl.lit(0, pl.Int64).alias("sid"),
            pl.col("open").first(),
            pl.col("high").max(),
            pl.col("low").min(),
            pl.col("close").last(),
            pl.col("volume").sum(),
        )
        .sort("date")
    )
    writer = InMemoryBarWriter()
    writer.write(minutes.sort("sid", "timestamp"), "1m")
    writer.write(daily, "1d")
    write_bundle_files(
        tmp_path / "crypto", catalog, daily=writer.reader("1d"), minute=writer.reader("1m"), calendar_name="24/7"
    )
    calendar = get_calendar("24/7")
    bundle = BundleData.open(
        tmp_path / "crypto", daily=writer.reader("1d"), minute=writer.reader("1m"), catalog=catalog, calendar=calendar
    )
    return bundle, minutes


def test_a_minute_backtest_on_the_24_7_calendar(crypto_bundle) -> None:
    bundle, minutes = crypto_bundle
    seen: list[tuple[pd.Timestamp, float]] = []

    def initialize(context) -> None:
        context.btc = symbol("BTC-USD")

    def handle_data(context, data) -> None:
        seen.append((data.current_dt, data.current(context.btc, "close")))
        if data.current_dt.hour == 3 and data.current_dt.minute == 0:  # NYSE is closed at 03:00 UTC
            order(context.btc, 1)

    calendar = get_calendar("24/7")
    sessions = calendar.sessions_in_range("2018-04-05", "2018-04-06")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        perf = run_algorithm(
            start=pd.Timestamp("2018-04-05"),
            end=pd.Timestamp("2018-04-06"),
            initialize=initialize,
            handle_data=handle_data,
            capital_base=1e6,
            data_frequency="minute",
            trading_calendar=calendar,
            bundle_data=bundle,
            benchmark_returns=pd.Series(0.0, index=sessions.tz_localize("UTC")),
            default_extension=False,
        )
    assert len(seen) == 2 * 1440
    stored = dict(zip(minutes["timestamp"].to_list(), minutes["close"].to_list(), strict=True))
    for dt, price in seen[::97]:
        expected = stored.get(dt.to_pydatetime())
        assert np.isnan(price) if expected is None else price == float(expected), dt
    fills = [t for day in perf["transactions"] for t in day]
    buys = [pd.Timestamp(t["dt"]) for t in fills if t["amount"] > 0]
    assert [(b.day, b.hour) for b in buys] == [(5, 3), (6, 3)]  # filled while NYSE is closed
    volumes = dict(zip(minutes["timestamp"].to_list(), minutes["volume"].to_list(), strict=True))
    assert all(volumes[b.to_pydatetime()] > 0 for b in buys)  # on a stored bar that traded


def test_daily_bars_on_the_24_7_calendar(crypto_bundle) -> None:
    bundle, minutes = crypto_bundle
    reader = bundle.equity_daily_bar_reader
    assert reader.trading_calendar.name == "24/7"
    (close,) = reader.load_raw_arrays(["close"], pd.Timestamp("2018-04-05"), pd.Timestamp("2018-04-06"), [0])
    last = (
        minutes.group_by(pl.col("timestamp").dt.date())
        .agg(pl.col("close").sort_by("timestamp").last())
        .sort("timestamp")
    )
    assert close[:, 0].tolist() == [float(Decimal(str(c))) for c in last["close"].to_list()]
    weekend = get_calendar("24/7").sessions_in_range("2018-04-07", "2018-04-08")
    assert len(weekend) == 2  # Saturday and Sunday are sessions


def test_a_folder_not_prepared_for_zipline_is_a_clear_error(tmp_path: Path) -> None:
    from rustybt.zipline_bridge.errors import BundleFormatError

    with pytest.raises(BundleFormatError, match=r"bundle\.json"):
        BundleData.open(tmp_path, daily=InMemoryBarWriter().reader("1d"))
