"""Prices must be positive unless the validation config allows zero or negative ones."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rustybt.domain import STANDARD_OHLCV_SCHEMA, ValidationConfig, validate_bars

UTC = timezone.utc
T0 = datetime(2020, 4, 14, tzinfo=UTC)
NOW = datetime(2025, 1, 1, tzinfo=UTC)
QUIET = dict(outlier_detection=False)
TRIED: dict[str, int] = {"examples": 0, "negative": 0, "zero": 0}


def frame(rows: list[tuple[Decimal, Decimal, Decimal, Decimal]]) -> pl.DataFrame:
    return pl.DataFrame(
        [("CL", T0 + timedelta(days=i), o, h, low, c, Decimal(10)) for i, (o, h, low, c) in enumerate(rows)],
        schema=STANDARD_OHLCV_SCHEMA,
        orient="row",
    )


# WTI crude on 2020-04-20 closed at -37.63.
WTI = [
    (Decimal("18.27"), Decimal("18.33"), Decimal("17.31"), Decimal("18.27")),
    (Decimal("17.73"), Decimal("17.85"), Decimal("-40.32"), Decimal("-37.63")),
    (Decimal("-14.00"), Decimal("13.86"), Decimal("-16.74"), Decimal("10.01")),
    (Decimal("0"), Decimal("1"), Decimal("0"), Decimal("0.5")),
]


def rules_of(report: object, row: int) -> set[str]:
    return {v.rule for v in report.errors if row in v.rows}  # type: ignore[attr-defined]


def test_negative_and_zero_prices_are_rejected_by_default_naming_the_rule() -> None:
    report = validate_bars(frame(WTI), ValidationConfig(**QUIET), now=NOW)
    assert rules_of(report, 0) == set()
    assert "no_negative_prices" in rules_of(report, 1)
    assert "no_negative_prices" in rules_of(report, 2)
    assert rules_of(report, 3) == {"no_zero_prices"}
    assert report.rejected_rows == {1, 2, 3}


def test_allow_negative_prices_keeps_zero_rejected_unless_allowed_too() -> None:
    negative_ok = validate_bars(frame(WTI), ValidationConfig(allow_negative_prices=True, **QUIET), now=NOW)
    assert negative_ok.rejected_rows == {3}
    both = validate_bars(frame(WTI), ValidationConfig(allow_negative_prices=True, allow_zero_prices=True, **QUIET), now=NOW)
    assert both.ok


def test_zero_alone_can_be_allowed() -> None:
    report = validate_bars(frame(WTI), ValidationConfig(allow_zero_prices=True, **QUIET), now=NOW)
    assert report.rejected_rows == {1, 2}


prices = st.one_of(st.just(Decimal(0)), st.just(Decimal("-0.00")), st.decimals(min_value=-1000, max_value=1000, places=2))


@settings(max_examples=300)
@given(st.lists(st.tuples(prices, prices, prices, prices), min_size=1, max_size=8), st.booleans(), st.booleans())
def test_the_sign_rules_fire_exactly_where_a_price_breaks_them(
    rows: list[tuple[Decimal, ...]], allow_negative: bool, allow_zero: bool
) -> None:
    """Any bars, either option: a row is rejected by a sign rule iff one of its prices breaks it."""
    config = ValidationConfig(allow_negative_prices=allow_negative, allow_zero_prices=allow_zero, ohlcv_checks=True, **QUIET)
    report = validate_bars(frame([tuple(r) for r in rows]), config, now=NOW)  # type: ignore[misc]
    TRIED["examples"] += 1
    for i, row in enumerate(rows):
        negative = any(p < 0 for p in row)
        zero = any(p == 0 for p in row)
        TRIED["negative"] += negative
        TRIED["zero"] += zero
        found = rules_of(report, i)
        assert ("no_negative_prices" in found) == (negative and not allow_negative)
        assert ("no_zero_prices" in found) == (zero and not allow_zero)


@pytest.fixture(scope="module", autouse=True)
def _report_tally() -> object:
    yield
    print(f"\nprice sign property: {TRIED}")
