"""Shaping fetched bars: span filter, symbol order, exact conversion to the standard schema."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from rustybt.domain.date_range import DateRange
from rustybt.domain.decimals import ConversionMode, to_decimal_columns
from rustybt.domain.ingest import LOCATION_COLUMNS
from rustybt.domain.schemas import FIELDS, STANDARD_OHLCV_SCHEMA, TIMESTAMP_DTYPE
from rustybt.domain.validation.layout import ascending


def empty_bars() -> pl.DataFrame:
    """No bars, in the standard OHLCV schema."""
    return pl.DataFrame(schema=STANDARD_OHLCV_SCHEMA)


def in_span(span: DateRange) -> pl.Expr:
    """``timestamp`` inside ``span`` (both ends inclusive)."""
    return pl.col("timestamp").is_between(
        pl.lit(span.start, dtype=TIMESTAMP_DTYPE), pl.lit(span.end, dtype=TIMESTAMP_DTYPE)
    )


def order_bars(frame: pl.DataFrame, symbols: Sequence[str]) -> pl.DataFrame:
    """Symbols in the order asked, ascending time within each (stable: duplicates stay), the
    symbol column as ``pl.Enum`` of ``symbols`` so later per-symbol work compares integers.

    Every symbol of ``frame`` must be in ``symbols``. Already ordered frames are not re-sorted.
    """
    keyed = frame.with_columns(pl.col("symbol").cast(pl.Enum(list(dict.fromkeys(symbols)))))
    if keyed.is_empty():
        return keyed
    rank = pl.col("symbol").to_physical().cast(pl.Int64)
    if keyed.select(ascending(rank, "timestamp", strict_second=False)).item():
        return keyed
    return keyed.sort(rank, pl.col("timestamp"), maintain_order=True)


def raw_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Keep the standard columns in the standard order (times in UTC microseconds), then the
    optional ``source_file``/``source_line`` columns that locate each row in its source. A
    symbol column that is a ``pl.Enum`` stays one."""
    symbol = pl.col("symbol") if isinstance(frame.schema["symbol"], pl.Enum) else pl.col("symbol").cast(pl.String)
    return frame.select(
        symbol,
        pl.col("timestamp").cast(TIMESTAMP_DTYPE),
        *(pl.col(name) for name in FIELDS),
        *(pl.col(name) for name in LOCATION_COLUMNS if name in frame.columns),
    )


def exact_bars(raw: pl.DataFrame) -> pl.DataFrame:
    """Raw bars converted exactly to the standard schema; raises ``DecimalConversionError``
    naming symbol, time, column and row for any value that cannot be stored exactly."""
    if raw.is_empty():
        return empty_bars()
    conversion = to_decimal_columns(raw, mode=ConversionMode.STRICT)
    conversion.raise_if_rejected()
    return conversion.frame.select(STANDARD_OHLCV_SCHEMA.names()).cast(STANDARD_OHLCV_SCHEMA)


__all__ = ["empty_bars", "exact_bars", "in_span", "order_bars", "raw_columns"]
