"""The DataSource contract against the credentialed CCXT adapter of the app, over a replayed
Binance. With a key, ccxt also loads currencies from a signed account endpoint the replay
does not serve (and margin pairs); ``fetchCurrencies``/``fetchMargins: False`` keep to the
public market data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rustybt.adapters.testing import ReplayServer
from rustybt.adapters.testing.exchanges import BinanceReplay, synthetic_klines
from rustybt.app.exchange_keys import CredentialedCCXTDataAdapter, ExchangeCredentials
from rustybt.app.secrets import Secret
from rustybt.contract.data_source import DataSourceContract
from rustybt.domain.date_range import DateRange
from rustybt.domain.resolution import Resolution

START_MS = 1704067200000  # 2024-01-01T00:00Z


@pytest.fixture(scope="module")
def binance() -> Iterator[ReplayServer]:
    replay = BinanceReplay()
    replay.add("ETHUSDT", "1h", synthetic_klines(START_MS, 3_600_000, 24 * 10))
    replay.add("BTCUSDT", "1h", synthetic_klines(START_MS, 3_600_000, 24 * 10, base=40_000.0))
    with ReplayServer() as server:
        replay.install(server)
        yield server


class TestCredentialedCCXT(DataSourceContract):
    @pytest.fixture
    def source(self, binance: ReplayServer) -> CredentialedCCXTDataAdapter:
        credentials = ExchangeCredentials(Secret("contract-key"), Secret("contract-secret"), "test")
        return CredentialedCCXTDataAdapter(
            "binance", credentials, api_url=binance.url, options={"fetchMarkets": {"types": ["spot"]}, "fetchCurrencies": False, "fetchMargins": False}, limit=100, retry_delay=1
        )

    @pytest.fixture
    def symbols(self) -> list[str]:
        return ["BTC/USDT", "ETH/USDT"]

    @pytest.fixture
    def span(self) -> DateRange:
        return DateRange.of("2024-01-03", "2024-01-05")

    @pytest.fixture
    def resolution(self) -> Resolution:
        return Resolution.H1
