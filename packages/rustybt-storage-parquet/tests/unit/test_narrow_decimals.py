"""The narrowest exact decimal type of a column, and the exact way back."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from rustybt.storage.parquet.narrow_decimals import from_unscaled, is_narrow, narrow, widen

PRICE = pa.decimal128(18, 8)
VOLUME = pa.decimal128(38, 8)


@given(
    digits=st.lists(st.integers(-(10**10) + 1, 10**10 - 1), min_size=1, max_size=50),
    drop=st.integers(0, 8),
)
def test_narrow_then_widen_is_exact_and_minimal(digits: list[int], drop: int) -> None:
    unscaled = np.asarray(digits, dtype=np.int64) * 10**drop  # values with 8 - drop decimals at most
    column = pa.chunked_array([from_unscaled(unscaled, PRICE)])
    small = narrow(column)
    assert is_narrow(small.type)
    assert small.type.scale <= 8 - drop or not any(unscaled)
    assert small.to_pylist() == column.to_pylist()  # the same Decimal values
    assert widen(small, PRICE).equals(column)
    if small.type.scale > 0:  # one decimal fewer would lose a digit
        scaled = np.asarray([int(v.scaleb(small.type.scale)) for v in small.to_pylist()])
        assert np.any(scaled % 10)
    biggest = max(abs(int(v.scaleb(small.type.scale))) for v in small.to_pylist())
    assert small.type.precision == max(len(str(biggest)), small.type.scale, 1)


def test_typical_columns() -> None:
    prices = pa.chunked_array([pa.array([Decimal("12.34"), Decimal("0.5"), Decimal("-3.10")], PRICE)])
    assert narrow(prices).type == pa.decimal128(4, 2)
    volumes = pa.chunked_array([pa.array([Decimal("1000"), Decimal("25")], VOLUME)])
    assert narrow(volumes).type == pa.decimal128(4, 0)
    assert widen(narrow(volumes), VOLUME).to_pylist() == volumes.to_pylist()
    zeros = pa.chunked_array([pa.array([Decimal("0")], PRICE)])
    assert narrow(zeros).type == pa.decimal128(1, 0)


def test_columns_without_a_narrower_exact_type_are_kept() -> None:
    huge = pa.chunked_array([pa.array([Decimal("123456789012345.12345678")], VOLUME)])  # beyond int64 at scale 8
    assert narrow(huge).type == VOLUME
    wide = pa.chunked_array([pa.array([Decimal("9999999999.12345678")], PRICE)])  # every digit needed
    assert narrow(wide).type == PRICE
