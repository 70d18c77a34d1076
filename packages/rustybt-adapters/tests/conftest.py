"""Shared fixtures: the real data folder and loopback replays of Binance, Kraken and Yahoo."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from rustybt.adapters.testing import ReplayServer
from rustybt.adapters.testing.exchanges import BinanceReplay, KrakenReplay, recorded_ccxt, synthetic_klines
from rustybt.adapters.testing.yahoo import YahooReplay

HERE = Path(__file__).resolve().parent
ETH_START_MS = 1704067200000  # 2024-01-01T00:00Z


@pytest.fixture(scope="session")
def shared_data() -> Path:
    configured = os.environ.get("RUSTYBT_SHARED_DATA")
    folder = Path(configured) if configured else HERE.parents[2] / ".." / "shared" / "data"
    if not folder.is_dir():
        pytest.fail(f"shared test data not found at {folder} (set RUSTYBT_SHARED_DATA)")
    return folder.resolve()


@pytest.fixture(scope="session")
def exchange_server(shared_data: Path) -> Iterator[ReplayServer]:
    """Binance: recorded BTCUSDT 1h (ccxt fixture) and 1m (NautilusTrader) klines, plus 60 days
    of generated ETHUSDT hourly klines. Kraken: recorded XBTUSDT 1h (ccxt) and 1m (Nautilus)."""
    binance = BinanceReplay()
    binance.add(
        "BTCUSDT", "1h", recorded_ccxt(shared_data / "ccxt-fixtures" / "binance_fetchOHLCV.json")["httpResponse"]
    )
    binance.add(
        "BTCUSDT", "1m", json.loads((shared_data / "nautilus" / "binance" / "http_spot_market_klines.json").read_text())
    )
    binance.add(
        "BTCUSDT", "1d", json.loads((shared_data / "nautilus" / "binance" / "klines_response.json").read_text())
    )
    binance.add("ETHUSDT", "1h", synthetic_klines(ETH_START_MS, 3_600_000, 24 * 60))
    kraken = KrakenReplay()
    kraken_case = recorded_ccxt(shared_data / "ccxt-fixtures" / "kraken_fetchOHLCV.json")
    kraken.add("XBTUSDT", 60, kraken_case["httpResponse"]["result"]["XBTUSDT"])
    kraken.add(
        "XBTUSDT",
        1,
        json.loads((shared_data / "nautilus" / "kraken" / "http_ohlc.json").read_text())["result"]["XBTUSDT"],
    )
    with ReplayServer() as server:
        binance.install(server)
        kraken.install(server)
        yield server


@pytest.fixture(scope="session")
def yahoo_server() -> Iterator[ReplayServer]:
    """Yahoo chart documents built from the real csvdir AAPL/MSFT samples (tests/fixtures/yahoo)."""
    with ReplayServer() as server:
        YahooReplay.from_folder(HERE / "fixtures" / "yahoo").install(server)
        yield server


@pytest.fixture(scope="session")
def tz_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("yf-tz-cache")


@pytest.fixture
def csvdir(shared_data: Path) -> Path:
    return shared_data / "zipline-test-resources" / "csvdir_samples" / "csvdir" / "daily"
