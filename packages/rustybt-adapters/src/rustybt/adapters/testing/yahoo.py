"""Yahoo Finance's chart API on a loopback ``ReplayServer``, and a session that goes there.

Chart documents (``/v8/finance/chart/<symbol>``) are stored whole, as Yahoo sends them;
``YahooReplay`` answers a request with the bars and events between ``period1`` and
``period2`` (or the last bar for a ``range=`` request), and serves the cookie and crumb
endpoints yfinance calls first.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from datetime import datetime, time, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import requests

from rustybt.adapters.testing.replay import Query, ReplayServer, Response

_NOT_FOUND = {
    "chart": {"result": None, "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"}}
}


class LoopbackSession(requests.Session):
    """A ``requests`` session sending every ``*.yahoo.com`` request to ``base_url`` instead."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base = urlsplit(base_url)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        text = url.decode() if isinstance(url, bytes) else url
        verb = method.decode() if isinstance(method, bytes) else method
        parts = urlsplit(text)
        if parts.hostname and parts.hostname.endswith("yahoo.com"):
            text = urlunsplit((self.base.scheme, self.base.netloc, parts.path or "/", parts.query, parts.fragment))
        return super().request(verb, text, *args, **kwargs)


class YahooReplay:
    """Chart documents per symbol, answered by period like Yahoo's chart endpoint."""

    def __init__(self, charts: Mapping[str, dict[str, Any]] | None = None) -> None:
        self.charts: dict[str, dict[str, Any]] = dict(charts or {})

    @classmethod
    def from_folder(cls, folder: Path) -> YahooReplay:
        return cls({p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))})

    def install(self, server: ReplayServer) -> None:
        server.route("/", lambda _: Response("", headers={"Set-Cookie": "A3=d=replay; Path=/; Domain=.yahoo.com"}))
        server.route("/v1/test/getcrumb", lambda _: Response("replay-crumb", headers={"Content-Type": "text/plain"}))
        server.route("/v8/finance/chart/*", self._route)

    def _route(self, query: Query) -> Response:
        return self.answer(unquote(query["__path__"].rsplit("/", 1)[-1]), query)

    def answer(self, symbol: str, query: Query) -> Response:
        document = self.charts.get(symbol)
        if document is None:
            return Response(_NOT_FOUND, status=404)
        result = document["chart"]["result"][0]
        stamps: list[int] = result.get("timestamp", [])
        if "period1" in query:
            start, end = int(query["period1"]), int(query.get("period2", str(2**40)))
            keep = [i for i, t in enumerate(stamps) if start <= t < end]
        else:
            keep = list(range(len(stamps)))[-1:]
        return Response(_slice(document, keep))


def _slice(document: dict[str, Any], keep: list[int]) -> dict[str, Any]:
    out = copy.deepcopy(document)
    result = out["chart"]["result"][0]
    stamps = result.pop("timestamp", [])
    indicators = result.pop("indicators")
    events = result.pop("events", {})
    if not keep:
        result["indicators"] = {"quote": [{}], "adjclose": [{}]}
        return out
    first, last = stamps[keep[0]], stamps[keep[-1]]
    result["timestamp"] = [stamps[i] for i in keep]
    quote = indicators["quote"][0]
    result["indicators"] = {
        "quote": [{k: [v[i] for i in keep] for k, v in quote.items()}],
        "adjclose": [{"adjclose": [indicators["adjclose"][0]["adjclose"][i] for i in keep]}],
    }
    kept_events = {
        kind: {k: e for k, e in items.items() if first <= int(e["date"]) <= last} for kind, items in events.items()
    }
    result["events"] = {k: v for k, v in kept_events.items() if v}
    return out


def chart_document(symbol: str, rows: list[dict[str, Any]], *, exchange_tz: str = "America/New_York") -> dict[str, Any]:
    """A daily chart document as Yahoo sends it, from rows with ``date`` (ISO), ``open``,
    ``high``, ``low``, ``close``, ``volume``, ``adjclose`` and optional ``dividend``/``split``
    (split ratio, e.g. 7.0). Bar times are the 09:30 session open in the exchange's zone."""
    zone = ZoneInfo(exchange_tz)
    stamps = [
        int(datetime.combine(datetime.fromisoformat(r["date"]).date(), time(9, 30), zone).timestamp()) for r in rows
    ]
    dividends = {
        str(t): {"amount": r["dividend"], "date": t} for t, r in zip(stamps, rows, strict=True) if r.get("dividend")
    }
    splits = {
        str(t): {"date": t, "numerator": r["split"], "denominator": 1.0, "splitRatio": f"{r['split']:g}:1"}
        for t, r in zip(stamps, rows, strict=True)
        if r.get("split") and r["split"] != 1.0
    }
    offset = int(datetime.fromtimestamp(stamps[-1], zone).utcoffset().total_seconds()) if stamps else 0  # type: ignore[union-attr]
    meta = {
        "currency": "USD",
        "symbol": symbol,
        "exchangeName": "NMS",
        "fullExchangeName": "NasdaqGS",
        "instrumentType": "EQUITY",
        "firstTradeDate": stamps[0] if stamps else 0,
        "regularMarketTime": stamps[-1] if stamps else 0,
        "hasPrePostMarketData": True,
        "gmtoffset": offset,
        "timezone": "EST",
        "exchangeTimezoneName": exchange_tz,
        "regularMarketPrice": rows[-1]["close"] if rows else None,
        "chartPreviousClose": rows[0]["close"] if rows else None,
        "priceHint": 2,
        "dataGranularity": "1d",
        "range": "",
        "validRanges": ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"],
    }
    quote = {name: [r[name] for r in rows] for name in ("open", "high", "low", "close", "volume")}
    events: dict[str, Any] = {}
    if dividends:
        events["dividends"] = dividends
    if splits:
        events["splits"] = splits
    result = {
        "meta": meta,
        "timestamp": stamps,
        "events": events,
        "indicators": {"quote": [quote], "adjclose": [{"adjclose": [r["adjclose"] for r in rows]}]},
    }
    return {"chart": {"result": [result], "error": None}}


def utc_seconds(moment: datetime) -> int:
    return int(moment.astimezone(timezone.utc).timestamp())


__all__ = ["LoopbackSession", "YahooReplay", "chart_document"]
