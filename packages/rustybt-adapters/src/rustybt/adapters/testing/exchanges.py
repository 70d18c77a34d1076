"""Binance and Kraken endpoints answered from recorded kline rows, for a ``ReplayServer``.

``BinanceReplay``/``KrakenReplay`` hold rows per (market id, interval) in the exchange's own
wire format and answer ``klines``/``OHLC`` requests honouring the start, end and limit
parameters, so a client can paginate through recorded or generated history.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rustybt.adapters.testing.replay import Query, ReplayServer, Response

_BINANCE_MAX = 1000
_KRAKEN_MAX = 720


def recorded_ccxt(path: Path, index: int = 0) -> dict[str, Any]:
    """One recorded case (``input``, ``httpResponse``, ``parsedResponse``) of a ccxt fixture file."""
    case: dict[str, Any] = json.loads(path.read_text())["fetchOHLCV"][index]
    return case


def synthetic_klines(start_ms: int, step_ms: int, count: int, *, base: float = 100.0) -> list[list[Any]]:
    """Binance-format rows with exact two-decimal prices following a gentle zigzag."""
    rows = []
    for i in range(count):
        open_ = round(base + (i % 17) * 0.25, 2)
        close = round(base + ((i + 1) % 17) * 0.25, 2)
        high, low = max(open_, close) + 0.5, min(open_, close) - 0.5
        t = start_ms + i * step_ms
        rows.append(
            [
                t,
                f"{open_:.8f}",
                f"{high:.8f}",
                f"{low:.8f}",
                f"{close:.8f}",
                f"{10 + i % 7}.50000000",
                t + step_ms - 1,
                "0",
                1,
                "0",
                "0",
                "0",
            ]
        )
    return rows


class BinanceReplay:
    """``/api/v3/exchangeInfo`` listing the markets given, ``/api/v3/klines`` from stored rows."""

    def __init__(self, markets: Iterable[tuple[str, str]] = (("BTC", "USDT"), ("ETH", "USDT"))) -> None:
        self.markets = list(markets)
        self.klines: dict[tuple[str, str], list[list[Any]]] = {}

    def add(self, market_id: str, interval: str, rows: Iterable[list[Any]]) -> None:
        merged = {int(r[0]): r for r in self.klines.get((market_id, interval), [])}
        merged.update({int(r[0]): list(r) for r in rows})
        self.klines[(market_id, interval)] = [merged[t] for t in sorted(merged)]

    def install(self, server: ReplayServer) -> None:
        server.route("/api/v3/exchangeInfo", self.exchange_info)
        server.route("/api/v3/klines", self.answer_klines)

    def exchange_info(self, _: Query) -> Response:
        symbols = [
            {
                "symbol": f"{b}{q}",
                "status": "TRADING",
                "baseAsset": b,
                "baseAssetPrecision": 8,
                "quoteAsset": q,
                "quotePrecision": 8,
                "quoteAssetPrecision": 8,
                "orderTypes": ["LIMIT", "MARKET"],
                "isSpotTradingAllowed": True,
                "isMarginTradingAllowed": False,
                "permissions": ["SPOT"],
                "permissionSets": [["SPOT"]],
                "filters": [
                    {
                        "filterType": "PRICE_FILTER",
                        "minPrice": "0.01000000",
                        "maxPrice": "1000000.00000000",
                        "tickSize": "0.01000000",
                    },
                    {
                        "filterType": "LOT_SIZE",
                        "minQty": "0.00001000",
                        "maxQty": "9000.00000000",
                        "stepSize": "0.00001000",
                    },
                ],
            }
            for b, q in self.markets
        ]
        return Response(
            {
                "timezone": "UTC",
                "serverTime": 1706630400000,
                "rateLimits": [],
                "exchangeFilters": [],
                "symbols": symbols,
            }
        )

    def answer_klines(self, query: Query) -> Response:
        key = (query.get("symbol", ""), query.get("interval", ""))
        if key[0] not in {f"{b}{q}" for b, q in self.markets}:
            return Response({"code": -1121, "msg": "Invalid symbol."}, status=400)
        start = int(query.get("startTime", "0"))
        end = int(query.get("endTime", str(2**62)))
        limit = min(int(query.get("limit", "500")), _BINANCE_MAX)
        rows = [r for r in self.klines.get(key, []) if start <= int(r[0]) <= end]
        return Response(rows[:limit])


class KrakenReplay:
    """``/0/public/AssetPairs``, ``/0/public/Assets`` and ``/0/public/OHLC`` (720 rows at most)."""

    def __init__(self) -> None:
        self.ohlc: dict[tuple[str, str], list[list[Any]]] = {}

    def add(self, pair: str, interval_minutes: int, rows: Iterable[list[Any]]) -> None:
        merged = {int(r[0]): r for r in self.ohlc.get((pair, str(interval_minutes)), [])}
        merged.update({int(r[0]): list(r) for r in rows})
        self.ohlc[(pair, str(interval_minutes))] = [merged[t] for t in sorted(merged)]

    def install(self, server: ReplayServer) -> None:
        server.route("/0/public/AssetPairs", self.asset_pairs)
        server.route("/0/public/Assets", self.assets)
        server.route("/0/public/OHLC", self.answer_ohlc)

    def asset_pairs(self, _: Query) -> Response:
        pair = {
            "altname": "XBTUSDT",
            "wsname": "XBT/USDT",
            "aclass_base": "currency",
            "base": "XXBT",
            "aclass_quote": "currency",
            "quote": "USDT",
            "lot": "unit",
            "cost_decimals": 5,
            "pair_decimals": 1,
            "lot_decimals": 8,
            "lot_multiplier": 1,
            "fees": [[0, 0.4]],
            "fees_maker": [[0, 0.25]],
            "fee_volume_currency": "ZUSD",
            "margin_call": 80,
            "margin_stop": 40,
            "ordermin": "0.00005",
            "costmin": "0.5",
            "tick_size": "0.1",
            "status": "online",
        }
        return Response({"error": [], "result": {"XBTUSDT": pair}})

    def assets(self, _: Query) -> Response:
        return Response(
            {
                "error": [],
                "result": {
                    "XXBT": {
                        "aclass": "currency",
                        "altname": "XBT",
                        "decimals": 10,
                        "display_decimals": 5,
                        "status": "enabled",
                    },
                    "USDT": {
                        "aclass": "currency",
                        "altname": "USDT",
                        "decimals": 8,
                        "display_decimals": 4,
                        "status": "enabled",
                    },
                },
            }
        )

    def answer_ohlc(self, query: Query) -> Response:
        pair, interval = query.get("pair", ""), query.get("interval", "1")
        if (pair, interval) not in self.ohlc and pair != "XBTUSDT":
            return Response({"error": ["EQuery:Unknown asset pair"]})
        since = int(query.get("since", "0"))
        rows = [r for r in self.ohlc.get((pair, interval), []) if int(r[0]) >= since][:_KRAKEN_MAX]
        last = rows[-1][0] if rows else since
        return Response({"error": [], "result": {pair: rows, "last": last}})


__all__ = ["BinanceReplay", "KrakenReplay", "recorded_ccxt", "synthetic_klines"]
