"""Builders for data-quality pages on synthetic bars with known gaps and spikes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from rustybt.app.report import assess, build_page, write_page
from rustybt.app.report.page_model import DatasetPage
from rustybt.domain import STANDARD_OHLCV_SCHEMA, DatasetInfo, Resolution

UTC = timezone.utc
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def synthetic_bars(
    symbols: Sequence[str],
    count: int,
    step: timedelta,
    *,
    start: datetime = T0,
    spikes: Mapping[str, Sequence[int]] | None = None,
    missing: Mapping[str, Sequence[int]] | None = None,
) -> pl.DataFrame:
    """``count`` bars per symbol ``step`` apart: a gentle zigzag, with a 10x close at each index in
    ``spikes[symbol]`` and no bar at each index in ``missing[symbol]``."""
    rows = []
    for k, symbol in enumerate(symbols):
        up = set((spikes or {}).get(symbol, ()))
        gone = set((missing or {}).get(symbol, ()))
        for i in range(count):
            if i in gone:
                continue
            price = Decimal(50 + 10 * (k % 7)) + Decimal(i % 11) / 4
            if i in up:
                price *= 10
            rows.append((symbol, start + step * i, price, price + 1, price - 1, price, Decimal(100 + i % 17)))
    return pl.DataFrame(rows, schema=STANDARD_OHLCV_SCHEMA, orient="row")


def page_of(
    bars: pl.DataFrame,
    resolution: Resolution,
    *,
    actions: pl.DataFrame | None = None,
    rejections: pl.DataFrame | None = None,
    without_bars: tuple[str, ...] = (),
) -> DatasetPage:
    """The page of ``bars``; ``without_bars`` are symbols the dataset lists but holds no bar of."""
    symbols = (*bars.get_column("symbol").unique(maintain_order=True).to_list(), *without_bars)
    times = bars.get_column("timestamp")
    info = DatasetInfo(
        "d-test", "csv:test", resolution, times.min(), times.max(), "c" * 64,  # type: ignore[arg-type]
        symbols=symbols, row_count=bars.height, bundle="test", last_updated=datetime(2024, 6, 1, 12, tzinfo=UTC),
    )
    return build_page(assess(info, bars, now=datetime(2030, 1, 1, tzinfo=UTC)), actions, rejections)


@pytest.fixture
def write_report(tmp_path: Path) -> Callable[..., Path]:
    """Write the page of ``bars`` into a temp folder (plotly.js beside it); returns its path."""

    def write(bars: pl.DataFrame, resolution: Resolution, name: str = "report.html", **kwargs: Any) -> Path:
        return write_page(page_of(bars, resolution, **kwargs), tmp_path / name)

    return write


@pytest.fixture
def make_bars() -> Callable[..., pl.DataFrame]:
    return synthetic_bars


@pytest.fixture
def make_page() -> Callable[..., DatasetPage]:
    return page_of
