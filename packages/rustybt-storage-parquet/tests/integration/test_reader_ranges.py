"""Any range a caller may pass to a Parquet reader, the ends of the calendar included, is
read or refused with a domain error (never an ``OverflowError``)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rustybt.domain.errors import RustyBTDataError
from rustybt.storage.parquet import ParquetWriter

TALLY: Counter[str] = Counter()
zones = st.one_of(st.none(), st.integers(min_value=-1439, max_value=1439).map(lambda m: timezone(timedelta(minutes=m))))
moments = st.one_of(
    st.sampled_from([date.min, date.max, datetime.min, datetime.max, "0001-01-01", "9999-12-31", "2010-06-15"]),
    st.dates(),
    st.builds(lambda d, z: d.replace(tzinfo=z), st.datetimes(), zones),
    st.text(max_size=25),
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, zipline_daily: pl.DataFrame) -> Path:
    root = tmp_path_factory.mktemp("ranges")
    ParquetWriter(root).write(zipline_daily.filter(pl.col("date").dt.year() == 2010), "1d")
    return root


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moments, moments)
def test_any_range_reads_or_is_a_domain_error(store: Path, start: object, end: object) -> None:
    reader = ParquetWriter(store).reader("1d")
    try:
        frame = reader.load_raw_arrays([7], ["close"], start, end).collect()  # type: ignore[arg-type]
        reader.load_float_arrays([7], ["close"], start, end)  # type: ignore[arg-type]
        reader.get_value(7, end, "close")  # type: ignore[arg-type]
        reader.get_last_traded_dt(7, end)  # type: ignore[arg-type]
    except RustyBTDataError:
        TALLY["refused"] += 1
        return
    TALLY["read"] += 1
    assert frame.height <= 252


def test_the_whole_calendar_reads_every_bar(store: Path) -> None:
    reader = ParquetWriter(store).reader("1d")
    assert reader.load_raw_arrays([7], ["close"], "0001-01-01", "9999-12-31").collect().height == 252
    assert reader.get_last_traded_dt(7, datetime.max) == datetime(2010, 12, 31, tzinfo=timezone.utc)


@pytest.fixture(scope="module", autouse=True)
def _report_tally() -> object:
    yield
    print(f"\nreader range property: {dict(TALLY)}")
