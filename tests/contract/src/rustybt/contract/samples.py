"""Sample bar frames the contract suites write and read (exact decimals, awkward on purpose)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import polars as pl

from rustybt.domain.bar import Bar
from rustybt.domain.schemas import DAILY_BARS_SCHEMA, MINUTE_BARS_SCHEMA, storage_schema

UTC = timezone.utc


def _business_days(start: date, end: date) -> list[date]:
    days = []
    d = start
    while d <= end:
        if d.weekday() < 5:
            days.append(d)
        d += timedelta(days=1)
    return days


def _row(i: int, sid: int) -> dict[str, Decimal]:
    base = Decimal(100 * sid) + Decimal(i) / Decimal(7)
    base = base.quantize(Decimal("0.00000001"))
    return {
        "open": base,
        "high": base + Decimal("1.23456789"),
        "low": base - Decimal("0.98765432"),
        "close": base + Decimal("0.5"),
        "volume": Decimal("12345678901234.5") + i,  # beyond Decimal(18, 8): needs Decimal(38, 8)
    }


def daily_bars() -> pl.DataFrame:
    """Sids 1 and 2 over 2023-12-27..2024-02-09 (business days); sid 3 listed from 2024-01-15;
    sid 2 has no bar on 2024-01-10 (a gap). Spans three months."""
    rows = []
    for i, d in enumerate(_business_days(date(2023, 12, 27), date(2024, 2, 9))):
        for sid in (1, 2, 3):
            if sid == 3 and d < date(2024, 1, 15):
                continue
            if sid == 2 and d == date(2024, 1, 10):
                continue
            rows.append({"date": d, "sid": sid, **_row(i, sid)})
    return pl.DataFrame(rows, schema=DAILY_BARS_SCHEMA).sort("date", "sid")


def minute_bars() -> pl.DataFrame:
    """Sids 1 and 2, 90 minutes on 2024-03-04 and 2024-03-05 starting 14:30 UTC; sid 2 misses
    the minute 14:35 of the first day; sid 3 is listed from 15:00 on the second day."""
    rows = []
    for day in (datetime(2024, 3, 4, 14, 30, tzinfo=UTC), datetime(2024, 3, 5, 14, 30, tzinfo=UTC)):
        for m in range(90):
            ts = day + timedelta(minutes=m)
            for sid in (1, 2, 3):
                if sid == 2 and ts == datetime(2024, 3, 4, 14, 35, tzinfo=UTC):
                    continue
                if sid == 3 and ts < datetime(2024, 3, 5, 15, 0, tzinfo=UTC):
                    continue
                rows.append({"timestamp": ts, "sid": sid, **_row(m, sid)})
    return pl.DataFrame(rows, schema=MINUTE_BARS_SCHEMA).sort("timestamp", "sid")


def bars_for(kind: str) -> pl.DataFrame:
    return daily_bars() if kind == "daily" else minute_bars()


def empty_bars(kind: str) -> pl.DataFrame:
    return pl.DataFrame(schema=storage_schema(kind))


def resolution_for(kind: str) -> str:
    return "1d" if kind == "daily" else "1m"


def sample_bars(symbols: list[str], days: int = 120, start: datetime | None = None) -> dict[str, list[Bar]]:
    """Deterministic daily ``Bar`` values (every calendar day) per symbol, for in-memory sources."""
    first = start or datetime(2024, 1, 1, tzinfo=UTC)
    out: dict[str, list[Bar]] = {}
    for k, symbol in enumerate(symbols):
        bars = []
        for i in range(days):
            base = Decimal(10 + 5 * k) + Decimal(i % 17) / Decimal(4)
            bars.append(Bar(symbol, first + timedelta(days=i), base, base + Decimal("1.25"), base - Decimal("0.75"), base + Decimal("0.5"), Decimal(1000 + i)))
        out[symbol] = bars
    return out


def daily_run(symbol: str, start: str, days: int, base: int | str = "10") -> list[Bar]:
    """``days`` daily ``Bar`` values of ``symbol`` from the ISO date ``start`` (UTC): close
    ``base + i/4``, high one above, low one below, volume ``100 + i``."""
    first = datetime.fromisoformat(start).replace(tzinfo=UTC)
    out = []
    for i in range(days):
        price = Decimal(base) + Decimal(i) / 4
        out.append(Bar(symbol, first + timedelta(days=i), price, price + 1, price - 1, price, Decimal(100 + i)))
    return out
