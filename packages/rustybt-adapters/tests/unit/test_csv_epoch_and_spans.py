"""Epoch times in any unit: detected, or a wrong unit named with the one the numbers look
like; a range holding none of a file's bars says what the file holds; an unknown symbol's
error lists the symbols the files offer."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rustybt.adapters import CSVAdapter, CSVFormatError
from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import SymbolNotFoundError
from rustybt.domain.fakes import InMemoryBarWriter, InMemoryCatalog
from rustybt.domain.ingest_checks import NoBarsError
from rustybt.domain.resolution import Resolution

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
SPAN = DateRange.of("1900-01-01", "2100-12-31")
TALLY: Counter[str] = Counter()


def write(folder: Path, numbers: list[int], symbol: str = "E") -> None:
    (folder / f"{symbol}.csv").write_text("Date,Open,High,Low,Close,Volume\n" + "".join(f"{n},1,2,0.5,1.5,100\n" for n in numbers))


def number(moment: datetime, unit: str) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1) * PER_SECOND[unit] // 1_000_000


def test_microseconds_read_as_milliseconds_name_the_likely_unit(tmp_path: Path) -> None:
    day = datetime(2020, 1, 1, tzinfo=UTC)
    write(tmp_path, [number(day + timedelta(days=i), "us") for i in range(3)])
    with pytest.raises(CSVFormatError, match=r"line 2: .*not a time in the years 1 to 9999 as epoch_ms; it looks like epoch_us \(2020-01-01T00:00:00Z\)"):
        asyncio.run(CSVAdapter(tmp_path, date_format="epoch_ms").fetch_raw(["E"], SPAN, Resolution.D1))
    got = asyncio.run(CSVAdapter(tmp_path, date_format="epoch").fetch_raw(["E"], SPAN, Resolution.D1))
    assert got.get_column("timestamp").to_list() == [day + timedelta(days=i) for i in range(3)]


def test_a_range_holding_no_bar_says_what_the_files_hold_and_the_unit_they_look_like(tmp_path: Path) -> None:
    write(tmp_path, [number(datetime(2020, 1, 1, tzinfo=UTC) + timedelta(days=i), "s") for i in range(3)])
    adapter = CSVAdapter(tmp_path, date_format="epoch_ms")  # seconds read as milliseconds land in 1970
    catalog, writer = InMemoryCatalog(), InMemoryBarWriter()
    with pytest.raises(NoBarsError, match=r"no bars of E .*E\.csv holds 1970-01-19 .*look like epoch_s \(the first would be 2020-01-01 00:00:00\)"):
        adapter.ingest_sync(["E"], "2020-01-01", "2020-12-31", "1d", catalog, writer)
    assert catalog.list_datasets() == [] and catalog.list_assets() == []


def test_an_unknown_symbol_lists_what_the_files_offer(tmp_path: Path) -> None:
    for symbol in ("AAPL", "KO"):
        write(tmp_path, [number(datetime(2020, 1, 1, tzinfo=UTC), "s")], symbol)
    with pytest.raises(SymbolNotFoundError, match=r"'ZZZ'; it has: AAPL, KO"):
        asyncio.run(CSVAdapter(tmp_path, date_format="epoch_s").fetch_raw(["ZZZ"], SPAN, Resolution.D1))


def test_the_files_span_is_the_default_range(tmp_path: Path) -> None:
    write(tmp_path, [number(datetime(2021, 3, 4, 5, tzinfo=UTC), "s"), number(datetime(2021, 3, 9, tzinfo=UTC), "s")])
    span = CSVAdapter(tmp_path, date_format="epoch_s").available_span(["E"])
    assert span == DateRange(datetime(2021, 3, 4, 5, tzinfo=UTC), datetime(2021, 3, 9, tzinfo=UTC))


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.datetimes(min_value=datetime(1975, 1, 1), max_value=datetime(2200, 1, 1)), min_size=1, max_size=5, unique=True),
    st.sampled_from(list(PER_SECOND)),
    st.sampled_from([None, *PER_SECOND]),
)
def test_any_unit_is_read_exactly_detected_or_refused_naming_the_line(
    tmp_path_factory: pytest.TempPathFactory, moments: list[datetime], unit: str, declared: str | None
) -> None:
    """Times written in ``unit``: read with ``epoch`` (detection) or the declared unit. The
    right unit reads them back exactly; a wrong one either refuses a line naming the unit the
    number looks like, or reads times that differ."""
    folder = tmp_path_factory.mktemp("epoch")
    times = sorted(m.replace(tzinfo=UTC, microsecond=m.microsecond if unit in ("us", "ns") else 0 if unit == "s" else m.microsecond // 1000 * 1000) for m in moments)
    write(folder, [number(t, unit) for t in times])
    fmt = "epoch" if declared is None else f"epoch_{declared}"
    try:
        got = asyncio.run(CSVAdapter(folder, date_format=fmt).fetch_raw(["E"], DateRange.of("0001-01-01", "9999-12-31"), Resolution.D1))
    except CSVFormatError as err:
        assert declared is not None and declared != unit, err
        assert (err.line is not None and "looks like epoch_" in str(err)) or "not a time in the years" in str(err)
        TALLY["wrong unit refused"] += 1
        return
    stamps = got.get_column("timestamp").to_list()
    if declared in (None, unit):
        assert stamps == times
        TALLY["read exactly" if declared else "detected"] += 1
    else:
        assert stamps != times
        TALLY["wrong unit read as other times"] += 1


@pytest.fixture(scope="module", autouse=True)
def _report_tally() -> object:
    yield
    print(f"\nepoch property: {dict(TALLY)}")
