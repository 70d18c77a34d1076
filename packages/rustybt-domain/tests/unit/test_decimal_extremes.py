"""Numbers past the reach of Python's default Decimal context: huge exponents and millions
of digits are rejected (or, in lenient mode, rounded) like any other value, never raised."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rustybt.domain import DecimalConversionError, to_decimal, to_decimal_columns

MAX_PRICE = Decimal("9999999999.99999999")
HUGE = Context(prec=100, Emax=10**15, Emin=-(10**15))
TALLY: dict[str, int] = {}

EXTREMES = [
    ("1e1000000", "overflow"),
    ("-1E+999999999", "overflow"),
    ("1" + "0" * 2_000_000, "overflow"),
    ("0." + "1" * 2_000_000, "too_many_decimals"),
    ("1e-1000000", "too_many_decimals"),
    ("-9.99e-999999999", "too_many_decimals"),
]


@pytest.mark.parametrize("mode", ["strict", "lenient"])
@pytest.mark.parametrize(("text", "reason"), EXTREMES, ids=[f"{t[:12]}..{len(t)}" for t, _ in EXTREMES])
def test_extreme_numbers_are_issues_not_exceptions(text: str, reason: str, mode: str) -> None:
    frame = pl.DataFrame({"symbol": ["X"], "timestamp": ["t"], "close": [text]})
    result = to_decimal_columns(frame, ["close"], mode=mode)
    if reason == "too_many_decimals" and mode == "lenient":
        assert not result.rejected
        assert [i.reason for i in result.rounded] == ["too_many_decimals"]
        stored = result.frame.get_column("close")[0]
        assert stored == Decimal(text).quantize(Decimal("1e-8"), rounding=ROUND_HALF_EVEN, context=HUGE)
        return
    assert [i.reason for i in result.rejected] == [reason]
    assert result.frame.get_column("close")[0] is None
    with pytest.raises(DecimalConversionError, match="does not fit" if reason == "overflow" else "decimals"):
        to_decimal(text)


numbers = st.builds(
    lambda sign, digits, point, exponent: f"{sign}{digits[:point]}.{digits[point:]}e{exponent}",
    st.sampled_from(["", "-", "+"]),
    st.text("0123456789", min_size=1, max_size=40),
    st.integers(min_value=0, max_value=40),
    st.one_of(st.integers(-30, 30), st.integers(-(10**9), 10**9)),
)


@settings(max_examples=500)
@given(st.lists(numbers, min_size=1, max_size=6), st.sampled_from(["strict", "lenient"]))
def test_any_exponent_is_stored_exactly_or_reported(texts: list[str], mode: str) -> None:
    """Reference: the value in a context wide enough for every exponent drawn."""
    frame = pl.DataFrame({"close": texts})
    result = to_decimal_columns(frame, ["close"], mode=mode, symbol_column=None, time_column=None)
    rejected = {i.row: i.reason for i in result.rejected}
    rounded = {i.row for i in result.rounded}
    for row, text in enumerate(texts):
        value = Decimal(text)
        q = value.quantize(Decimal("1e-8"), rounding=ROUND_HALF_EVEN, context=HUGE) if value.adjusted() < 20 else None
        if value.is_zero():
            q = Decimal(0)
            expected = "stored"
        elif value.adjusted() >= 10 or (q is not None and abs(q) > MAX_PRICE):
            expected = "overflow"
        elif q != value and mode == "strict":
            expected = "too_many_decimals"
        else:
            expected = "stored"
        TALLY[expected] = TALLY.get(expected, 0) + 1
        if expected == "stored":
            assert row not in rejected
            assert result.frame.get_column("close")[row] == q
            assert (row in rounded) == (q != value)
        else:
            assert rejected.get(row) == expected, (text, rejected)


@pytest.fixture(scope="module", autouse=True)
def _report_tally() -> object:
    yield
    print(f"\nexponent property, values by outcome: {TALLY}")
