"""Multi-resolution aggregation of stored bars: minute → 5m/15m/1h/4h/1d, daily → weekly/monthly.

OHLCV semantics, exact in Decimal: first open, highest high, lowest low, last close, summed
volume, per (bar period, sid). "First" and "last" follow the time column, whatever the row
order of the input. Everything stays lazy until the caller collects.

Without a calendar, periods are UTC: intraday bars start on multiples of their length since
midnight UTC, a day is a UTC date, a week starts on Monday, a month on its first day. With an
exchange calendar (a name such as ``"XNYS"`` or an ``exchange_calendars.ExchangeCalendar``),
a minute belongs to the session whose [open, close) holds it (minutes outside every session
are left out, as in zipline), intraday periods start at the session open, and a week or month
is labelled by its first session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import pyarrow as pa

from rustybt.domain.errors import InvalidRequestError, NotInstalledError
from rustybt.domain.instants import TimeLike
from rustybt.domain.ports.bar_reader import BarReader
from rustybt.domain.resolution import Resolution
from rustybt.domain.schemas import DAILY_BARS_SCHEMA, FIELDS, MINUTE_BARS_SCHEMA, storage_schema
from rustybt.storage.parquet.daily_rollup import rollup_day
from rustybt.storage.parquet.file_format import arrow_schema
from rustybt.storage.parquet.readers import ParquetBarReader

if TYPE_CHECKING:
    from exchange_calendars import ExchangeCalendar

MONTHLY = "1mo"
Target = Resolution | str



def _ohlcv(order: str, ordered: bool) -> list[pl.Expr]:
    """The five aggregations; ``ordered``: rows are in time order within each sid, so the
    first and last row of a group are its first and last bar."""
    first = pl.col("open").first() if ordered else pl.col("open").sort_by(order).first()
    last = pl.col("close").last() if ordered else pl.col("close").sort_by(order).last()
    return [first.alias("open"), pl.col("high").max(), pl.col("low").min(), last.alias("close"), pl.col("volume").sum()]


def aggregate(bars: pl.DataFrame | pl.LazyFrame, target: Target, *, calendar: Any = None, time_ordered: bool = False) -> pl.LazyFrame:
    """Aggregate storage-schema ``bars`` (daily or minute) to ``target``.

    ``target``: ``5m``, ``15m``, ``1h``, ``4h``, ``1d`` from minute bars; ``1d``, ``1w`` or
    ``"1mo"`` (``MONTHLY``) from either. Minute → intraday keeps the minute schema
    (``timestamp`` = period start); anything daily or longer gives the daily schema
    (``date`` = period label). Rows sorted by (time, sid).

    ``time_ordered=True`` promises that rows are in time order within each sid (as reader
    output and validated storage frames are), which makes first/last cheaper; a DataFrame is
    checked instead of trusted.
    """
    if isinstance(bars, pl.DataFrame):
        time_ordered = _time_ordered(bars)
    lazy = bars.lazy()
    names = lazy.collect_schema().names()
    kind = "minute" if "timestamp" in names else "daily"
    period = _period(target)
    cal = _calendar(calendar)
    if kind == "daily" and period not in ("1d", "1w", MONTHLY):
        raise InvalidRequestError(f"cannot aggregate daily bars to {period}: only 1d, 1w and {MONTHLY} are longer than a day")
    if kind == "minute" and period == "1m":
        return lazy.sort("timestamp", "sid")
    if kind == "minute" and period not in ("1d", "1w", MONTHLY):
        return _rollup(_intraday_buckets(lazy, period, cal), "timestamp", "timestamp", MINUTE_BARS_SCHEMA, time_ordered)
    daily = lazy if kind == "daily" else _rollup(_session_days(lazy, cal), "timestamp", "date", DAILY_BARS_SCHEMA, time_ordered)
    if period == "1d":
        return daily.sort("date", "sid")
    return _rollup(_long_periods(daily, period, cal), "date", "date", DAILY_BARS_SCHEMA, time_ordered or kind == "minute")


def aggregate_store(
    reader: BarReader,
    target: Target,
    *,
    sids: list[int] | None = None,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    calendar: Any = None,
) -> pl.LazyFrame:
    """``aggregate`` over bars read lazily from ``reader`` (every sid of the range and the
    whole store by default), reading only the partitions of the range. On a Parquet reader,
    UTC periods that never span two partition files (intraday and daily from minute files,
    monthly from daily files) are aggregated file by file in the reader's threads; minute →
    daily works on the stored integers of each file, converting only the daily bars."""
    first = start if start is not None else reader.first_available_dt()
    last = end if end is not None else reader.last_available_dt()
    if first is None or last is None:
        return aggregate(pl.LazyFrame(schema=storage_schema(reader.storage_kind)), target, calendar=calendar)
    if sids is not None:
        chosen = sids
    elif isinstance(reader, ParquetBarReader):
        chosen = reader.sids_in_range(first, last)
    else:
        chosen = reader.sids()
    if not chosen:
        return aggregate(pl.LazyFrame(schema=storage_schema(reader.storage_kind)), target, calendar=calendar)
    period = _period(target)
    if isinstance(reader, ParquetBarReader) and calendar is None and reader.storage_kind == "minute" and period == "1d":
        return reader.map_tables(chosen, first, last, lambda table: rollup_day(table, _aggregate_table), DAILY_BARS_SCHEMA)
    if isinstance(reader, ParquetBarReader) and calendar is None and _within_partition(reader.storage_kind, period):
        schema = MINUTE_BARS_SCHEMA if reader.storage_kind == "minute" and period not in ("1d", "1w", MONTHLY) else DAILY_BARS_SCHEMA
        return reader.map_partitions(chosen, first, last, lambda bars: aggregate(bars, target).collect(), schema)
    bars = reader.load_raw_arrays(chosen, list(FIELDS), first, last)
    return aggregate(bars, target, calendar=calendar, time_ordered=True)


def _aggregate_table(table: pa.Table) -> pl.DataFrame:
    """Minute bars of one partition (decimals in any scale) → daily bars, in polars."""
    frame = pl.from_arrow(table.cast(arrow_schema("minute")))
    assert isinstance(frame, pl.DataFrame)
    return aggregate(frame, "1d").collect()


def _within_partition(kind: str, period: str) -> bool:
    """True when no UTC period of ``period`` spans two partition files of ``kind`` (a minute
    file is a UTC day, a daily file a month), so each file can be aggregated on its own."""
    if kind == "minute":
        return period not in ("1w", MONTHLY)
    return period in ("1d", MONTHLY)


def _time_ordered(frame: pl.DataFrame) -> bool:
    """True when times ascend within each sid: globally, or in (sid, time) order."""
    t = "timestamp" if "timestamp" in frame.columns else "date"
    if frame.height < 2:
        return True
    stamps = np.diff(frame.get_column(t).to_physical().to_numpy())
    if bool((stamps >= 0).all()):
        return True
    ids = np.diff(frame.get_column("sid").to_numpy())
    return bool(((ids > 0) | ((ids == 0) & (stamps > 0))).all())


def _period(target: Target) -> str:
    if isinstance(target, str) and target.strip().lower() in ("1mo", "monthly", "month"):
        return MONTHLY
    return Resolution.parse(target).value


def _calendar(calendar: Any) -> ExchangeCalendar | None:
    if calendar is None or not isinstance(calendar, str):
        return calendar
    try:
        import exchange_calendars as xcals
    except ImportError as err:  # pragma: no cover - exercised only without the extra
        raise NotInstalledError("exchange calendars need the 'calendars' extra: pip install 'rustybt-storage-parquet[calendars]'") from err
    return xcals.get_calendar(calendar)


def _rollup(keyed: pl.LazyFrame, order: str, t: str, schema: pl.Schema, ordered: bool) -> pl.LazyFrame:
    """Group ``keyed`` (storage rows plus a ``__period`` column) by (period, sid); ``order``
    is the input time column that decides first and last."""
    return (
        keyed.group_by("__period", "sid")
        .agg(*_ohlcv(order, ordered))
        .rename({"__period": t})
        .select(*(pl.col(name).cast(dtype) for name, dtype in schema.items()))
        .sort(t, "sid")
    )


_SCHEDULES: dict[tuple[str, str, str], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}


def _schedule(cal: ExchangeCalendar) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Opens and closes (int64 µs since the epoch, ascending) and session days (int days)."""
    key = (str(cal.name), str(cal.first_session), str(cal.last_session))
    if key not in _SCHEDULES:
        table = cal.schedule
        opens = table["open"].dt.tz_convert(None).to_numpy().astype("datetime64[us]").astype(np.int64)
        closes = table["close"].dt.tz_convert(None).to_numpy().astype("datetime64[us]").astype(np.int64)
        days = table.index.to_numpy().astype("datetime64[D]").astype(np.int64)
        _SCHEDULES[key] = (opens, closes, days)
    return _SCHEDULES[key]


