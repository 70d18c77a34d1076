"""Minute → daily from the store (on each file's stored integers) equals aggregating the frame."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from rustybt.domain.schemas import PRICE_DTYPE, VOLUME_DTYPE
from rustybt.storage.parquet import ParquetWriter, PolarsParquetMinuteReader, aggregate, aggregate_store


def universe(btc_minutes: pl.DataFrame, sids: int, keep_every: int) -> pl.DataFrame:
    """Three UTC days of real BTC minutes copied to ``sids`` sids (prices shifted per sid);
    sid k keeps one minute in ``keep_every`` offset by k, so sids trade at different minutes
    (``keep_every=1``: every sid every minute)."""
    days = btc_minutes.filter(pl.col("timestamp").dt.day().is_between(3, 5) & (pl.col("timestamp").dt.month() == 1))
    frames = []
    for k in range(sids):
        rows = days.filter((pl.int_range(pl.len()) + k) % keep_every == 0) if keep_every > 1 else days
        frames.append(rows.with_columns(pl.lit(10 + 3 * k, dtype=pl.Int64).alias("sid"), *(pl.col(n) + Decimal(k) for n in ("open", "high", "low", "close"))))
    out = pl.concat(frames).with_columns(*(pl.col(n).cast(PRICE_DTYPE) for n in ("open", "high", "low", "close")))
    return out.sort("timestamp", "sid")


@pytest.mark.parametrize("keep_every", [1, 3], ids=["every-sid-every-minute", "sparse"])
def test_daily_from_the_store_equals_the_frame(tmp_path: Path, btc_minutes: pl.DataFrame, keep_every: int) -> None:
    bars = universe(btc_minutes, 5, keep_every)
    ParquetWriter(tmp_path).write(bars, "1m")
    reader = PolarsParquetMinuteReader(tmp_path / "minute_bars")
    got = aggregate_store(reader, "1d").collect()
    want = aggregate(bars, "1d").collect()
    assert got.height == 15
    assert got.equals(want)
    some = aggregate_store(reader, "1d", sids=[13, 19], start="2022-01-04", end="2022-01-04").collect()
    assert some.equals(want.filter(pl.col("sid").is_in([13, 19]) & (pl.col("date") == pl.date(2022, 1, 4))))


def test_volumes_beyond_the_integer_path_are_still_exact(tmp_path: Path, btc_minutes: pl.DataFrame) -> None:
    bars = universe(btc_minutes, 2, 2).with_columns((pl.col("volume") * Decimal("1e11") + Decimal("0.00000001")).cast(VOLUME_DTYPE))
    ParquetWriter(tmp_path).write(bars, "1m")
    got = aggregate_store(PolarsParquetMinuteReader(tmp_path / "minute_bars"), "1d").collect()
    want = aggregate(bars, "1d").collect()
    assert got.equals(want)
    assert got.get_column("volume").max() > Decimal("1e18")
