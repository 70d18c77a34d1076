"""Contract every ``Cache`` honours for bad arguments (part of ``CacheContract``): keys that are
not keys, data that is not a frame of bars, ranges that end before they start. Each is an
``InvalidRequestError`` (or ``InvalidDateRangeError``) and stores nothing."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rustybt.domain.cache_key import CacheKey
from rustybt.domain.errors import InvalidDateRangeError, InvalidRequestError, RustyBTDataError
from rustybt.domain.ports.cache import Cache

QUERY = (["MSFT", "AAPL"], "2024-01-01", "2024-03-31", "1d", "yfinance")
NOT_FRAMES = [None, [1, 2], {"close": [1]}, "frame", 42, pl.Series("close", [1.0])]
NOT_BARS = [
    pl.DataFrame({"x": [1]}),
    pl.DataFrame({"close": [1.0]}),
    pl.DataFrame({f: [1.0] for f in ("open", "high", "low", "close", "volume")} | {"note": ["hi"]}),
    pl.DataFrame({f: ["1"] for f in ("open", "high", "low", "close", "volume")}),
    pl.DataFrame({f: [1.0] for f in ("open", "high", "low", "close", "volume")} | {"timestamp": ["2024-01-02"]}),
]
NOT_KEYS = [None, 42, "", "abc", "G" * 64, "0" * 63, "0" * 65, b"0" * 64, ("0" * 64,), "A" * 64]

anything = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20), st.binary(max_size=8),
    st.lists(st.text(max_size=5), max_size=3), st.dates(), st.datetimes(), st.decimals(allow_nan=True),
    st.sampled_from(["2024-01-01", "2024-03-31", "1d", "1h", "yfinance", "AAPL", date.max.isoformat()]),
)  # fmt: skip


class CacheArgumentsContract:
    """Mixed into ``CacheContract``; uses its ``cache`` and ``frame`` fixtures."""

    @pytest.mark.parametrize("data", NOT_FRAMES, ids=lambda d: type(d).__name__)
    def test_data_that_is_not_a_frame_is_refused(self, cache: Cache, data: object) -> None:
        with pytest.raises(InvalidRequestError, match="DataFrame or LazyFrame"):
            cache.put_entry(CacheKey.of(*QUERY), data)  # type: ignore[arg-type]
        assert cache.get(*QUERY) is None

    @pytest.mark.parametrize("data", NOT_BARS, ids=lambda d: ",".join(d.columns))
    def test_a_frame_that_is_not_bars_is_refused_under_a_bar_query(self, cache: Cache, data: pl.DataFrame) -> None:
        with pytest.raises(InvalidRequestError, match="frame of bars"):
            cache.put(*QUERY, data)
        assert cache.get(*QUERY) is None

    def test_float_blocks_and_decimal_bars_are_bars(self, cache: Cache, frame: pl.DataFrame) -> None:
        blocks = pl.DataFrame({f: [1.0, 2.0] for f in ("open", "high", "low", "close", "volume")})
        cache.put(*QUERY, blocks)
        got = cache.get(*QUERY)
        assert got is not None and got.collect().equals(blocks)

    @pytest.mark.parametrize("key", NOT_KEYS, ids=repr)
    def test_a_key_that_is_not_a_key_is_refused(self, cache: Cache, frame: pl.DataFrame, key: object) -> None:
        for call in (lambda: cache.get_entry(key), lambda: cache.put_entry(key, frame), lambda: cache.invalidate(key)):  # type: ignore[arg-type]
            with pytest.raises(InvalidRequestError, match="cache key"):
                call()

    def test_a_range_ending_before_it_starts_is_refused(self, cache: Cache, frame: pl.DataFrame) -> None:
        with pytest.raises(InvalidDateRangeError):
            CacheKey.of(["AAPL"], "2024-03-31", "2024-01-01", "1d", "yfinance")
        with pytest.raises(InvalidDateRangeError):
            cache.put(["AAPL"], "2024-03-31", "2024-01-01", "1d", "yfinance", frame)
        with pytest.raises(InvalidDateRangeError):
            cache.get(["AAPL"], "2024-03-31", "2024-01-01", "1d", "yfinance")

    @settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors])
    @given(st.tuples(st.one_of(anything, st.just(["AAPL"])), anything, anything, anything, anything))
    def test_any_query_arguments_are_served_or_refused_as_domain_errors(self, cache: Cache, frame: pl.DataFrame, args: tuple[object, ...]) -> None:
        try:
            key = cache.put(*args, frame)  # type: ignore[arg-type,call-arg]  # hostile arguments on purpose
        except RustyBTDataError:
            return
        got = cache.get(*args)  # type: ignore[arg-type]
        assert got is not None and got.collect().equals(frame)
        assert cache.invalidate(key)