def _session_mapper(cal: ExchangeCalendar, step_us: int | None) -> Any:
    """A batch function: timestamps → session day (``step_us`` None) or period start inside
    the session; null for minutes outside every session's [open, close)."""
    opens, closes, days = _schedule(cal)

    def apply(stamps: pl.Series) -> pl.Series:
        values = stamps.dt.epoch("us").to_numpy()
        at = np.searchsorted(opens, values, side="right") - 1
        safe = np.maximum(at, 0)
        inside = (at >= 0) & (values < closes[safe])
        if step_us is None:
            return _masked(days[safe].astype(np.int32), inside, pl.Date())
        start = opens[safe] + (values - opens[safe]) // step_us * step_us
        return _masked(start, inside, pl.Datetime("us", "UTC"))

    return apply


def _masked(values: np.ndarray, keep: np.ndarray, dtype: pl.DataType) -> pl.Series:
    """``values`` as ``dtype`` (from its physical integers), null where ``keep`` is False."""
    physical = pl.Series(values).cast(pl.Int32 if dtype == pl.Date else pl.Int64)
    typed = physical.cast(dtype) if dtype == pl.Date else physical.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    return pl.select(pl.when(pl.lit(pl.Series(keep))).then(pl.lit(typed))).to_series()


def _intraday_buckets(lazy: pl.LazyFrame, period: str, cal: ExchangeCalendar | None) -> pl.LazyFrame:
    if cal is None:
        return lazy.with_columns(pl.col("timestamp").dt.truncate(Resolution.parse(period).polars_every).alias("__period"))
    step = int(Resolution.parse(period).duration.total_seconds() * 1_000_000)
    mapper = _session_mapper(cal, step)
    bucket = pl.col("timestamp").map_batches(mapper, return_dtype=pl.Datetime("us", "UTC"))
    return lazy.with_columns(bucket.alias("__period")).filter(pl.col("__period").is_not_null())


def _session_days(lazy: pl.LazyFrame, cal: ExchangeCalendar | None) -> pl.LazyFrame:
    if cal is None:
        return lazy.with_columns(pl.col("timestamp").dt.date().alias("__period"))
    session = pl.col("timestamp").map_batches(_session_mapper(cal, None), return_dtype=pl.Date)
    return lazy.with_columns(session.alias("__period")).filter(pl.col("__period").is_not_null())


def _long_periods(daily: pl.LazyFrame, period: str, cal: ExchangeCalendar | None) -> pl.LazyFrame:
    every = "1w" if period == "1w" else "1mo"
    keyed = daily.with_columns(pl.col("date").dt.truncate(every).alias("__start"))
    if cal is None:
        return keyed.rename({"__start": "__period"})
    sessions = pl.LazyFrame({"__session": cal.sessions.to_numpy().astype("datetime64[D]")}).with_columns(pl.col("__session").cast(pl.Date))
    firsts = sessions.group_by(pl.col("__session").dt.truncate(every).alias("__start")).agg(pl.col("__session").min().alias("__first"))
    return keyed.join(firsts, on="__start", how="left").with_columns(pl.coalesce("__first", "__start").alias("__period")).drop("__start", "__first")
