"""A synthetic, reproducible bar universe in the storage schemas, for benchmarks.

    daily_universe(3000, 2520, 0.2, seed=7)   # XNYS sessions, 20% of the assets listed later
    minute_universe(500, 20, seed=7)          # 390 minutes a session from 14:30 UTC

Prices are random walks with 2 decimals (4 for the assets below one dollar), volumes whole
numbers; every value is exact in Decimal(18, 8) / Decimal(38, 8). Decimal columns are built
from unscaled integers, so no float ever rounds a stored value.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import numpy as np
import polars as pl
import pyarrow as pa

SCALE = 10**8
PRICE_TYPE = pa.decimal128(18, 8)
VOLUME_TYPE = pa.decimal128(38, 8)


def sessions(n_sessions: int, end: date = date(2024, 12, 31)) -> np.ndarray:
    """The last ``n_sessions`` XNYS sessions up to ``end`` (weekdays without the calendar)."""
    try:
        import exchange_calendars as xcals

        cal = xcals.get_calendar("XNYS", start="1990-01-02", end=end.isoformat())
        days = cal.sessions.values.astype("datetime64[D]")
    except ImportError:  # pragma: no cover - exchange_calendars ships with zipline
        days = np.arange(np.datetime64("1990-01-01"), np.datetime64(end) + 1)
        days = days[np.is_busday(days)]
    if len(days) < n_sessions:
        raise ValueError(f"only {len(days)} sessions before {end}, asked for {n_sessions}")
    return days[-n_sessions:]


def decimal_column(unscaled: np.ndarray, dtype: pa.Decimal128Type) -> pa.Array:
    """An Arrow decimal array whose unscaled values are ``unscaled`` (int64, scale 8)."""
    values = np.ascontiguousarray(unscaled, dtype=np.int64)
    pairs = np.empty((len(values), 2), dtype=np.int64)
    pairs[:, 0] = values
    pairs[:, 1] = np.where(values < 0, -1, 0)
    return pa.Array.from_buffers(dtype, len(values), [None, pa.py_buffer(pairs.tobytes())])


def _walks(rng: np.random.Generator, n_assets: int, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Close prices as integer ticks (n_steps, n_assets) and each asset's tick size in 1e-8."""
    start = np.exp(rng.uniform(np.log(0.2), np.log(800.0), n_assets))
    steps = rng.normal(0.0, 0.02, (n_steps, n_assets))
    path = start * np.exp(np.cumsum(steps, axis=0))
    decimals = np.where(start < 1.0, 4, 2)
    tick = (10 ** (8 - decimals)).astype(np.int64)
    ticks = np.maximum(np.rint(path * 10.0**decimals), 1).astype(np.int64)
    return ticks, tick


def _ohlcv(rng: np.random.Generator, close_ticks: np.ndarray, tick: np.ndarray, volume_scale: float) -> dict[str, np.ndarray]:
    shape = close_ticks.shape
    prev = np.vstack([close_ticks[:1], close_ticks[:-1]])
    open_ticks = np.maximum(prev + np.rint(rng.normal(0, 0.003, shape) * prev).astype(np.int64), 1)
    top = np.maximum(open_ticks, close_ticks)
    bottom = np.minimum(open_ticks, close_ticks)
    high = top + np.rint(np.abs(rng.normal(0, 0.008, shape)) * top).astype(np.int64)
    low = np.maximum(bottom - np.rint(np.abs(rng.normal(0, 0.008, shape)) * bottom).astype(np.int64), 1)
    volume = np.rint(rng.lognormal(np.log(volume_scale), 1.0, shape)).astype(np.int64) + 1
    return {
        "open": open_ticks * tick,
        "high": high * tick,
        "low": low * tick,
        "close": close_ticks * tick,
        "volume": volume * SCALE,
    }


def _frame(time_name: str, times: pa.Array, sids: np.ndarray, values: dict[str, np.ndarray], keep: np.ndarray) -> pl.DataFrame:
    columns = {
        time_name: times.filter(pa.array(keep.ravel())),
        "sid": pa.array(sids.ravel()[keep.ravel()], pa.int64()),
    }
    for name, grid in values.items():
        columns[name] = decimal_column(grid.ravel()[keep.ravel()], VOLUME_TYPE if name == "volume" else PRICE_TYPE)
    return pl.from_arrow(pa.table(columns))  # type: ignore[return-value]


def daily_universe(n_assets: int, n_sessions: int, late_listing_fraction: float = 0.2, seed: int = 7) -> pl.DataFrame:
    """Daily bars in ``DAILY_BARS_SCHEMA``, sorted by (date, sid); sids 1..n_assets.

    ``late_listing_fraction`` of the assets start trading at a random later session.
    """
    rng = np.random.default_rng(seed)
    days = sessions(n_sessions)
    close, tick = _walks(rng, n_assets, n_sessions)
    values = _ohlcv(rng, close, tick, 2e5)
    first = np.zeros(n_assets, dtype=np.int64)
    late = rng.random(n_assets) < late_listing_fraction
    first[late] = rng.integers(1, max(n_sessions, 2), late.sum())
    keep = np.arange(n_sessions)[:, None] >= first[None, :]
    sids = np.broadcast_to(np.arange(1, n_assets + 1, dtype=np.int64), (n_sessions, n_assets))
    times = pa.array(np.repeat(days, n_assets), pa.date32())
    return _frame("date", times, sids, values, keep)


def minute_universe(n_assets: int, n_sessions: int, seed: int = 7, minutes_per_session: int = 390) -> pl.DataFrame:
    """Minute bars in ``MINUTE_BARS_SCHEMA``, sorted by (timestamp, sid); sids 1..n_assets.

    Each session runs ``minutes_per_session`` minutes from 14:30 UTC; every asset trades
    every minute except a random 1% of (minute, asset) cells.
    """
    rng = np.random.default_rng(seed)
    days = sessions(n_sessions)
    opens = days.astype("datetime64[us]") + np.timedelta64(14 * 60 + 30, "m")
    stamps = (opens[:, None] + np.arange(minutes_per_session).astype("timedelta64[m]")).ravel()
    n_steps = len(stamps)
    close, tick = _walks(rng, n_assets, n_steps)
    close = np.maximum(close // 1, 1)
    values = _ohlcv(rng, close, tick, 2e3)
    keep = rng.random((n_steps, n_assets)) >= 0.01
    sids = np.broadcast_to(np.arange(1, n_assets + 1, dtype=np.int64), (n_steps, n_assets))
    times = pa.array(np.repeat(stamps, n_assets), pa.timestamp("us", tz="UTC"))
    return _frame("timestamp", times, sids, values, keep)


def one_session_minutes(n_assets: int, seed: int = 7) -> pl.DataFrame:
    """390 minute bars of ``n_assets`` assets on one session (for aggregation benchmarks)."""
    return minute_universe(n_assets, 1, seed=seed)


def session_bounds(day: date) -> tuple[datetime, datetime]:
    """First and last minute of the synthetic session on ``day`` (UTC)."""
    start = datetime(day.year, day.month, day.day, 14, 30, tzinfo=timezone.utc)
    return start, start + timedelta(minutes=389)
