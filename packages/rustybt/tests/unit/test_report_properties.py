"""Property tests of the report's pieces that have no browser: bucketing, gap runs, the calendar,
the page model's counts and the JSON the page embeds."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta, timezone

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from rustybt.app.report import assess, build_page
from rustybt.app.report.downsample import bucket_bars, display_bars
from rustybt.app.report.gap_runs import calendar_days, gap_runs
from rustybt.app.report.payload import script_json
from rustybt.domain import STANDARD_OHLCV_SCHEMA, DatasetInfo, Resolution

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
MINUTE = timedelta(minutes=1)
prices = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def minute_bars(draw: st.DrawFn) -> pl.DataFrame:
    offsets = sorted(draw(st.sets(st.integers(0, 5000), min_size=1, max_size=400)))
    rows = []
    for k in offsets:
        o, c = draw(prices), draw(prices)
        rows.append((T0 + k * MINUTE, o, max(o, c) + draw(st.floats(0, 10)), min(o, c) / 2, c, draw(st.floats(0, 1e9))))
    return pl.DataFrame(rows, schema=["timestamp", "open", "high", "low", "close", "volume"], orient="row")


@settings(max_examples=200)
@given(minute_bars(), st.integers(1, 500))
def test_buckets_keep_first_open_extremes_last_close_and_total_volume(bars: pl.DataFrame, minutes: int) -> None:
    every = MINUTE * minutes
    out = bucket_bars(bars, every)
    start = bars["timestamp"][0]
    groups: dict[int, list[dict[str, object]]] = {}
    for row in bars.iter_rows(named=True):
        groups.setdefault((row["timestamp"] - start) // every, []).append(row)
    assert out.height == len(groups)
    for got, (_, members) in zip(out.iter_rows(named=True), sorted(groups.items()), strict=True):
        assert got["timestamp"] == members[0]["timestamp"]
        assert got["open"] == members[0]["open"] and got["close"] == members[-1]["close"]
        assert got["high"] == max(m["high"] for m in members)  # type: ignore[type-var]
        assert got["low"] == min(m["low"] for m in members)  # type: ignore[type-var]
        assert abs(got["volume"] - sum(m["volume"] for m in members)) <= 1e-6 * max(1.0, got["volume"])  # type: ignore[misc]


@settings(max_examples=200)
@given(minute_bars(), st.integers(1, 400))
def test_display_bars_fit_the_limit_and_lose_no_extreme(bars: pl.DataFrame, limit: int) -> None:
    shown, width = display_bars(bars, MINUTE, limit)
    assert shown.height <= limit
    assert (shown.height == bars.height) == (width == MINUTE)
    assert shown["high"].max() == bars["high"].max() and shown["low"].min() == bars["low"].min()
    assert shown["timestamp"][0] == bars["timestamp"][0]


@st.composite
def present_and_missing(draw: st.DrawFn) -> tuple[list[datetime], list[datetime]]:
    slots = sorted(draw(st.sets(st.integers(0, 3000), min_size=1, max_size=300)))
    gone = draw(st.lists(st.booleans(), min_size=len(slots), max_size=len(slots)))
    present = [T0 + MINUTE * 7 * s for s, g in zip(slots, gone, strict=True) if not g]
    missing = [T0 + MINUTE * 7 * s for s, g in zip(slots, gone, strict=True) if g]
    return present, missing


@settings(max_examples=300)
@given(present_and_missing())
def test_gap_runs_cover_every_missing_time_and_no_present_one(times: tuple[list[datetime], list[datetime]]) -> None:
    present, missing = times
    runs = gap_runs(present, missing)
    assert sum(r.bars for r in runs) == len(missing)
    for run in runs:
        assert run.first <= run.last
        assert not any(run.first <= t <= run.last for t in present)
        assert sum(run.first <= t <= run.last for t in missing) == run.bars
    assert all(a.last < b.first for a, b in itertools.pairwise(runs))
    # a present time separates every two runs
    assert all(any(a.last < t < b.first for t in present) for a, b in itertools.pairwise(runs))


@settings(max_examples=300)
@given(present_and_missing())
def test_calendar_counts_every_expected_and_missing_bar_on_its_day(times: tuple[list[datetime], list[datetime]]) -> None:
    present, missing = times
    days = calendar_days(pl.Series("timestamp", present, dtype=pl.Datetime("us", "UTC")), missing)
    assert days["expected"].sum() == len(present) + len(missing)
    assert days["missing"].sum() == len(missing)
    assert days["day"].is_sorted() and days["day"].is_unique().all()
    for row in days.iter_rows(named=True):
        assert row["missing"] == sum(t.date() == row["day"] for t in missing)


@settings(max_examples=100)
@given(st.dictionaries(st.text(min_size=1, max_size=12), st.sets(st.integers(1, 46), max_size=10), min_size=1, max_size=4))
def test_page_counts_equal_the_validation_report(holes: dict[str, set[int]]) -> None:
    rows = [
        (symbol, T0 + timedelta(hours=i), 10 + i % 5, 11 + i % 5, 9 + i % 5, 10 + i % 5, 100 + i)
        for symbol, gone in holes.items()
        for i in range(48)
        if i not in gone
    ]
    bars = pl.DataFrame(rows, schema=["symbol", "timestamp", "open", "high", "low", "close", "volume"], orient="row").cast(dict(STANDARD_OHLCV_SCHEMA))  # type: ignore[arg-type]
    info = DatasetInfo("d", "csv:x", Resolution.H1, T0, T0 + timedelta(hours=47), "0" * 64, symbols=tuple(holes), row_count=bars.height)
    quality = assess(info, bars, now=T0 + timedelta(days=30))
    page = build_page(quality)
    for symbol in page.symbols:
        expected = sum(v.count for v in quality.validation.violations if v.symbol == symbol.symbol and v.rule == "no_gaps")
        assert symbol.summary()["missing bars"] == symbol.missing == expected == len(holes[symbol.symbol])
        assert sum(g.bars for g in symbol.gaps) == symbol.missing
        flagged = sum(v.count for v in quality.validation.violations if v.symbol == symbol.symbol and v.rule != "no_gaps")
        assert symbol.flags == flagged
        assert sum(1 for m in symbol.markers if m.kind not in ("gap",)) == flagged


@settings(max_examples=500)
@given(st.recursive(st.text() | st.integers() | st.none(), lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=20))
def test_embedded_json_cannot_close_its_script_tag_and_reads_back(value: object) -> None:
    text = script_json(value)
    assert "<" not in text
    assert json.loads(text) == value
