"""Property tests run in real Chromium: the page's per-pixel OHLC bucketing against a reference,
and any symbol names and bar times through the embedded JSON into the navigator and back."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rustybt.domain import STANDARD_OHLCV_SCHEMA, Resolution

pytestmark = pytest.mark.browser
T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
STEP = 60_000
UNSHARED_FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]  # one page serves every example


@st.composite
def series(draw: st.DrawFn) -> dict[str, Any]:
    offsets = sorted(draw(st.sets(st.integers(0, 20_000), min_size=1, max_size=600)))
    price = st.floats(0.5, 1e5, allow_nan=False)
    o = [draw(price) for _ in offsets]
    c = [draw(price) for _ in offsets]
    return {
        "t": [T0.timestamp() * 1000 + k * STEP for k in offsets],
        "o": o, "c": c,
        "h": [max(a, b) * 1.01 for a, b in zip(o, c, strict=True)],
        "l": [min(a, b) * 0.99 for a, b in zip(o, c, strict=True)],
        "v": [float(draw(st.integers(0, 10**6))) for _ in offsets],
        "bucketMs": STEP,
    }


def reference(d: dict[str, Any], start: float, end: float, px: int) -> dict[str, list[float]]:
    """What the page must draw: bars within one window of [start, end], one per pixel bucket."""
    span = max(end - start, STEP)
    inside = [j for j, t in enumerate(d["t"]) if start - span <= t <= end + span]
    visible = sum(1 for t in d["t"] if start <= t <= end)
    width = max(STEP, math.ceil(span / px / STEP) * STEP)
    out: dict[str, list[float]] = {k: [] for k in ("x", "o", "h", "l", "c", "v")}
    key = None
    for j in inside:
        k = d["t"][j] if visible <= px else math.floor(d["t"][j] / width)
        if k != key:
            key = k
            for name, src in (("x", "t"), ("o", "o"), ("h", "h"), ("l", "l"), ("c", "c"), ("v", "v")):
                out[name].append(d[src][j])
            continue
        out["h"][-1] = max(out["h"][-1], d["h"][j])
        out["l"][-1] = min(out["l"][-1], d["l"][j])
        out["c"][-1] = d["c"][j]
        out["v"][-1] += d["v"][j]
    return out


@pytest.fixture
def loaded(tab: Any, make_bars: Callable[..., Any], write_report: Callable[..., Path]) -> Any:
    tab.open(write_report(make_bars(("X",), 10, timedelta(minutes=1)), Resolution.M1))
    return tab


@settings(max_examples=150, suppress_health_check=UNSHARED_FIXTURES)
@given(d=series(), window=st.tuples(st.floats(0, 1), st.floats(0, 1)), px=st.integers(20, 2000))
def test_pixel_buckets_match_the_reference(loaded: Any, d: dict[str, Any], window: tuple[float, float], px: int) -> None:
    first, last = d["t"][0], d["t"][-1]
    start = first + (last - first) * min(window)
    end = first + (last - first) * max(window) + STEP
    got = loaded.page.evaluate(
        "([d, a, b, px]) => { const out = window.rbtBucket({...d, t: Float64Array.from(d.t)}, a, b, px); return out; }", [d, start, end, px]
    )
    want = reference(d, start, end, px)
    for name in ("x", "o", "h", "l", "c"):
        assert got[name] == want[name], name
    assert got["v"] == pytest.approx(want["v"], rel=1e-12)
    visible = sum(1 for x in got["x"] if start <= x <= end)
    assert visible <= px + 1  # never more than a bar per pixel on screen
    assert max(got["h"], default=0) == max((h for t, h in zip(d["t"], d["h"], strict=True) if start - max(end - start, STEP) <= t <= end + max(end - start, STEP)), default=0)


names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=16).filter(lambda s: s.strip() == s and s)


@settings(max_examples=25, suppress_health_check=UNSHARED_FIXTURES)
@given(symbols=st.lists(names, min_size=1, max_size=4, unique=True), gaps=st.lists(st.integers(1, 20_000), min_size=1, max_size=60), cents=st.integers(1, 10**9))
def test_any_names_and_times_reach_the_navigator_and_read_back_exactly(
    tab: Any, write_report: Callable[..., Path], symbols: list[str], gaps: list[int], cents: int
) -> None:
    times = [T0]
    for g in gaps:
        times.append(times[-1] + timedelta(seconds=g))
    price = Decimal(cents) / 100
    rows = [(s, t, price, price + 1, price, price, Decimal(i)) for s in symbols for i, t in enumerate(times)]
    bars = pl.DataFrame(rows, schema=STANDARD_OHLCV_SCHEMA, orient="row")
    path = write_report(bars, Resolution.M1, name="p.html")
    tab.open(path)
    listed = tab.page.evaluate("() => Array.from(document.querySelectorAll('#symbol-list .name'), e => e.textContent)")
    assert listed == symbols
    for name in symbols:
        back = tab.page.evaluate("(n) => window.rbtBars(n)", name)
        assert back["t"] == [t.timestamp() * 1000 for t in times]
        assert back["c"] == [float(price)] * len(times) and back["v"] == [float(i) for i in range(len(times))]
    tab.page.evaluate("(n) => window.rbtOpen(n)", symbols[-1])
    tab.page.wait_for_selector("#symbol-view[data-ready]")
    assert tab.page.text_content("#symbol-title") == symbols[-1]
    assert tab.errors == []
