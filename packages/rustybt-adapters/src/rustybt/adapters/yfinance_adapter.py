"""``YFinanceAdapter``: equities, ETFs and FX bars through yfinance, unadjusted by default."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from typing_extensions import override

from rustybt.adapters.base import BaseDataAdapter
from rustybt.adapters.frames import empty_bars, in_span, raw_columns
from rustybt.adapters.retry import RetryPolicy, Transient, with_retry
from rustybt.domain.assets import check_symbol
from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import DataSourceError, NotInstalledError, SymbolNotFoundError
from rustybt.domain.resolution import Resolution
from rustybt.domain.schemas import CORPORATE_ACTIONS_SCHEMA
from rustybt.domain.validation import ValidationConfig

INTERVALS = {
    Resolution.M1: "1m",
    Resolution.M5: "5m",
    Resolution.M15: "15m",
    Resolution.H1: "1h",
    Resolution.D1: "1d",
    Resolution.W1: "1wk",
}
ACTIONS_SCHEMA = CORPORATE_ACTIONS_SCHEMA


def _yfinance() -> Any:
    try:
        import yfinance
    except ImportError as err:
        raise NotInstalledError(
            "the yfinance data source needs yfinance: pip install 'rustybt-adapters[yfinance]'"
        ) from err
    return yfinance


class YFinanceAdapter(BaseDataAdapter):
    """Bars from Yahoo Finance via ``yfinance.Ticker.history`` (run in a worker thread).

    Prices are unadjusted unless ``adjusted_prices``; dividends and splits come from
    ``fetch_corporate_actions`` so adjustments can be built from them. ``session`` is handed
    to yfinance (any ``requests.Session``); ``tz_cache_dir`` relocates yfinance's timezone cache.
    """

    def __init__(
        self,
        *,
        timeout: int = 30,
        retry_attempts: int = 3,
        retry_delay: int = 1000,
        adjusted_prices: bool = False,
        session: Any = None,
        tz_cache_dir: str | Path | None = None,
        validation: ValidationConfig | None = None,
    ) -> None:
        super().__init__(validation=validation)
        self.yf = _yfinance()
        self.timeout = timeout
        self.retry = RetryPolicy(retry_attempts, retry_delay)
        self.adjusted_prices = adjusted_prices
        self.session = session
        self.yf.config.debug.hide_exceptions = False  # errors are raised, then translated here
        if tz_cache_dir is not None:
            Path(tz_cache_dir).mkdir(parents=True, exist_ok=True)
            self.yf.set_tz_cache_location(str(tz_cache_dir))

    @property
    @override
    def source_name(self) -> str:
        return "yfinance"

    @override
    def supported_resolutions(self) -> tuple[Resolution, ...]:
        return tuple(INTERVALS)

    @override
    async def fetch_raw(self, symbols: Sequence[str], span: DateRange, resolution: Resolution) -> pl.DataFrame:
        resolution = self.check_resolution(resolution)
        names = list(dict.fromkeys(check_symbol(s) for s in symbols))
        histories: dict[str, Any] = {}
        missing: list[str] = []
        for name in names:
            try:
                histories[name] = await self._history(name, span, resolution)
            except SymbolNotFoundError:
                missing.append(name)
        if missing:
            raise SymbolNotFoundError(missing, self.source_name)
        frames = [_bars(name, h, resolution) for name, h in histories.items()]
        frames = [f.filter(in_span(span)) for f in frames if not f.is_empty()]
        return raw_columns(pl.concat(frames)) if frames and any(not f.is_empty() for f in frames) else empty_bars()

    async def fetch_corporate_actions(self, symbols: Sequence[str], span: DateRange) -> pl.DataFrame:
        """Dividends (cash per share) and splits (new shares per old share) inside ``span``:
        columns ``symbol``, ``date`` (ex-date), ``action`` (``dividend``/``split``), ``value``."""
        rows: list[tuple[str, Any, str, Decimal]] = []
        missing: list[str] = []
        for name in dict.fromkeys(check_symbol(s) for s in symbols):
            try:
                history = await self._history(name, span, Resolution.D1)
            except SymbolNotFoundError:
                missing.append(name)
                continue
            for column, action in (("Dividends", "dividend"), ("Stock Splits", "split")):
                if history is None or column not in history.columns:
                    continue
                for when, value in history[column].items():
                    if value and span.start_date <= when.date() <= span.end_date:
                        rows.append((name, when.date(), action, Decimal(repr(float(value)))))
        if missing:
            raise SymbolNotFoundError(missing, self.source_name)
        return pl.DataFrame(rows, schema=ACTIONS_SCHEMA, orient="row").sort("symbol", "date", "action")

    async def _history(self, symbol: str, span: DateRange, resolution: Resolution) -> Any:
        async def call() -> Any:
            return await asyncio.to_thread(self._history_blocking, symbol, span, resolution)

        return await with_retry(call, self.retry, f"yfinance {symbol} {resolution} bars")

    def _history_blocking(self, symbol: str, span: DateRange, resolution: Resolution) -> Any:
        yf = self.yf
        ticker = yf.Ticker(symbol, session=self.session)
        end = span.end + (resolution.duration if not resolution.is_intraday else timedelta(seconds=1))
        try:
            return ticker.history(
                start=span.start,
                end=end,
                interval=INTERVALS[resolution],
                auto_adjust=self.adjusted_prices,
                actions=True,
                timeout=self.timeout,
            )
        except yf.exceptions.YFTzMissingError as err:
            raise SymbolNotFoundError([symbol], self.source_name) from err
        except yf.exceptions.YFPricesMissingError:
            return None
        except yf.exceptions.YFRateLimitError as err:
            raise Transient(err, rate_limited=True) from err
        except (OSError, ConnectionError) as err:
            raise Transient(err) from err
        except Exception as err:
            if _is_network(err):
                raise Transient(err) from err
            raise DataSourceError(f"yfinance failed for {symbol!r}: {type(err).__name__}: {err}") from err


def _is_network(err: BaseException) -> bool:
    module = type(err).__module__
    name = type(err).__name__
    return module.startswith(("requests", "urllib3", "curl_cffi")) and ("Timeout" in name or "Connection" in name)


def _bars(symbol: str, history: Any, resolution: Resolution) -> pl.DataFrame:
    if history is None or len(history) == 0:
        return empty_bars()
    index = history.index
    if resolution.is_intraday:
        stamps = pl.Series("timestamp", index.tz_convert("UTC").tz_localize(None).to_pydatetime()).dt.replace_time_zone(
            "UTC"
        )
    else:
        days = [t.date() for t in index]
        stamps = pl.Series("timestamp", days, dtype=pl.Date).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    data: dict[str, Any] = {"symbol": [symbol] * len(history), "timestamp": stamps.cast(pl.Datetime("us", "UTC"))}
    for name, column in (("open", "Open"), ("high", "High"), ("low", "Low"), ("close", "Close"), ("volume", "Volume")):
        data[name] = [None if v != v else repr(float(v)) for v in history[column].tolist()]
    schema: dict[str, pl.DataType] = {"symbol": pl.String(), "timestamp": pl.Datetime("us", "UTC")}
    schema.update(dict.fromkeys(("open", "high", "low", "close", "volume"), pl.String()))
    return pl.DataFrame(data, schema=schema)


__all__ = ["ACTIONS_SCHEMA", "INTERVALS", "YFinanceAdapter"]
