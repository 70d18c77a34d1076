"""Minute bars on the page: OHLC per screen pixel, and no flagged bar hidden by the thinning."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from rustybt.domain import Resolution

pytestmark = pytest.mark.browser
MINUTE = timedelta(minutes=1)


def drawn(tab: Any) -> dict[str, Any]:
    return dict(tab.page.evaluate(
        """() => { const gd = document.querySelector('#price-chart');
        const marks = gd.data.slice(2).map(t => ({name: t.name, n: t.x.length, text: t.customdata.join('\\n')}));
        return {points: gd.data[0].x.length, bucket: Number(gd.dataset.bucket), width: gd._fullLayout.xaxis._length, marks}; }"""
    ))


def test_a_day_of_minutes_is_drawn_per_pixel_and_every_flag_keeps_a_marker(
    tab: Any, make_bars: Callable[..., Any], write_report: Callable[..., Path], screenshots: Path
) -> None:
    # ten days of 1-minute bars, 870 isolated spikes over a day and a bit: the "red smear" case
    spiky = [5 * 1440 + 2 * i for i in range(870)]
    path = write_report(make_bars(("BTC",), 10 * 1440, MINUTE, spikes={"BTC": spiky}), Resolution.M1)
    tab.open(path)
    tab.page.evaluate("rbtOpen('BTC')")
    tab.page.wait_for_selector("#symbol-view[data-ready]")
    flagged = tab.page.evaluate("() => { const m = JSON.parse(document.querySelector('#rbt-meta').textContent).markers; return m.t.filter((t, i) => m.kinds[m.k[i]] === 'outlier'); }")
    assert len(flagged) >= 870
    view = drawn(tab)
    assert view["bucket"] > 60_000  # minutes grouped: more bars than pixels
    assert view["points"] <= 3 * view["width"] + 3  # at most a pixel's worth per bucket, one window each side
    outliers = next(m for m in view["marks"] if m["name"] == "outlier")
    assert outliers["n"] < len(flagged)  # grouped per pixel, not a smear of 870 circles ...
    listed = outliers["text"].count("price_outlier") + sum(int(part.split(" more")[0]) for part in outliers["text"].split("… and ")[1:])
    assert listed == len(flagged)  # ... but every flagged bar is named in some marker's tooltip
    tab.page.screenshot(path=str(screenshots / "minute-day.png"))
    # zoom into half an hour: bars are drawn one by one, each flagged bar with its own marker
    first = flagged[0]
    tab.page.evaluate(f"document.querySelector('#price-chart')._rbtRender({first - 5 * 60_000}, {first + 25 * 60_000})")
    tab.page.wait_for_function("() => Number(document.querySelector('#price-chart').dataset.bucket) === 60000")
    view = drawn(tab)
    near = [t for t in flagged if first - 5 * 60_000 <= t <= first + 25 * 60_000]
    outliers = next(m for m in view["marks"] if m["name"] == "outlier")
    assert outliers["text"].count("price_outlier") >= len(near) > 5
    assert "more here" not in outliers["text"]
    tab.page.screenshot(path=str(screenshots / "minute-zoomed.png"))
    assert tab.errors == []
