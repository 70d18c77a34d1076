"""The data-quality page in real headless Chromium (Playwright): loads clean, every symbol opens
from the navigator, zoom and range buttons change the dates shown, a flagged bar's tooltip names
its rule, tables hold every row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from rustybt.domain import Resolution

pytestmark = pytest.mark.browser
SYMBOLS = ("AAPL", "BTC/USDT", 'Ünïcode <&> "quoted"')
HOUR = timedelta(hours=1)


@pytest.fixture
def hourly(make_bars: Callable[..., Any], write_report: Callable[..., Path]) -> Path:
    bars = make_bars(SYMBOLS, 240, HOUR, spikes={"BTC/USDT": [80]}, missing={"AAPL": [30, 31, 100]})
    return write_report(bars, Resolution.H1, without_bars=("EMPTY",))


def open_symbol(tab: Any, name: str) -> None:
    tab.page.locator("#symbol-list a", has_text=name).click()
    tab.page.wait_for_selector("#symbol-view[data-ready]")
    assert tab.page.inner_text("#symbol-title") == name


def x_range(tab: Any) -> tuple[float, float]:
    lo, hi = tab.page.evaluate("() => { const ax = document.querySelector('#price-chart')._fullLayout.xaxis; return [ax.r2l(ax.range[0]), ax.r2l(ax.range[1])]; }")
    return float(lo), float(hi)


def tick_labels(tab: Any) -> list[str]:
    texts = tab.page.evaluate("() => Array.from(document.querySelectorAll('#price-chart .xtick text'), e => e.textContent)")
    return [str(t) for t in texts if t and t.strip()]


def test_page_loads_clean_and_every_symbol_opens_from_the_navigator(tab: Any, hourly: Path, screenshots: Path) -> None:
    tab.open(hourly)
    assert tab.page.inner_text("#symbol-count") == "4 of 4 symbols"
    assert tab.page.locator("#symbol-list li").all_inner_texts()[0].startswith("AAPL")
    for name in SYMBOLS:
        open_symbol(tab, name)
        assert tab.page.evaluate("() => document.querySelector('#price-chart').data[0].type") == "candlestick"
        assert tab.page.locator("#price-chart .boxlayer path.box").count() > 100  # one per bar (240 fit in the width)
        assert tab.page.locator("#calendar-chart .hm").count() == 1
    tab.page.screenshot(path=str(screenshots / "hourly-symbol.png"))
    open_symbol(tab, "EMPTY")  # listed by the dataset, no bar stored
    assert tab.page.inner_text("#price-chart") == "No bars stored."
    open_symbol(tab, "AAPL")  # charts come back after an empty symbol
    assert tab.page.evaluate("() => document.querySelector('#price-chart').data[0].type") == "candlestick"
    assert tab.errors == []
    assert "#symbol=" in tab.page.url


def test_search_narrows_the_navigator_and_enter_opens_the_match(tab: Any, hourly: Path) -> None:
    tab.open(hourly)
    tab.page.fill("#symbol-search", "usdt")
    visible = [t.split("\n")[0] for t in tab.page.locator("#symbol-list li:not([hidden])").all_inner_texts()]
    assert visible == ["BTC/USDT"]
    assert tab.page.inner_text("#symbol-count") == "1 of 4 symbols"
    tab.page.press("#symbol-search", "Enter")
    tab.page.wait_for_selector("#symbol-view[data-ready]")
    assert tab.page.inner_text("#symbol-title") == "BTC/USDT"
    tab.page.fill("#symbol-search", "")
    assert tab.page.locator("#symbol-list li:not([hidden])").count() == 4


def test_dragging_on_the_chart_zooms_into_fewer_dates_and_range_buttons_jump(tab: Any, hourly: Path, screenshots: Path) -> None:
    tab.open(hourly)
    open_symbol(tab, "AAPL")
    full = x_range(tab)
    labels_before = tick_labels(tab)
    box = tab.page.locator("#price-chart .nsewdrag").first.bounding_box()
    y = box["y"] + box["height"] / 2
    tab.page.mouse.move(box["x"] + box["width"] * 0.40, y)
    tab.page.mouse.down()
    tab.page.mouse.move(box["x"] + box["width"] * 0.50, y, steps=8)
    tab.page.mouse.up()
    tab.page.wait_for_function(f"() => Number(document.querySelector('#price-chart').dataset.to) - Number(document.querySelector('#price-chart').dataset.from) < {(full[1] - full[0]) / 2}")
    zoomed = x_range(tab)
    assert full[0] < zoomed[0] < zoomed[1] < full[1]
    assert (zoomed[1] - zoomed[0]) < 0.2 * (full[1] - full[0])
    assert tick_labels(tab) != labels_before  # the axis names other dates
    tab.page.screenshot(path=str(screenshots / "hourly-zoomed.png"))
    tab.page.locator("#price-chart .rangeselector .button", has_text="1d").click()
    tab.page.wait_for_function("() => { const ax = document.querySelector('#price-chart')._fullLayout.xaxis; return Math.abs(ax.r2l(ax.range[1]) - ax.r2l(ax.range[0]) - 86400000) < 1000; }")
    tab.page.locator("#price-chart .rangeselector .button", has_text="all").click()
    tab.page.wait_for_function(f"() => {{ const ax = document.querySelector('#price-chart')._fullLayout.xaxis; return ax.r2l(ax.range[1]) - ax.r2l(ax.range[0]) > {0.9 * (full[1] - full[0])}; }}")
    assert tab.errors == []


def hover_marker(tab: Any, kind: str, index: int = 0) -> str:
    """Hover the ``index``-th point of the marker trace named ``kind``; return the tooltip's text."""
    trace = tab.page.evaluate(f"() => document.querySelector('#price-chart').data.findIndex(t => t.name === {kind!r})")
    assert trace >= 0, f"no {kind} markers drawn"
    point = tab.page.locator("#price-chart .scatterlayer .trace").nth(trace - 2).locator("path.point").nth(index)
    point.hover(force=True)
    tab.page.wait_for_selector("#price-chart .hoverlayer .hovertext")
    return str(tab.page.evaluate("() => document.querySelector('#price-chart .hoverlayer').textContent"))


