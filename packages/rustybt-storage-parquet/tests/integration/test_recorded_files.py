"""A partition file deleted behind the catalog's back: a reader given the recorded files fails
naming it, instead of returning fewer rows (zipline would then trade on NaN prices)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rustybt.domain.errors import CorruptDataError
from rustybt.storage.parquet import ParquetWriter

TALLY: Counter[str] = Counter()


@pytest.fixture
def store(tmp_path: Path, zipline_daily: pl.DataFrame) -> tuple[ParquetWriter, dict[str, str]]:
    writer = ParquetWriter(tmp_path)
    result = writer.write(zipline_daily.filter(pl.col("date").dt.year().is_between(2010, 2011)), "1d")
    return writer, dict(result.checksums)


def test_every_read_of_a_range_with_a_missing_file_names_it(store: tuple[ParquetWriter, dict[str, str]]) -> None:
    writer, recorded = store
    gone = writer.bundle_dir / "daily_bars/year=2010/month=06/data.parquet"
    gone.unlink()
    reader = writer.reader("1d", recorded_files=recorded)
    with pytest.raises(CorruptDataError, match=r"year=2010/month=06/data\.parquet is missing"):
        reader.load_raw_arrays([0, 7], ["close"], "2010-01-01", "2010-12-31").collect()
    with pytest.raises(CorruptDataError, match="month=06"):
        reader.load_float_arrays([7], ["close"], "2010-06-01", "2010-06-30")
    with pytest.raises(CorruptDataError, match="month=06"):
        reader.get_value(7, "2010-06-15", "close")
    with pytest.raises(CorruptDataError, match="month=06"):
        reader.get_last_traded_dt(7, "2010-12-31")
    # ranges that do not need it still read, and an unaware reader is the old behaviour
    assert reader.load_raw_arrays([7], ["close"], "2011-01-01", "2011-03-31").collect().height > 0
    assert writer.reader("1d").load_raw_arrays([7], ["close"], "2010-01-01", "2010-12-31").collect().height > 0


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=0, max_value=23), st.integers(min_value=0, max_value=23), st.integers(min_value=0, max_value=23))
def test_a_read_fails_exactly_when_its_range_holds_a_missing_file(
    tmp_path_factory: pytest.TempPathFactory, zipline_daily: pl.DataFrame, missing: int, first: int, last: int
) -> None:
    writer = ParquetWriter(tmp_path_factory.mktemp("store"))
    recorded = dict(writer.write(zipline_daily.filter(pl.col("date").dt.year().is_between(2010, 2011)), "1d").checksums)
    month = lambda i: (2010 + i // 12, i % 12 + 1)  # noqa: E731
    year, mon = month(missing)
    (writer.bundle_dir / f"daily_bars/year={year}/month={mon:02d}/data.parquet").unlink()
    lo, hi = sorted((first, last))
    (y0, m0), (y1, m1) = month(lo), month(hi)
    reader = writer.reader("1d", recorded_files=recorded)
    try:
        reader.load_raw_arrays([7], ["close"], f"{y0}-{m0:02d}-01", f"{y1}-{m1:02d}-28").collect()
        failed = False
    except CorruptDataError as err:
        assert f"year={year}/month={mon:02d}" in str(err)
        failed = True
    assert failed == (lo <= missing <= hi)
    TALLY["failed" if failed else "read"] += 1


@pytest.fixture(scope="module", autouse=True)
def _report_tally() -> object:
    yield
    print(f"\nmissing file property: {dict(TALLY)}")
