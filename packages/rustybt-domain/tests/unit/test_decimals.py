"""No silent loss: exact Decimal(18, 8) / Decimal(38, 8) conversion, property-tested."""

from __future__ import annotations

from datetime import timezone
from decimal import ROUND_HALF_EVEN, Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rustybt.domain import PRICE_DTYPE, VOLUME_DTYPE, DecimalConversionError, to_decimal, to_decimal_columns

UTC = timezone.utc
MAX_PRICE = Decimal("9999999999.99999999")
prices = st.decimals(min_value=-MAX_PRICE, max_value=MAX_PRICE, places=8, allow_nan=False, allow_infinity=False)
volumes = st.decimals(min_value=Decimal(0), max_value=Decimal("9" * 30 + ".99999999"), places=8, allow_nan=False, allow_infinity=False)



@settings(max_examples=300)
@given(st.lists(prices, min_size=1, max_size=40))
def test_every_representable_price_round_trips_exactly_as_text(values: list[Decimal]) -> None:
    frame = pl.DataFrame({"close": [str(v) for v in values]})
    result = to_decimal_columns(frame, ["close"], symbol_column=None, time_column=None)
    assert not result.rejected and not result.rounded
    assert result.frame.get_column("close").dtype == PRICE_DTYPE
    assert result.frame.get_column("close").to_list() == values


@settings(max_examples=300)
@given(st.lists(prices, min_size=1, max_size=40))
def test_every_representable_price_round_trips_exactly_as_decimal(values: list[Decimal]) -> None:
    frame = pl.DataFrame({"close": values}, schema={"close": pl.Decimal(38, 8)})
    result = to_decimal_columns(frame, ["close"], symbol_column=None, time_column=None)
    assert not result.rejected
    assert result.frame.get_column("close").to_list() == values
    for v in values:
        assert to_decimal(v) == v


@settings(max_examples=200)
@given(st.lists(volumes, min_size=1, max_size=20))
def test_volumes_beyond_1e10_round_trip_in_decimal_38_8(values: list[Decimal]) -> None:
    frame = pl.DataFrame({"volume": [str(v) for v in values]})
    result = to_decimal_columns(frame, ["volume"], symbol_column=None, time_column=None)
    assert not result.rejected
    assert result.frame.get_column("volume").dtype == VOLUME_DTYPE
    assert result.frame.get_column("volume").to_list() == values


@settings(max_examples=300)
@given(st.decimals(min_value=Decimal("1e10"), max_value=Decimal("1e25"), allow_nan=False, allow_infinity=False), st.booleans())
def test_overflow_always_raises(value: Decimal, negative: bool) -> None:
    value = -value if negative else value
    with pytest.raises(DecimalConversionError, match="does not fit") as info:
        to_decimal(value, column="close", symbol="PEPE/USDT", when="2024-01-01T00:00:00Z", row=7)
    assert info.value.reason == "overflow"
    frame = pl.DataFrame({"symbol": ["PEPE/USDT"], "timestamp": ["2024-01-01"], "close": [str(value)]})
    result = to_decimal_columns(frame, ["close"])
    assert [i.reason for i in result.rejected] == ["overflow"]
    assert result.frame.get_column("close").to_list() == [None]


@given(st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=12, allow_nan=False, allow_infinity=False))
def test_more_than_8_decimals_strict_rejects_lenient_rounds_half_even(value: Decimal) -> None:
    exact = value == value.quantize(Decimal("1e-8"))
    frame = pl.DataFrame({"close": [str(value)]})
    strict = to_decimal_columns(frame, ["close"], symbol_column=None, time_column=None, mode="strict")
    lenient = to_decimal_columns(frame, ["close"], symbol_column=None, time_column=None, mode="lenient")
    if exact:
        assert not strict.rejected and not lenient.rounded
        assert strict.frame.item() == value
    else:
        assert [i.reason for i in strict.rejected] == ["too_many_decimals"]
        assert len(lenient.rounded) == 1
        assert lenient.frame.item() == value.quantize(Decimal("1e-8"), rounding=ROUND_HALF_EVEN)


def test_half_even_on_ties() -> None:
    frame = pl.DataFrame({"close": ["0.123456785", "0.123456775", "-0.123456785"]})
    result = to_decimal_columns(frame, ["close"], symbol_column=None, time_column=None, mode="lenient")
    assert result.frame.get_column("close").to_list() == [Decimal("0.12345678"), Decimal("0.12345678"), Decimal("-0.12345678")]
    assert len(result.rounded) == 3


@pytest.mark.parametrize(("raw", "reason"), [("nan", "nan"), ("NaN", "nan"), ("inf", "infinite"), ("-Infinity", "infinite"), ("abc", "not_a_number"), ("1,5", "not_a_number"), ("", "not_a_number")])
def test_nan_inf_and_garbage_never_enter(raw: str, reason: str) -> None:
    frame = pl.DataFrame({"symbol": ["AAPL", "AAPL"], "timestamp": ["2024-01-02", "2024-01-03"], "close": ["1.5", raw]})
    result = to_decimal_columns(frame, ["close"], mode="lenient")
    assert [(i.row, i.reason) for i in result.rejected] == [(1, reason)]
    with pytest.raises(DecimalConversionError) as info:
        result.raise_if_rejected()
    message = str(info.value)
    assert "'AAPL'" in message and "2024-01-03" in message and "'close'" in message and "row 1" in message


def test_float_inputs_read_through_their_shortest_representation() -> None:
    frame = pl.DataFrame({"close": [0.1, 2.675, 1e-8, float("nan"), 1e-9]})
    result = to_decimal_columns(frame, ["close"], symbol_column=None, time_column=None)
    assert result.frame.get_column("close").to_list()[:3] == [Decimal("0.1"), Decimal("2.675"), Decimal("1e-8")]
    assert [(i.row, i.reason) for i in result.rejected] == [(3, "nan"), (4, "too_many_decimals")]


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False))
def test_floats_are_never_silently_changed(value: float) -> None:
    frame = pl.DataFrame({"close": [value]})
    result = to_decimal_columns(frame, ["close"], symbol_column=None, time_column=None)
    if result.rejected:
        assert result.rejected[0].reason == "too_many_decimals"
    else:
        assert result.frame.item() == Decimal(repr(value))


def test_integers_and_exponents_are_exact() -> None:
    frame = pl.DataFrame({"volume": [10**20, 5]})
    result = to_decimal_columns(frame, ["volume"], symbol_column=None, time_column=None)
    assert result.frame.get_column("volume").to_list() == [Decimal(10**20), Decimal(5)]
    assert to_decimal("1.5e3") == Decimal("1500")
    assert to_decimal(7) == Decimal(7)


def test_bool_is_not_a_number() -> None:
    with pytest.raises(DecimalConversionError, match="not a number"):
        to_decimal(True)


@given(volumes)
def test_single_volume_values_keep_all_38_digits(value: Decimal) -> None:
    assert to_decimal(value, VOLUME_DTYPE, column="volume") == value
    assert to_decimal(str(value), VOLUME_DTYPE, column="volume") == value
