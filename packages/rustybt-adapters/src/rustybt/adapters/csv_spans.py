"""What time span CSV files hold: the default range of an ingest that names none, and why a
range found no bar (the files' own spans, and an epoch unit that looks wrong)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import polars as pl

from rustybt.adapters.csv_columns import EPOCH_FORMATS, epoch_bounds, epoch_unit
from rustybt.domain.date_range import DateRange
from rustybt.domain.instants import EARLIEST, LATEST

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
_SHOWN = 5
EVERYTHING = DateRange(EARLIEST, LATEST)

ReadAll = Callable[[list[str], DateRange], pl.DataFrame]


def file_spans(read: ReadAll, names: list[str]) -> pl.DataFrame:
    """``source_file``, ``first``, ``last``, ``bars`` of every file of ``names``, in file order."""
    frame = read(names, EVERYTHING)
    if frame.is_empty() or "source_file" not in frame.columns:
        return pl.DataFrame(schema={"source_file": pl.String, "first": frame.schema["timestamp"], "last": frame.schema["timestamp"], "bars": pl.UInt32})
    return (
        frame.group_by(pl.col("source_file").cast(pl.String), maintain_order=True)
        .agg(pl.col("timestamp").min().alias("first"), pl.col("timestamp").max().alias("last"), pl.len().alias("bars"))
    )


def whole_span(read: ReadAll, names: list[str]) -> DateRange | None:
    """From the first to the last bar the files of ``names`` hold; ``None`` when they hold none."""
    spans = file_spans(read, names)
    if spans.is_empty():
        return None
    first, last = spans.get_column("first").min(), spans.get_column("last").max()
    assert isinstance(first, datetime) and isinstance(last, datetime)
    return DateRange(first, last)


def why_no_bars(read: ReadAll, names: list[str], date_format: str | None) -> str:
    """The files' spans, and the epoch unit their numbers look like when it is not the one
    configured (``epoch_ms`` numbers read as seconds land in 1970)."""
    spans = file_spans(read, names)
    if spans.is_empty():
        return "its files hold no rows"
    held = "; ".join(
        f"{Path(f).name} holds {first:%Y-%m-%d %H:%M:%S} to {last:%Y-%m-%d %H:%M:%S} ({n} bars)"
        for f, first, last, n in spans.head(_SHOWN).iter_rows()
    )
    more = f"; and {spans.height - _SHOWN} more files" if spans.height > _SHOWN else ""
    return held + more + _unit_hint(spans, date_format)


def _unit_hint(spans: pl.DataFrame, date_format: str | None) -> str:
    unit = EPOCH_FORMATS.get(date_format or "")
    if unit is None:
        return ""
    first = spans.get_column("first").min()
    assert isinstance(first, datetime)
    micros = (first - EPOCH) // timedelta(microseconds=1)
    number = micros * _PER_SECOND[unit] // 1_000_000
    likely = epoch_unit(number)
    lo, hi = epoch_bounds(likely)
    if likely == unit or not lo <= number <= hi:
        return ""
    moment = EPOCH + timedelta(microseconds=number * 1_000_000 // _PER_SECOND[likely])
    return f"; its numbers look like epoch_{likely} (the first would be {moment:%Y-%m-%d %H:%M:%S}): set date_format=epoch_{likely} or date_format=epoch"


__all__ = ["EVERYTHING", "file_spans", "whole_span", "why_no_bars"]
