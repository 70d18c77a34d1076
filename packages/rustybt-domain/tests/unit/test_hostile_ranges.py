"""Date ranges at the ends of the calendar and in any form a caller may pass: a range is
built, or refused with ``InvalidDateRangeError``; never an ``OverflowError``."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rustybt.domain import STANDARD_OHLCV_SCHEMA, CacheKey, DateRange, InvalidDateRangeError, RustyBTDataError
from rustybt.domain.fakes import InMemoryBarWriter
from rustybt.domain.ingest_incremental import missing_pieces
from rustybt.domain.storage_frames import day_bounds

UTC = timezone.utc
TALLY: Counter[str] = Counter()

zones = st.one_of(
    st.none(),
    st.just(UTC),
    st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m))),
)
moments = st.one_of(
    st.sampled_from([date.min, date.max, datetime.min, datetime.max, "0001-01-01", "9999-12-31", "9999-12-31T23:59:59.999999Z"]),
    st.dates(),
    st.builds(lambda d, z: d.replace(tzinfo=z), st.datetimes(), zones),
    st.dates().map(date.isoformat),
    st.builds(lambda d, z: d.replace(tzinfo=z).isoformat(), st.datetimes(), zones),
    st.text(max_size=30),
    st.sampled_from([None, 0, 3.5, Decimal(1), b"2020-01-01", [2020, 1, 1]]),
)


@pytest.mark.parametrize(
    ("start", "end"),
    [("0001-01-01", "9999-12-31"), (date.min, date.max), (datetime.min, datetime.max), ("9999-12-31", "9999-12-31")],
)
def test_the_widest_range_is_accepted(start: object, end: object) -> None:
    span = DateRange.of(start, end)  # type: ignore[arg-type]
    assert span.start in (datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC))
    assert span.end.date() == date(9999, 12, 31) and span.end.hour == 23
    assert day_bounds(date.max)[1] == span.end


def test_an_aware_time_that_leaves_the_calendar_in_utc_is_a_range_error() -> None:
    east = timezone(timedelta(hours=5))
    with pytest.raises(InvalidDateRangeError, match="outside"):
        DateRange.of(datetime(1, 1, 1, 1, tzinfo=east), "2020-01-01")


def test_incremental_pieces_at_the_ends_of_the_calendar() -> None:
    from rustybt.domain import DatasetInfo, Resolution

    info = DatasetInfo("d", "s", Resolution.D1, datetime(1, 1, 1, tzinfo=UTC), datetime.max.replace(tzinfo=UTC), "c")
    assert missing_pieces(info, DateRange.of("0001-01-01", "9999-12-31")) == ()


@settings(max_examples=600)
@given(moments, moments)
def test_any_pair_of_moments_is_a_range_or_a_range_error(start: object, end: object) -> None:
    frame = pl.DataFrame(
        [("A", datetime(2020, 1, 2, tzinfo=UTC), *[Decimal(1)] * 5)], schema=STANDARD_OHLCV_SCHEMA, orient="row"
    )
    writer = InMemoryBarWriter()
    writer.write(frame.with_columns(pl.lit(1, pl.Int64).alias("sid"), pl.col("timestamp").dt.date().alias("date")).select(
        "date", "sid", "open", "high", "low", "close", "volume"), "1d")
    try:
        span = DateRange.of(start, end)  # type: ignore[arg-type]
    except RustyBTDataError as err:
        assert isinstance(err, InvalidDateRangeError), err
        TALLY["refused"] += 1
        return
    TALLY["built"] += 1
    assert span.start <= span.end
    CacheKey.of(["A"], start, end, "1d", "src")  # type: ignore[arg-type]
    writer.reader("1d").load_raw_arrays([1], ["close"], start, end).collect()  # type: ignore[arg-type]


@pytest.fixture(scope="module", autouse=True)
def _report_tally() -> object:
    yield
    print(f"\ndate range property: {dict(TALLY)}")
