"""The vectorised pass accepts only values it proves exact; everything else gets a closer look."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from rustybt.domain import PRICE_DTYPE, VOLUME_DTYPE, to_decimal_columns


def convert(values: list[object], mode: str = "lenient", column: str = "close") -> tuple[list[object], dict[int, str]]:
    frame = pl.DataFrame({"symbol": ["S"] * len(values), column: values}, strict=False)
    result = to_decimal_columns(frame, [column], mode=mode, time_column=None)
    reasons = {i.row: i.reason for i in (*result.rounded, *result.rejected)}
    return result.frame.get_column(column).to_list(), reasons


def test_text_the_fast_pass_cannot_prove_is_converted_exactly() -> None:
    values, reasons = convert([" 2.5 ", "1e5", "1.5e-10", "١٢", "+3", ".5", "5.", "0.123456789", "abc", None])
    assert values[:7] == [Decimal("2.5"), Decimal("100000"), Decimal("0"), Decimal("12"), Decimal(3), Decimal("0.5"), Decimal(5)]
    assert reasons == {2: "too_many_decimals", 7: "too_many_decimals", 8: "not_a_number"}
    assert values[7] == Decimal("0.12345679") and values[8] is None and values[9] is None


def test_exponents_never_pass_as_small_numbers_in_strict_mode() -> None:
    values, reasons = convert(["1e-9", "2E-3", "1.0e2"], mode="strict")
    assert values == [None, Decimal("0.002"), Decimal("100")]
    assert reasons == {0: "too_many_decimals"}


def test_integer_columns_are_exact_and_overflow_is_named() -> None:
    values, reasons = convert([5, 10**10, -(10**10) + 1], column="close")
    assert values == [Decimal(5), None, Decimal(-(10**10) + 1)]
    assert reasons == {1: "overflow"}
    volumes, none = convert([10**20, 3], column="volume")
    assert volumes == [Decimal(10**20), Decimal(3)] and not none


@settings(max_examples=150, deadline=None)
@given(st.lists(st.decimals(allow_nan=False, allow_infinity=False), max_size=20), st.sampled_from(["", " ", "\t"]))
def test_fast_and_slow_paths_agree_with_python(values: list[Decimal], pad: str) -> None:
    texts = [f"{pad}{v}{pad}" for v in values]
    got, reasons = convert(texts)
    limit = Decimal(10) ** 10
    for i, value in enumerate(values):
        if abs(value) >= limit:
            assert got[i] is None and reasons[i] == "overflow"
            continue
        rounded = value.quantize(Decimal("1e-8"))
        if abs(rounded) >= limit:  # 9999999999.999999999 rounds past the column
            assert got[i] is None and reasons[i] == "overflow"
            continue
        assert got[i] == rounded, (texts[i], got[i])
        assert reasons.get(i) == (None if rounded == value else "too_many_decimals")


def test_columns_already_in_their_dtypes_are_taken_as_they_are() -> None:
    frame = pl.DataFrame({"symbol": ["S"], "close": [Decimal("1.5")], "volume": [Decimal("10")]}).cast(
        {"close": PRICE_DTYPE, "volume": VOLUME_DTYPE}
    )
    result = to_decimal_columns(frame, ["close", "volume"], time_column=None)
    assert result.frame is frame and not result.rounded and not result.rejected


@settings(max_examples=100, deadline=None)
@given(st.lists(st.decimals(min_value=-(10**11), max_value=10**11, places=18, allow_nan=False, allow_infinity=False), max_size=20))
def test_finer_decimal_columns_round_or_reject_exactly_like_python(values: list[Decimal]) -> None:
    wide = pl.DataFrame({"symbol": ["S"] * len(values), "close": values}, schema={"symbol": pl.String, "close": pl.Decimal(38, 18)})
    for mode in ("strict", "lenient"):
        result = to_decimal_columns(wide, ["close"], mode=mode, time_column=None)
        reasons = {i.row: i.reason for i in (*result.rounded, *result.rejected)}
        got = result.frame.get_column("close").to_list()
        for i, value in enumerate(values):
            rounded = value.quantize(Decimal("1e-8"))
            if abs(rounded) >= Decimal(10) ** 10:
                assert got[i] is None and reasons[i] == "overflow"
            elif rounded != value:
                assert reasons[i] == "too_many_decimals"
                assert got[i] == (rounded if mode == "lenient" else None)
            else:
                assert got[i] == value and i not in reasons
