"""Validation rules: each rule fires on exactly the rows that break it, and only there."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rustybt.domain import STANDARD_OHLCV_SCHEMA, Severity, ValidationConfig, ValidationError, validate_bars

UTC = timezone.utc
T0 = datetime(2024, 1, 1, tzinfo=UTC)
NOW = datetime(2025, 1, 1, tzinfo=UTC)
QUIET = ValidationConfig(outlier_detection=False)


def bars(n: int = 30, symbols: tuple[str, ...] = ("AAPL", "MSFT"), step: timedelta = timedelta(days=1)) -> pl.DataFrame:
    rows = []
    for s in symbols:
        for i in range(n):
            p = Decimal(100 + (i * 7) % 13) + Decimal("0.25")
            rows.append((s, T0 + i * step, p, p + 2, p - 2, p + 1, Decimal(1000 + i)))
    return pl.DataFrame(rows, schema=STANDARD_OHLCV_SCHEMA, orient="row")


def set_value(frame: pl.DataFrame, row: int, column: str, value: object) -> pl.DataFrame:
    dtype = frame.schema[column]
    return frame.with_columns(
        pl.when(pl.int_range(pl.len()) == row).then(pl.lit(value, dtype=dtype)).otherwise(pl.col(column)).alias(column)
    )


def test_clean_bars_pass_every_rule() -> None:
    report = validate_bars(bars(), resolution="1d", now=NOW)
    assert report.ok and not report.violations
    assert report.rows_checked == 60


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("high", Decimal("1"), "high_gte_low"),
        ("high", Decimal("100.5"), "high_gte_open_close"),
        ("low", Decimal("200"), "low_lte_open_close"),
        ("volume", Decimal("-5"), "volume_non_negative"),
        ("close", None, "no_nulls"),
    ],
)
def test_ohlcv_and_completeness_rules_name_the_row(column: str, value: object, rule: str) -> None:
    frame = set_value(bars(), 33, column, value)
    report = validate_bars(frame, QUIET, now=NOW)
    hits = [v for v in report.errors if v.rule == rule]
    assert hits, report.summary()
    assert hits[0].symbol == "MSFT"
    assert hits[0].rows == (33,)
    assert report.rejected_rows == {33}
    with pytest.raises(ValidationError, match=rule) as info:
        report.raise_if_errors()
    assert info.value.report is report


def test_temporal_rules() -> None:
    frame = bars(5, ("AAPL",))
    frame = pl.concat([frame, frame.slice(2, 1), frame.slice(0, 1).with_columns(pl.lit(NOW + timedelta(days=3)).alias("timestamp"))])
    report = validate_bars(frame, QUIET, now=NOW)
    by_rule = {v.rule: v.rows for v in report.errors}
    assert by_rule["no_duplicate_timestamps"] == (5,)
    assert by_rule["sorted_ascending"] == (5,)
    assert by_rule["no_future_bars"] == (6,)


def test_gaps_against_a_continuous_grid_and_against_expected_sessions() -> None:
    frame = bars(10, ("AAPL",), step=timedelta(hours=1)).filter(pl.int_range(pl.len()) != 4)
    report = validate_bars(frame, QUIET, resolution="1h", now=NOW)
    (gap,) = [v for v in report.violations if v.rule == "no_gaps"]
    assert gap.severity is Severity.WARNING and gap.count == 1
    assert "04:00" in gap.details[0]
    daily = bars(6, ("AAPL",)).filter(pl.int_range(pl.len()) != 2)
    sessions = pl.Series([T0 + timedelta(days=i) for i in range(6)], dtype=pl.Datetime("us", "UTC"))
    strict = validate_bars(daily, ValidationConfig(outlier_detection=False, reject_gaps=True), expected_times=sessions, now=NOW)
    assert [v.rule for v in strict.errors] == ["no_gaps"]


def test_outliers_are_flagged_not_rejected_unless_asked() -> None:
    frame = bars(60, ("AAPL",))
    frame = set_value(set_value(frame, 40, "close", Decimal("900")), 40, "high", Decimal("900"))
    frame = set_value(frame, 20, "volume", Decimal("10000000"))
    report = validate_bars(frame, now=NOW)
    assert report.ok
    flagged = {v.rule: v.rows for v in report.warnings}
    assert 40 in flagged["price_outlier"]
    assert flagged["volume_spike"] == (20,)
    rejecting = validate_bars(frame, ValidationConfig(reject_outliers=True), now=NOW)
    assert {v.rule for v in rejecting.errors} == {"price_outlier", "volume_spike"}


def test_thresholds_come_from_config() -> None:
    frame = set_value(bars(60, ("AAPL",)), 20, "volume", Decimal("3000"))
    assert validate_bars(frame, ValidationConfig(volume_spike_std_threshold=100), now=NOW).count("volume_spike") == 0
    assert validate_bars(frame, ValidationConfig(volume_spike_std_threshold=2), now=NOW).count("volume_spike") == 1


def test_rule_groups_can_be_switched_off() -> None:
    frame = set_value(bars(), 3, "high", Decimal("1"))
    assert validate_bars(frame, ValidationConfig(ohlcv_checks=False, outlier_detection=False), now=NOW).ok


def test_storage_schema_frames_are_validated_by_sid() -> None:
    frame = bars(4, ("X",)).rename({"symbol": "sid"}).with_columns(pl.lit(7, dtype=pl.Int64).alias("sid"))
    frame = set_value(frame, 1, "low", Decimal("1000"))
    report = validate_bars(frame, QUIET, now=NOW)
    assert [(v.rule, v.symbol, v.rows) for v in report.errors] == [("high_gte_low", "7", (1,)), ("low_lte_open_close", "7", (1,))]


corruptions = st.lists(
    st.tuples(st.integers(0, 59), st.sampled_from(["high_low", "neg_volume", "null_open"])),
    max_size=8,
    unique_by=lambda t: t[0],
)


@settings(max_examples=150)
@given(corruptions)
def test_rules_fire_on_exactly_the_corrupted_rows(cases: list[tuple[int, str]]) -> None:
    frame = bars()
    for row, kind in cases:
        if kind == "high_low":
            frame = set_value(frame, row, "high", Decimal("0.5"))
        elif kind == "neg_volume":
            frame = set_value(frame, row, "volume", Decimal("-1"))
        else:
            frame = set_value(frame, row, "open", None)
    report = validate_bars(frame, QUIET, now=NOW)
    assert report.rejected_rows == {row for row, _ in cases}
    for row, kind in cases:
        rules = report.rules_for_row(row)
        expected = {"high_low": "high_gte_low", "neg_volume": "volume_non_negative", "null_open": "no_nulls"}[kind]
        assert expected in rules


@settings(max_examples=100)
@given(st.lists(st.tuples(st.decimals(Decimal("0.01"), Decimal("10000"), places=4), st.decimals(0, 100, places=4), st.decimals(0, 100, places=4), st.floats(0, 1)), min_size=1, max_size=30))
def test_well_formed_bars_never_break_an_ohlcv_rule(rows: list[tuple[Decimal, Decimal, Decimal, float]]) -> None:
    data = []
    for i, (open_, up, down, mix) in enumerate(rows):
        high = open_ + up
        low = max(open_ - down, Decimal("0.0001"))
        close = (low + (high - low) * Decimal(str(round(mix, 4)))).quantize(Decimal("0.0001"))
        data.append(("S", T0 + timedelta(days=i), open_, high, low, close, Decimal(i)))
    frame = pl.DataFrame(data, schema=STANDARD_OHLCV_SCHEMA, orient="row")
    assert validate_bars(frame, QUIET, now=NOW).ok
