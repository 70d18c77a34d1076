"""The three frame schemas: daily storage, minute storage, and the adapters' standard schema.

Prices are ``Decimal(18, 8)``. Volume is ``Decimal(38, 8)``: (18, 8) tops out just under 1e10
and real crypto volumes pass that. Times are UTC.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from rustybt.domain.errors import SchemaMismatchError

SCHEMA_VERSION = 1

PRICE_DTYPE = pl.Decimal(18, 8)
VOLUME_DTYPE = pl.Decimal(38, 8)
TIMESTAMP_DTYPE = pl.Datetime("us", "UTC")

PRICE_FIELDS: tuple[str, ...] = ("open", "high", "low", "close")
FIELDS: tuple[str, ...] = (*PRICE_FIELDS, "volume")

_OHLCV: dict[str, pl.DataType] = {
    "open": PRICE_DTYPE,
    "high": PRICE_DTYPE,
    "low": PRICE_DTYPE,
    "close": PRICE_DTYPE,
    "volume": VOLUME_DTYPE,
}

DAILY_BARS_SCHEMA = pl.Schema({"date": pl.Date(), "sid": pl.Int64(), **_OHLCV})
MINUTE_BARS_SCHEMA = pl.Schema({"timestamp": TIMESTAMP_DTYPE, "sid": pl.Int64(), **_OHLCV})
STANDARD_OHLCV_SCHEMA = pl.Schema({"symbol": pl.String(), "timestamp": TIMESTAMP_DTYPE, **_OHLCV})

# Splits and dividends: ``value`` is the cash per share of a dividend, or the new shares per old
# share of a split (7 for a 7-for-1 split); ``date`` is the ex-date.
CORPORATE_ACTIONS_SCHEMA = pl.Schema({"symbol": pl.String(), "date": pl.Date(), "action": pl.String(), "value": PRICE_DTYPE})
CORPORATE_ACTION_KINDS: tuple[str, ...] = ("dividend", "split")


def storage_schema(kind: str) -> pl.Schema:
    """The storage schema for ``"daily"`` or ``"minute"`` bars."""
    if kind == "daily":
        return DAILY_BARS_SCHEMA
    if kind == "minute":
        return MINUTE_BARS_SCHEMA
    raise ValueError(f"storage kind must be 'daily' or 'minute', not {kind!r}")


def time_column(kind: str) -> str:
    """``"date"`` for daily storage, ``"timestamp"`` for minute storage."""
    return "date" if kind == "daily" else "timestamp"


def check_schema(frame: pl.DataFrame | pl.LazyFrame, expected: Mapping[str, pl.DataType], *, what: str) -> None:
    """Raise ``SchemaMismatchError`` naming every missing, extra or mistyped column."""
    actual = frame.collect_schema() if isinstance(frame, pl.LazyFrame) else frame.schema
    problems: list[str] = []
    for name, dtype in expected.items():
        if name not in actual:
            problems.append(f"missing column {name!r} ({dtype})")
        elif actual[name] != dtype:
            problems.append(f"column {name!r} is {actual[name]}, expected {dtype}")
    extra = [name for name in actual if name not in expected]
    if extra:
        problems.append(f"unexpected column(s) {', '.join(repr(c) for c in extra)}")
    if problems:
        raise SchemaMismatchError(f"{what} does not match the schema: " + "; ".join(problems))
