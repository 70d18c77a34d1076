"""Rules read neighbouring rows when each symbol's bars are adjacent and in time order: the
report is the same as with per-symbol windows, whatever the frame's order."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from rustybt.domain import STANDARD_OHLCV_SCHEMA, ValidationConfig, validate_bars
from rustybt.domain.validation.layout import FrameLayout, detect_layout

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
NOW = datetime(2024, 3, 1, tzinfo=timezone.utc)

bar = st.tuples(
    st.sampled_from(["AAA", "BBB", "CCC", None]),
    st.one_of(st.integers(0, 70), st.none()),
    st.integers(90, 110),
    st.integers(-3, 6),
    st.integers(-3, 6),
    st.integers(-500, 5_000_000),
)


def frame_of(rows: list[tuple[str | None, int | None, int, int, int, int]]) -> pl.DataFrame:
    data = [
        (
            sym,
            None if day is None else T0 + timedelta(hours=day),
            Decimal(p),
            Decimal(p + up),
            Decimal(p - down),
            Decimal(p + (up - down) // 2),
            Decimal(volume),
        )
        for sym, day, p, up, down, volume in rows
    ]
    return pl.DataFrame(data, schema=STANDARD_OHLCV_SCHEMA, orient="row")


def as_set(frame: pl.DataFrame, use_layout: bool) -> list[tuple[object, ...]]:
    config = ValidationConfig(outlier_std_threshold=1.5, volume_spike_std_threshold=1.5)
    report = validate_bars(frame, config, resolution="1h", now=NOW, use_layout=use_layout)
    return sorted((v.rule, v.severity.value, v.symbol or "", v.rows, v.count, v.details) for v in report.violations)


@settings(max_examples=200, deadline=None)
@given(st.lists(bar, max_size=40), st.booleans())
def test_same_report_with_and_without_the_layout(rows: list[tuple[str | None, int | None, int, int, int, int]], tidy: bool) -> None:
    frame = frame_of(rows)
    if tidy:  # adjacent symbols in time order: the one-pass path
        frame = frame.drop_nulls(["symbol", "timestamp"]).sort("symbol", "timestamp", maintain_order=True)
        assert frame.is_empty() or detect_layout(frame, "symbol", "timestamp").ordered
    assert as_set(frame, True) == as_set(frame, False)


def test_layout_tells_runs_order_and_nulls_apart() -> None:
    def layout(symbols: list[str | None], hours: list[int | None]) -> FrameLayout:
        frame = pl.DataFrame({"symbol": symbols, "timestamp": hours})
        return detect_layout(frame, "symbol", "timestamp")

    assert layout(["A", "A", "B"], [1, 2, 1]) == FrameLayout(grouped=True, ordered=True)
    assert layout(["A", "A", "B"], [2, 1, 1]) == FrameLayout(grouped=True, ordered=False)
    assert layout(["A", "B", "A"], [1, 1, 2]) == FrameLayout()
    assert layout(["A", None, "B"], [1, 1, 2]) == FrameLayout()
    assert layout(["A", "A", "B"], [1, None, 2]) == FrameLayout()


def test_a_symbol_split_in_two_runs_is_checked_as_one() -> None:
    frame = frame_of([("AAA", 1, 100, 1, 1, 10), ("BBB", 1, 100, 1, 1, 10), ("AAA", 1, 100, 1, 1, 10)])
    report = validate_bars(frame, now=NOW)
    assert [(v.rule, v.symbol, v.rows) for v in report.errors] == [("no_duplicate_timestamps", "AAA", (2,))]


def test_off_grid_bars_are_still_checked_for_gaps() -> None:
    hours = [0, 1, 2, 3, 4, 6, 7]  # 05:00 missing: one step of two hours
    frame = frame_of([("AAA", h, 100, 1, 1, 10) for h in hours])
    (gap,) = validate_bars(frame, resolution="1h", now=NOW).warnings
    assert gap.rule == "no_gaps" and gap.count == 1 and "05:00" in gap.details[0]
    half = pl.concat([frame.head(1), frame.head(1).with_columns(pl.col("timestamp") + timedelta(minutes=30)), frame.slice(2)])
    (gap,) = validate_bars(half, resolution="1h", now=NOW).warnings  # 00:00, 00:30, 02:00: 01:00 missing
    assert gap.count == 2 and "01:00" in gap.details[0]


def test_a_spike_exactly_on_the_threshold_is_not_flagged_whatever_the_summation_order() -> None:
    frame = frame_of([("AAA", 0, 90, 0, 0, 0)] * 3 + [("AAA", 0, 90, 0, 0, 91)])  # z of 91 is exactly 1.5
    assert as_set(frame, True) == as_set(frame, False)
    assert "volume_spike" not in {rule for rule, *_ in as_set(frame, True)}
