"""Bars thinned for display: OHLC per time bucket (first open, highest high, lowest low, last
close, summed volume). The page does the same per screen pixel on every zoom (``dashboard.js``);
this caps what a page embeds for a symbol with very many bars. Flagged bars are never lost: their
markers carry the bar's own time and values."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

MAX_EMBEDDED_BARS = 100_000


def bucket_bars(bars: pl.DataFrame, every: timedelta) -> pl.DataFrame:
    """``bars`` (ascending ``timestamp`` + OHLCV) aggregated into buckets of ``every``, each
    stamped with its first bar's time."""
    if bars.is_empty():
        return bars
    start = bars.get_column("timestamp")[0]
    return (
        bars.with_columns(((pl.col("timestamp") - start).dt.total_microseconds() // (every // timedelta(microseconds=1))).alias("__bucket"))
        .group_by("__bucket", maintain_order=True)
        .agg(
            pl.col("timestamp").first(),
            pl.col("open").first(),
            pl.col("high").max(),
            pl.col("low").min(),
            pl.col("close").last(),
            pl.col("volume").sum(),
        )
        .drop("__bucket")
    )


def display_bars(bars: pl.DataFrame, step: timedelta, limit: int = MAX_EMBEDDED_BARS) -> tuple[pl.DataFrame, timedelta]:
    """``bars`` as embedded in the page: unchanged when at most ``limit``, else bucketed by the
    smallest multiple of ``step`` that leaves at most ``limit`` buckets. Returns the frame and its
    bucket width (``step`` when unchanged)."""
    if bars.height <= limit:
        return bars, step
    times = bars.get_column("timestamp")
    span = times[-1] - times[0]
    factor = max(2, int(span / step) // limit + 1)
    while True:
        thinned = bucket_bars(bars, step * factor)
        if thinned.height <= limit:
            return thinned, step * factor
        factor += max(1, factor // 8)


__all__ = ["MAX_EMBEDDED_BARS", "bucket_bars", "display_bars"]
