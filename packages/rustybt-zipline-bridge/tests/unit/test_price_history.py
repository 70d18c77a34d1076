"""The numpy forward fill behind daily price windows equals ``DataFrame.ffill``."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rustybt.zipline_bridge.price_history import forward_fill_rows

VALUES = st.one_of(st.just(np.nan), st.floats(-1e6, 1e6, allow_nan=False), st.just(np.inf))


@settings(max_examples=300, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 12), st.integers(1, 6)), elements=VALUES))
def test_forward_fill_equals_pandas(values: np.ndarray) -> None:
    expected = pd.DataFrame(values).ffill().to_numpy()
    filled = values.copy()
    forward_fill_rows(filled)
    np.testing.assert_array_equal(filled, expected)


def test_leading_nan_stays_and_gaps_take_the_last_value() -> None:
    values = np.array([[np.nan, 1.0], [2.0, np.nan], [np.nan, np.nan], [3.0, 4.0]])
    forward_fill_rows(values)
    np.testing.assert_array_equal(values, [[np.nan, 1.0], [2.0, 1.0], [2.0, 1.0], [3.0, 4.0]])
