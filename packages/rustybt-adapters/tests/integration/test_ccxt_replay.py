"""CCXTDataAdapter against a loopback replay of Binance and Kraken: pagination, retries, errors."""

from __future__ import annotations

import asyncio
import socket

import pytest

from rustybt.adapters import CCXTDataAdapter, source_from_spec
from rustybt.adapters.testing import ReplayServer
from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import RateLimitedError, SourceUnavailableError, SymbolNotFoundError, UnknownSourceError
from rustybt.domain.fakes import InMemoryBarWriter, InMemoryCatalog
from rustybt.domain.resolution import Resolution

SPOT = {"fetchMarkets": {"types": ["spot"]}}
KLINES = "/api/v3/klines"


def binance(server: ReplayServer, **kw: object) -> CCXTDataAdapter:
    return CCXTDataAdapter("binance", api_url=server.url, options=SPOT, retry_delay=1, **kw)  # type: ignore[arg-type]


def test_long_range_is_paginated_with_an_end_bound(exchange_server: ReplayServer) -> None:
    before = exchange_server.count(KLINES)
    got = asyncio.run(
        binance(exchange_server, limit=100).fetch(["ETH/USDT"], DateRange.of("2024-01-01", "2024-03-31"), Resolution.H1)
    )
    calls = [q for p, q in exchange_server.requests[-(exchange_server.count(KLINES) - before) :] if p == KLINES]
    assert got.height == 24 * 60
    assert len(calls) >= 15
    assert all("endTime" in q and int(q["limit"]) == 100 for q in calls)
    assert got.get_column("timestamp").is_sorted()
    assert got.get_column("timestamp").n_unique() == got.height


def test_recorded_binance_klines_keep_their_exact_values(exchange_server: ReplayServer) -> None:
    got = asyncio.run(
        binance(exchange_server).fetch(["BTC/USDT"], DateRange.of("2021-10-22", "2021-10-22"), Resolution.M1)
    )
    assert got.height == 10
    first = got.row(0, named=True)
    assert str(first["open"]) == "60685.22000000" and str(first["volume"]) == "21.63272000"


def test_rate_limit_is_retried_then_succeeds(exchange_server: ReplayServer) -> None:
    exchange_server.fail_next(KLINES, 429, 429)
    got = asyncio.run(
        binance(exchange_server, retry_attempts=3).fetch(
            ["BTC/USDT"], DateRange.of("2024-01-30", "2024-01-30"), Resolution.H1
        )
    )
    assert got.height == 3


def test_persistent_rate_limit_becomes_rate_limited_error(exchange_server: ReplayServer) -> None:
    exchange_server.fail_next(KLINES, 429, 429, 429)
    with pytest.raises(RateLimitedError, match="rate limited after 3 attempt"):
        asyncio.run(
            binance(exchange_server, retry_attempts=3).fetch(
                ["BTC/USDT"], DateRange.of("2024-01-30", "2024-01-30"), Resolution.H1
            )
        )


def test_server_errors_are_retried_then_reported_unavailable(exchange_server: ReplayServer) -> None:
    exchange_server.fail_next(KLINES, 503, 502)
    with pytest.raises(SourceUnavailableError) as info:
        asyncio.run(
            binance(exchange_server, retry_attempts=2).fetch(
                ["BTC/USDT"], DateRange.of("2024-01-30", "2024-01-30"), Resolution.H1
            )
        )
    assert not isinstance(info.value, RateLimitedError)


def test_network_down_is_source_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    adapter = CCXTDataAdapter(
        "binance", api_url=f"http://127.0.0.1:{port}", options=SPOT, retry_attempts=2, retry_delay=1, timeout=2000
    )
    with pytest.raises(SourceUnavailableError, match="ccxt:binance markets: unreachable after 2 attempt"):
        asyncio.run(adapter.fetch(["BTC/USDT"], DateRange.of("2024-01-30", "2024-01-30"), Resolution.H1))


def test_unknown_exchange_suggests_close_names() -> None:
    with pytest.raises(UnknownSourceError, match=r"'binanse'.*did you mean binance"):
        CCXTDataAdapter("binanse")
    with pytest.raises(UnknownSourceError, match="ccxt:<exchange id>, yfinance, csv:<name>"):
        source_from_spec("bloomberg")


def test_unknown_symbol_is_named(exchange_server: ReplayServer) -> None:
    with pytest.raises(SymbolNotFoundError, match="DOGE/EUR"):
        asyncio.run(
            binance(exchange_server).fetch(
                ["BTC/USDT", "DOGE/EUR"], DateRange.of("2024-01-30", "2024-01-30"), Resolution.H1
            )
        )


def test_kraken_recorded_minutes_with_zero_volume_bars(exchange_server: ReplayServer) -> None:
    adapter = CCXTDataAdapter("kraken", api_url=exchange_server.url, rate_limit=False, retry_delay=1)
    got = asyncio.run(adapter.fetch(["BTC/USDT"], DateRange.of("2025-11-10", "2025-11-11"), Resolution.M1))
    assert got.height == 721
    assert got.filter(got.get_column("volume") > 0).height == 505


def test_ingest_from_ccxt_reports_progress_and_extends_incrementally(exchange_server: ReplayServer) -> None:
    catalog, writer = InMemoryCatalog(), InMemoryBarWriter()
    events: list[tuple[str, str, int]] = []
    adapter = source_from_spec("ccxt:binance", api_url=exchange_server.url, options=SPOT, retry_delay=1, limit=500)
    first = adapter.ingest_sync(
        ["ETH/USDT"],
        "2024-01-01",
        "2024-01-31",
        "1h",
        catalog,
        writer,
        progress=lambda e: events.append((e.symbol, e.stage, e.rows)),
    )
    assert first.rows_written == 31 * 24
    assert events == [("ETH/USDT", "fetched", 744), ("ETH/USDT", "written", 744)]
    before = exchange_server.count(KLINES)
    second = adapter.ingest_sync(["ETH/USDT"], "2024-01-01", "2024-02-29", "1h", catalog, writer)
    calls = [q for p, q in exchange_server.requests[-(exchange_server.count(KLINES) - before) :] if p == KLINES]
    assert second.dataset_id == first.dataset_id and second.extended
    assert second.rows_written == 29 * 24
    assert min(int(q["startTime"]) for q in calls) >= 1706745600000  # 2024-02-01: January was not fetched again
    info = catalog.get_dataset_info(str(first.dataset_id))
    assert info.row_count == 60 * 24 and info.end_date.date().isoformat() == "2024-02-29"
    assert len(catalog.list_datasets()) == 1
