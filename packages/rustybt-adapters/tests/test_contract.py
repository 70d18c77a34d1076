"""The DataSource contract against the CSV, CCXT (replayed) and yfinance (replayed) adapters."""

from __future__ import annotations

from pathlib import Path

import pytest

from rustybt.adapters import CCXTDataAdapter, CSVAdapter, YFinanceAdapter
from rustybt.adapters.testing import ReplayServer
from rustybt.adapters.testing.yahoo import LoopbackSession
from rustybt.contract.data_source import DataSourceContract
from rustybt.domain.date_range import DateRange
from rustybt.domain.resolution import Resolution


class TestCSVAdapter(DataSourceContract):
    @pytest.fixture
    def source(self, csvdir: Path) -> CSVAdapter:
        return CSVAdapter(csvdir, name="csvdir")

    @pytest.fixture
    def symbols(self) -> list[str]:
        return ["AAPL", "MSFT"]

    @pytest.fixture
    def span(self) -> DateRange:
        return DateRange.of("2014-01-01", "2014-03-31")


class TestCSVAdapterLongFile(TestCSVAdapter):
    @pytest.fixture
    def source(self, csvdir: Path, tmp_path: Path) -> CSVAdapter:
        import polars as pl

        frames = [
            pl.read_csv(csvdir / f"{s}.csv.gz", infer_schema=False).with_columns(pl.lit(s).alias("ticker"))
            for s in ("AAPL", "IBM", "MSFT")
        ]
        path = tmp_path / "long.csv"
        pl.concat(frames).write_csv(path)
        return CSVAdapter(path, name="long", schema_mapping={"symbol_column": "ticker"})


class TestCSVAdapterLeanDayFiles(DataSourceContract):
    @pytest.fixture
    def source(self, shared_data: Path) -> CSVAdapter:
        return CSVAdapter(
            shared_data / "lean" / "Data" / "crypto" / "coinbase" / "minute",
            name="lean-coinbase",
            has_header=False,
            column_names=["time", "open", "high", "low", "close", "volume"],
            schema_mapping={"date_column": "time", "symbol_column": None, **{f"{c}_column": c for c in ("open", "high", "low", "close", "volume")}},
            date_format="epoch_ms",
            date_from_filename="%Y%m%d",
            file_pattern="{symbol}/*_trade.zip",
            resolution="1m",
        )

    @pytest.fixture
    def symbols(self) -> list[str]:
        return ["btcusd"]

    @pytest.fixture
    def span(self) -> DateRange:
        return DateRange.of("2018-04-05T22:00", "2018-04-06T02:00")

    @pytest.fixture
    def resolution(self) -> Resolution:
        return Resolution.M1


class TestCCXTBinance(DataSourceContract):
    @pytest.fixture
    def source(self, exchange_server: ReplayServer) -> CCXTDataAdapter:
        return CCXTDataAdapter(
            "binance",
            api_url=exchange_server.url,
            options={"fetchMarkets": {"types": ["spot"]}},
            limit=100,
            retry_delay=1,
        )

    @pytest.fixture
    def symbols(self) -> list[str]:
        return ["BTC/USDT", "ETH/USDT"]

    @pytest.fixture
    def span(self) -> DateRange:
        return DateRange.of("2024-01-30", "2024-01-31")

    @pytest.fixture
    def resolution(self) -> Resolution:
        return Resolution.H1


class TestCCXTKraken(TestCCXTBinance):
    @pytest.fixture
    def source(self, exchange_server: ReplayServer) -> CCXTDataAdapter:
        return CCXTDataAdapter("kraken", api_url=exchange_server.url, rate_limit=False, retry_delay=1)

    @pytest.fixture
    def symbols(self) -> list[str]:
        return ["BTC/USDT"]


class TestYFinance(DataSourceContract):
    @pytest.fixture
    def source(self, yahoo_server: ReplayServer, tz_cache: Path) -> YFinanceAdapter:
        return YFinanceAdapter(session=LoopbackSession(yahoo_server.url), tz_cache_dir=tz_cache, retry_delay=1)

    @pytest.fixture
    def symbols(self) -> list[str]:
        return ["AAPL", "MSFT"]

    @pytest.fixture
    def span(self) -> DateRange:
        return DateRange.of("2014-05-01", "2014-07-31")
