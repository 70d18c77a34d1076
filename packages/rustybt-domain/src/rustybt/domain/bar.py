"""A single OHLCV bar with exact Decimal fields."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import polars as pl

from rustybt.domain.errors import InvalidBarError
from rustybt.domain.instants import to_utc
from rustybt.domain.schemas import STANDARD_OHLCV_SCHEMA

OHLCV_FIELDS: tuple[str, ...] = ("open", "high", "low", "close", "volume")


@dataclass(frozen=True, order=True)
class Bar:
    """One bar of one symbol. Ordered by (symbol, ts). Invalid OHLC raises ``InvalidBarError``."""

    symbol: str
    ts: datetime
    open: Decimal = field(compare=False)
    high: Decimal = field(compare=False)
    low: Decimal = field(compare=False)
    close: Decimal = field(compare=False)
    volume: Decimal = field(compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ts", to_utc(self.ts, name="bar time"))
        for name in OHLCV_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, Decimal):
                object.__setattr__(self, name, Decimal(str(value)))
        check_ohlc(self)


def check_ohlc(bar: Bar) -> None:
    """Raise ``InvalidBarError`` naming the bar and the rule it breaks."""
    where = f"bar {bar.symbol} at {bar.ts.isoformat()}"
    for name in OHLCV_FIELDS:
        value: Decimal = getattr(bar, name)
        if not value.is_finite():
            raise InvalidBarError(f"{where}: {name} is {value}, not a finite number")
    if bar.high < bar.low:
        raise InvalidBarError(f"{where}: high {bar.high} < low {bar.low} (rule high_gte_low)")
    if bar.high < max(bar.open, bar.close):
        raise InvalidBarError(
            f"{where}: high {bar.high} < max(open, close) {max(bar.open, bar.close)} "
            "(rule high_gte_open_close)"
        )
    if bar.low > min(bar.open, bar.close):
        raise InvalidBarError(
            f"{where}: low {bar.low} > min(open, close) {min(bar.open, bar.close)} "
            "(rule low_lte_open_close)"
        )
    if bar.volume < 0:
        raise InvalidBarError(f"{where}: volume {bar.volume} is negative (rule volume_non_negative)")


def bars_frame(bars: Iterable[Bar]) -> pl.DataFrame:
    """Bars as a frame in the standard OHLCV schema, in the order given."""
    rows = list(bars)
    return pl.DataFrame(
        {
            "symbol": [b.symbol for b in rows],
            "timestamp": [b.ts for b in rows],
            "open": [b.open for b in rows],
            "high": [b.high for b in rows],
            "low": [b.low for b in rows],
            "close": [b.close for b in rows],
            "volume": [b.volume for b in rows],
        },
        schema=STANDARD_OHLCV_SCHEMA,
    )


def frame_bars(frame: pl.DataFrame) -> list[Bar]:
    """The rows of a standard-schema frame as ``Bar`` values."""
    return [
        Bar(r["symbol"], r["timestamp"], r["open"], r["high"], r["low"], r["close"], r["volume"])
        for r in frame.select("symbol", "timestamp", *OHLCV_FIELDS).iter_rows(named=True)
    ]


__all__ = ["OHLCV_FIELDS", "Bar", "bars_frame", "check_ohlc", "frame_bars"]
