"""``CCXTDataAdapter``: OHLCV bars from any ccxt exchange (``ccxt:<exchange id>``)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
from typing_extensions import override

from rustybt.adapters.base import BaseDataAdapter
from rustybt.adapters.ccxt_exchange import exchange_class, rehost, translated
from rustybt.adapters.frames import empty_bars, in_span, raw_columns
from rustybt.adapters.retry import RetryPolicy, with_retry
from rustybt.domain.assets import AssetType, check_symbol
from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import DataSourceError, SymbolNotFoundError
from rustybt.domain.resolution import Resolution
from rustybt.domain.validation import ValidationConfig

MAX_PAGES = 100_000


class CCXTDataAdapter(BaseDataAdapter):
    """Bars from a ccxt exchange through ``ccxt.async_support``, paginated over long ranges.

    Keywords mirror the ``ccxt`` section of ``data_adapters.yaml`` (``timeout`` and
    ``retry_delay`` in milliseconds). ``limit`` is bars per request (exchange default when
    None); ``api_url`` moves every endpoint to another host (a mirror, a recorded replay);
    ``api_key``/``secret`` sign requests for exchanges that need an account (never shown in
    ``repr``, logs or errors by this class).
    Each fetch opens and closes its own exchange session, so the adapter can be used from
    any event loop; markets are loaded once and reused.
    """

    default_asset_type = AssetType.CRYPTOCURRENCY

    def __init__(
        self,
        exchange: str = "binance",
        *,
        testnet: bool = False,
        rate_limit: bool = True,
        timeout: int = 30000,
        retry_attempts: int = 3,
        retry_delay: int = 5000,
        limit: int | None = None,
        api_url: str | None = None,
        options: Mapping[str, Any] | None = None,
        validation: ValidationConfig | None = None,
        api_key: str | None = None,
        secret: str | None = None,
    ) -> None:
        super().__init__(validation=validation)
        self.exchange_id = exchange
        self._cls = exchange_class(exchange)
        self.testnet = testnet
        self.rate_limit = rate_limit
        self.timeout = timeout
        self.retry = RetryPolicy(retry_attempts, retry_delay)
        self.limit = limit
        self.api_url = api_url
        self.options = dict(options or {})
        timeframes = self._cls().describe().get("timeframes") or {}
        self._resolutions = tuple(r for r in Resolution if str(r) in timeframes)
        self._credentials = {"apiKey": api_key, "secret": secret} if api_key or secret else {}
        self._markets: Any = None
        self._currencies: Any = None

    @property
    @override
    def source_name(self) -> str:
        return f"ccxt:{self.exchange_id}"

    @property
    @override
    def exchange(self) -> str:
        return self.exchange_id

    @override
    def supported_resolutions(self) -> tuple[Resolution, ...]:
        return self._resolutions

    def _client(self) -> Any:
        client = self._cls(
            {"enableRateLimit": self.rate_limit, "timeout": self.timeout, "options": dict(self.options), **self._credentials}
        )
        if self.testnet:
            client.set_sandbox_mode(True)
        if self.api_url:
            client.urls["api"] = rehost(client.urls["api"], self.api_url)
        if self._markets is not None:
            client.set_markets(self._markets, self._currencies)
        return client

    async def _load_markets(self, client: Any) -> None:
        if self._markets is None:
            await with_retry(
                lambda: translated(client.load_markets, symbol="*", where=self.source_name),
                self.retry,
                f"{self.source_name} markets",
            )
            self._markets = client.markets
            self._currencies = client.currencies

    @override
    async def fetch_raw(self, symbols: Sequence[str], span: DateRange, resolution: Resolution) -> pl.DataFrame:
        resolution = self.check_resolution(resolution)
        names = list(dict.fromkeys(check_symbol(s) for s in symbols))
        client = self._client()
        try:
            await self._load_markets(client)
            missing = [s for s in names if s not in client.markets]
            if missing:
                raise SymbolNotFoundError(missing, self.source_name)
            # ccxt turns every number of a response into a float unless told otherwise: a bar's
            # "9999999999.99999999" would arrive as 1e10. As text, each value reaches the
            # exact decimal parse as the exchange sent it (markets stay loaded as numbers).
            client.number = str
            client.on_json_response = _exact_json
            frames = [await self._fetch_symbol(client, name, span, resolution) for name in names]
        finally:
            await client.close()
        frame = (
            pl.concat([f for f in frames if not f.is_empty()])
            if any(not f.is_empty() for f in frames)
            else empty_bars()
        )
        return raw_columns(frame) if not frame.is_empty() else empty_bars()

    async def _fetch_symbol(self, client: Any, symbol: str, span: DateRange, resolution: Resolution) -> pl.DataFrame:
        step = int(resolution.duration.total_seconds() * 1000)
        since = int(span.start.timestamp() * 1000)
        until = int(span.end.timestamp() * 1000)
        rows: dict[int, list[Any]] = {}
        for _ in range(MAX_PAGES):
            page = await self._page(client, symbol, resolution, since, until)
            fresh = [r for r in page if r[0] is not None and since <= r[0] <= until and r[0] not in rows]
            for row in fresh:
                rows[int(row[0])] = row
            if not fresh:
                break
            last = max(int(r[0]) for r in fresh)
            if last + step > until:
                break
            since = last + step
        return _frame(symbol, [rows[t] for t in sorted(rows)], span)

    async def _page(self, client: Any, symbol: str, resolution: Resolution, since: int, until: int) -> list[list[Any]]:
        params = {"until": until}

        async def call() -> list[list[Any]]:
            page: list[list[Any]] = await translated(
                lambda: client.fetch_ohlcv(symbol, str(resolution), since, self.limit, params),
                symbol=symbol,
                where=self.source_name,
            )
            if not page:
                check_empty_page(getattr(client, "last_http_response", None), f"{self.source_name} {symbol} {resolution} bars")
            return page

        return await with_retry(call, self.retry, f"{self.source_name} {symbol} {resolution} bars")

    @override
    async def close(self) -> None:
        """Sessions are closed after each fetch; nothing stays open."""


def check_empty_page(body: object, what: str) -> None:
    """An exchange's answer that ccxt turned into no bars must really hold none: a body that is
    not strict JSON (NaN/Infinity literals, garbage) or a list of rows ccxt could not read is a
    ``DataSourceError``, never an empty result."""
    if not isinstance(body, str) or not body.strip():
        return
    try:
        parsed = json.loads(body, parse_constant=_not_json)
    except ValueError as error:
        raise DataSourceError(f"{what}: the exchange answered with a body that is not valid JSON ({error}); nothing was fetched") from None
    if isinstance(parsed, list) and parsed:
        raise DataSourceError(f"{what}: the exchange answered {len(parsed)} rows that could not be read as bars; nothing was fetched")


def _not_json(literal: str) -> None:
    raise ValueError(f"{literal} is not a JSON value")


def _frame(symbol: str, rows: list[list[Any]], span: DateRange) -> pl.DataFrame:
    if not rows:
        return empty_bars()
    data: dict[str, Any] = {"symbol": [symbol] * len(rows), "timestamp": [int(r[0]) for r in rows]}
    for i, name in enumerate(("open", "high", "low", "close", "volume"), start=1):
        data[name] = [_text(r[i]) if len(r) > i else None for r in rows]
    frame = pl.DataFrame(
        data,
        schema={
            "symbol": pl.String,
            "timestamp": pl.Int64,
            **dict.fromkeys(("open", "high", "low", "close", "volume"), pl.String),
        },
    )
    frame = frame.with_columns(
        pl.from_epoch("timestamp", time_unit="ms").cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    )
    return frame.filter(in_span(span))


def _exact_json(text: str) -> Any:
    """A response body with every number as the exchange wrote it: fractions as their text and
    integers exact at any size. (ccxt parses with orjson when it is installed, which turns an
    integer beyond 64 bits, such as a volume of 18446744073709551616, into a float.) ``NaN``
    and ``Infinity`` are not JSON and fail the parse, as they do in orjson."""
    return json.loads(text, parse_float=str, parse_constant=_not_json)


def _text(value: Any) -> str | None:
    """A number as ccxt gave it: the exchange's own text (``client.number = str``), or the
    shortest exact text of a float (``repr``) from a client that parses numbers."""
    if value is None:
        return None
    return repr(value) if isinstance(value, float) else str(value)


__all__ = ["CCXTDataAdapter"]
