"""Port: an external source of bars (an exchange, a market-data API, files)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import polars as pl

from rustybt.domain.date_range import DateRange
from rustybt.domain.resolution import Resolution
from rustybt.domain.schemas import CORPORATE_ACTIONS_SCHEMA


class DataSource(ABC):
    """Fetches bars and hands them over in the standard OHLCV schema."""

    @property
    @abstractmethod
    def source_name(self) -> str:
        """Catalog name of the source, e.g. ``"ccxt:binance"``, ``"yfinance"``, ``"csv:lean"``."""

    @property
    def exchange(self) -> str:
        """What sids are keyed by together with the symbol (default: the source name)."""
        return self.source_name

    def supported_resolutions(self) -> tuple[Resolution, ...]:
        """Resolutions ``fetch`` accepts (default: all)."""
        return tuple(Resolution)

    @abstractmethod
    async def fetch(self, symbols: Sequence[str], span: DateRange, resolution: Resolution) -> pl.DataFrame:
        """Bars of ``symbols`` inside ``span`` (inclusive) in ``STANDARD_OHLCV_SCHEMA``.

        Ascending by time within each symbol; symbols in the order asked. No bars in the span
        gives an empty frame of that schema. Raises ``SymbolNotFoundError`` naming every
        unknown symbol, ``InvalidResolutionError`` for an unsupported resolution,
        ``SourceUnavailableError`` when the source cannot be reached after retries.
        """

    async def fetch_raw(self, symbols: Sequence[str], span: DateRange, resolution: Resolution) -> pl.DataFrame:
        """Like ``fetch``, but the OHLCV columns may still be text, floats or Decimals of any
        scale, exactly as the source delivered them, so the ingest workflow applies its own
        conversion policy (strict or lenient) and reports every rounded or rejected value
        with its row. Default: ``fetch``."""
        return await self.fetch(symbols, span, resolution)

    async def explain_no_bars(self, symbols: Sequence[str], span: DateRange, resolution: Resolution) -> str | None:
        """Why ``fetch`` found no bar of ``symbols`` in ``span`` (e.g. the span the source
        does hold), for the error an ingest raises then; ``None`` when the source cannot say.
        Never raises for a source that answered ``fetch``."""
        return None

    async def fetch_corporate_actions(self, symbols: Sequence[str], span: DateRange) -> pl.DataFrame:
        """Splits and dividends of ``symbols`` with an ex-date inside ``span``, in
        ``CORPORATE_ACTIONS_SCHEMA``. Default: none (sources without such data)."""
        return pl.DataFrame(schema=CORPORATE_ACTIONS_SCHEMA)
