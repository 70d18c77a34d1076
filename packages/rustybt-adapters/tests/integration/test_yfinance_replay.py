"""YFinanceAdapter against a loopback Yahoo built from the real csvdir AAPL/MSFT samples."""

from __future__ import annotations

import asyncio
import gzip
import io
import socket
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from rustybt.adapters import YFinanceAdapter
from rustybt.adapters.testing import ReplayServer
from rustybt.adapters.testing.yahoo import LoopbackSession
from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import (
    DecimalConversionError,
    InvalidResolutionError,
    SourceUnavailableError,
    SymbolNotFoundError,
)
from rustybt.domain.fakes import InMemoryBarWriter, InMemoryCatalog
from rustybt.domain.resolution import Resolution

SPAN = DateRange.of("2014-01-01", "2014-12-31")


@pytest.fixture
def adapter(yahoo_server: ReplayServer, tz_cache: Path) -> YFinanceAdapter:
    return YFinanceAdapter(session=LoopbackSession(yahoo_server.url), tz_cache_dir=tz_cache, retry_delay=1)


def test_unadjusted_bars_equal_the_recorded_ones(adapter: YFinanceAdapter, csvdir: Path) -> None:
    got = asyncio.run(adapter.fetch(["AAPL"], SPAN, Resolution.D1))
    text = gzip.decompress((csvdir / "AAPL.csv.gz").read_bytes())
    recorded = pl.read_csv(io.BytesIO(text), infer_schema=False).filter(pl.col("date").str.starts_with("2014"))
    assert got.height == recorded.height == 252
    assert [str(v.normalize()) for v in got.get_column("close").to_list()[:3]] == [
        str(Decimal(v).normalize()) for v in recorded.get_column("close").to_list()[:3]
    ]
    assert got.get_column("timestamp").dt.hour().unique().to_list() == [0]


def test_dividends_and_splits_are_captured(adapter: YFinanceAdapter) -> None:
    actions = asyncio.run(adapter.fetch_corporate_actions(["AAPL", "MSFT"], SPAN))
    split = actions.filter(pl.col("action") == "split").row(0, named=True)
    assert (split["symbol"], split["date"].isoformat(), split["value"]) == ("AAPL", "2014-06-09", Decimal("7"))
    assert actions.filter(pl.col("action") == "dividend").group_by("symbol").len().sort("symbol").rows() == [
        ("AAPL", 4),
        ("MSFT", 4),
    ]


def test_unknown_symbol_and_unsupported_resolution(adapter: YFinanceAdapter) -> None:
    with pytest.raises(SymbolNotFoundError, match="ZZZZ"):
        asyncio.run(adapter.fetch(["ZZZZ"], SPAN, Resolution.D1))
    with pytest.raises(InvalidResolutionError, match="4h"):
        asyncio.run(adapter.fetch(["AAPL"], SPAN, Resolution.H4))


def test_ingest_through_the_workflow(adapter: YFinanceAdapter) -> None:
    catalog, writer = InMemoryCatalog(), InMemoryBarWriter()
    summary = adapter.ingest_sync(["AAPL", "MSFT"], "2014-01-01", "2014-06-30", "1d", catalog, writer)
    assert summary.rows_written == 2 * 124 and summary.source == "yfinance"
    assert [r.symbol for r in summary.ranges] == ["AAPL", "MSFT"]


def test_adjusted_prices_only_when_asked_and_rounding_is_reported(yahoo_server: ReplayServer, tz_cache: Path) -> None:
    span = DateRange.of("2014-01-02", "2014-01-03")
    plain = YFinanceAdapter(session=LoopbackSession(yahoo_server.url), tz_cache_dir=tz_cache)
    adjusted = YFinanceAdapter(session=LoopbackSession(yahoo_server.url), tz_cache_dir=tz_cache, adjusted_prices=True)
    plain_close = asyncio.run(plain.fetch(["AAPL"], span, Resolution.D1)).get_column("close")[0]
    with pytest.raises(DecimalConversionError, match="more than 8 decimals"):  # computed prices
        asyncio.run(adjusted.fetch(["AAPL"], span, Resolution.D1))
    catalog, writer = InMemoryCatalog(), InMemoryBarWriter()
    summary = adjusted.ingest_sync(["AAPL"], span.start, span.end, "1d", catalog, writer, mode="lenient")
    assert summary.rows_written == 2 and summary.values_rounded > 0
    sid = catalog.lookup_sid("yfinance", "AAPL")
    assert sid is not None
    adjusted_close = writer.reader("1d").get_value(sid, "2014-01-02", "close")
    assert adjusted_close is not None and adjusted_close < plain_close  # back-adjusted for 2014 dividends


def test_network_down_is_source_unavailable(tz_cache: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = YFinanceAdapter(
        session=LoopbackSession(f"http://127.0.0.1:{port}"), tz_cache_dir=tz_cache, retry_attempts=2, retry_delay=1
    )
    with pytest.raises(SourceUnavailableError, match="unreachable after 2 attempt"):
        asyncio.run(down.fetch(["MSFT"], DateRange.of("2013-01-02", "2013-01-31"), Resolution.D1))