def test_hovering_a_flagged_bar_names_its_rule_and_values(tab: Any, hourly: Path, screenshots: Path) -> None:
    tab.open(hourly)
    open_symbol(tab, "BTC/USDT")
    text = hover_marker(tab, "outlier")
    assert "price_outlier" in text and "close 607.5" in text and "change +904.13%" in text and "2024-01-04 08:00 UTC" in text
    tab.page.screenshot(path=str(screenshots / "hourly-tooltip.png"))
    open_symbol(tab, "AAPL")
    gap = hover_marker(tab, "gap")
    assert "no_gaps" in gap and "2 bar(s) missing" in gap and "2024-01-02 06:00 UTC" in gap
    assert tab.errors == []


def test_tables_hold_every_flag_and_filter_by_any_column(tab: Any, make_bars: Callable[..., Any], write_report: Callable[..., Path]) -> None:
    # 130 symbols with a spike each: well over one page (100 rows) of flags
    names = [f"S{k:03d}" for k in range(130)]
    path = write_report(make_bars(names, 200, HOUR, spikes={n: [100] for n in names}), Resolution.H1)
    tab.open(path)
    status = tab.page.locator("#flags-table .pager-status")
    total = int(status.inner_text().split(" of ")[1].split()[0].replace(",", ""))
    expected = tab.page.evaluate(  # a 10x close is an outlier and, overnight, a jump by a split ratio too
        "() => { const m = JSON.parse(document.querySelector('#rbt-meta').textContent).ruleCounts;"
        " return m.price_outlier + (m.volume_spike || 0) + (m.suspected_split || 0) + (m.split_not_in_prices || 0); }"
    )
    assert total == expected > 100
    seen = 0
    while True:  # every row reachable by paging
        seen += tab.page.locator("#flags-table tbody tr").count()
        nxt = tab.page.locator("#flags-table .pager button", has_text="next")
        if nxt.is_disabled():
            break
        nxt.click()
    assert seen == total
    tab.page.fill('#flags-table input[data-column="symbol"]', "s042")
    only_b = int(status.inner_text().split(" of ")[1].split()[0].replace(",", ""))
    assert 0 < only_b < total
    assert "filtered from" in status.inner_text()
    assert set(tab.page.locator("#flags-table tbody td:first-child").all_inner_texts()) == {"S042"}
    tab.page.locator("#flags-table tbody tr").first.click()  # a row opens its symbol at that time
    tab.page.wait_for_selector("#symbol-view[data-ready='S042']")
    assert tab.errors == []
