"""What an ingest records about quality: one gap count (with a calendar, across an extension's
seams), split flags and rejected rows kept with the dataset; a symbol another source holds in
the bundle refused before anything changes."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rustybt.domain.bar import Bar
from rustybt.domain.date_range import DateRange
from rustybt.domain.fakes import InMemoryBarWriter, InMemoryCatalog, InMemoryDataSource
from rustybt.domain.ingest import IngestService
from rustybt.domain.ingest_checks import SymbolOwnershipError
from rustybt.domain.resolution import Resolution
from rustybt.domain.schemas import CORPORATE_ACTIONS_SCHEMA

UTC = timezone.utc
NOW = datetime(2030, 1, 1, tzinfo=UTC)
TALLY: Counter[str] = Counter()


def weekdays(_: Resolution, first: datetime, last: datetime) -> pl.Series:
    days = pl.datetime_range(first, last, "1d", eager=True, time_zone="UTC")
    return days.filter(days.dt.weekday() <= 5)


def bars(symbol: str, days: list[date], prices: list[str] | None = None) -> list[Bar]:
    out = []
    for i, d in enumerate(days):
        p = Decimal(prices[i] if prices else "10")
        out.append(Bar(symbol, datetime(d.year, d.month, d.day, tzinfo=UTC), p, p + 1, p - 1 if p > 1 else p, p, Decimal(100)))
    return out


def run(source: InMemoryDataSource, catalog: InMemoryCatalog, writer: InMemoryBarWriter, start: str, end: str, **kw: object):  # type: ignore[no-untyped-def]
    service = IngestService(source, writer, catalog, clock=lambda: NOW, bundle="b", expected_times=weekdays, **kw)  # type: ignore[arg-type]
    return service.run(["AAA"], DateRange.of(start, end), "1d")


def business_days(start: date, n: int) -> list[date]:
    days, d = [], start
    while len(days) < n:
        if d.weekday() < 5:
            days.append(d)
        d += timedelta(days=1)
    return days


@settings(max_examples=60)
@given(st.sets(st.integers(min_value=1, max_value=38), max_size=8), st.integers(min_value=5, max_value=35))
def test_gaps_agree_in_summary_catalog_and_stored_bars_across_an_extension(dropped: set[int], cut: int) -> None:
    """Any weekdays missing, ingested in two pieces: the dataset's gap count is the count of
    missing weekdays the same calendar finds in the stored bars."""
    days = business_days(date(2024, 1, 1), 40)
    kept = [d for i, d in enumerate(days) if i not in dropped]
    source = InMemoryDataSource({"AAA": bars("AAA", kept)})
    catalog, writer = InMemoryCatalog(), InMemoryBarWriter()
    middle = days[cut].isoformat()
    first = run(source, catalog, writer, "2024-01-01", middle)
    second = run(source, catalog, writer, "2024-01-01", days[-1].isoformat())
    info = catalog.get_dataset_info(str(second.dataset_id))
    stored = writer.reader("1d").load_raw_arrays([0], ["open", "close"], "2024-01-01", "2024-12-31").collect()
    frame = stored.select(pl.lit("AAA").alias("symbol"), pl.col("date").cast(pl.Datetime("us", "UTC")).alias("timestamp"))
    expected = weekdays(Resolution.D1, frame.get_column("timestamp").min(), frame.get_column("timestamp").max())  # type: ignore[arg-type]
    truth = sum(1 for t in expected.to_list() if t not in set(frame.get_column("timestamp").to_list()))
    (symbol_range,) = info.date_ranges
    assert symbol_range.gaps == truth == second.gaps
    assert second.extended and first.gaps is not None and first.gaps <= truth
    TALLY["gaps"] += truth
    TALLY["examples"] += 1


def test_daily_bars_without_a_calendar_have_no_gap_count() -> None:
    source = InMemoryDataSource({"AAA": bars("AAA", business_days(date(2024, 1, 1), 10))})
    catalog, writer = InMemoryCatalog(), InMemoryBarWriter()
    summary = IngestService(source, writer, catalog, clock=lambda: NOW).run(["AAA"], DateRange.of("2024-01-01", "2024-01-31"), "1d")
    assert summary.gaps is None
    assert catalog.get_dataset_info(str(summary.dataset_id)).date_ranges[0].gaps is None


def test_rejected_rows_and_split_flags_are_kept_with_the_dataset() -> None:
    days = business_days(date(2014, 6, 2), 8)
    prices = ["645", "647", "646", "92.7", "93", "93.5", "94", "94.2"]  # 7:1 on the 4th day, not recorded
    source = InMemoryDataSource({"AAA": bars("AAA", days, prices)})
    catalog, writer = InMemoryCatalog(), InMemoryBarWriter()
    later = pl.DataFrame([("AAA", days[6], "split", Decimal(2))], schema=CORPORATE_ACTIONS_SCHEMA, orient="row")
    summary = run(source, catalog, writer, "2014-06-01", "2014-06-30", corporate_actions=later, mode="lenient")
    issues = catalog.dataset_issues(str(summary.dataset_id))
    flags = issues.filter(pl.col("kind") == "flag").select("rule", "timestamp").rows()
    assert ("suspected_split", "2014-06-05 00:00:00+00:00") in flags
    assert any(rule == "split_not_in_prices" and ts.startswith("2014-06-10") for rule, ts in flags)
    assert summary.splits_flagged == 2


def test_a_negative_price_is_kept_as_a_rejected_row() -> None:
    days = business_days(date(2020, 4, 16), 3)
    source = InMemoryDataSource({"AAA": [*bars("AAA", days[:1]), Bar("AAA", datetime(2020, 4, 17, tzinfo=UTC), Decimal(-5), Decimal(1), Decimal(-6), Decimal(-1), Decimal(1))]})
    catalog, writer = InMemoryCatalog(), InMemoryBarWriter()
    summary = run(source, catalog, writer, "2020-04-01", "2020-04-30", mode="lenient")
    rejected = catalog.dataset_issues(str(summary.dataset_id)).filter(pl.col("kind") == "rejected")
    assert rejected.get_column("rule").to_list() == ["no_negative_prices"]
    assert summary.rows_written == 1


def test_a_symbol_another_source_holds_in_the_bundle_is_refused_before_anything_changes() -> None:
    catalog, writer = InMemoryCatalog(), InMemoryBarWriter()
    days = business_days(date(2024, 1, 1), 5)
    first = InMemoryDataSource({"AAA": bars("AAA", days)}, name="csv:one")
    summary = run(first, catalog, writer, "2024-01-01", "2024-01-31")
    before = (catalog.list_datasets(), catalog.list_assets(), writer.reader("1d").load_raw_arrays([0], ["close"], "2024-01-01", "2024-12-31").collect())
    second = InMemoryDataSource({"AAA": bars("AAA", days, ["11"] * 5)}, name="csv:two")
    with pytest.raises(SymbolOwnershipError, match=r"bundle 'b' already holds AAA from csv:one .*another bundle") as info:
        run(second, catalog, writer, "2024-01-01", "2024-01-31")
    assert str(summary.dataset_id) in str(info.value)
    assert second.requests == []
    after = (catalog.list_datasets(), catalog.list_assets(), writer.reader("1d").load_raw_arrays([0], ["close"], "2024-01-01", "2024-12-31").collect())
    assert after[0] == before[0] and after[1] == before[1] and after[2].equals(before[2])


@pytest.fixture(scope="module", autouse=True)
def _report_tally() -> object:
    yield
    print(f"\ngap agreement property: {dict(TALLY)}")
