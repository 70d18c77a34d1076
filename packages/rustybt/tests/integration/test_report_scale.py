"""A 500-symbol page in real Chromium: it opens within a budget measured against plotly.js alone,
every symbol is in the navigator and opens, and the page embeds each symbol's bars compactly."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from rustybt.domain import Resolution

pytestmark = pytest.mark.browser
NAMES = [f"SYM{k:03d}" for k in range(500)]
SESSIONS = 504  # two years of daily bars per symbol: 252,000 bars on the page

# The page is ready (navigator, summary table, flag tables drawn) within READY_RATIO times the
# time a blank page takes to load plotly.js alone; a symbol opens (bars decoded, both charts
# drawn) within OPEN_RATIO times that. Measured here: 1.2x and 0.8x on a quiet machine, 2.8x and
# 1.8x with four test suites sharing its two cores.
READY_RATIO = 4.0
OPEN_RATIO = 3.0


def timed(tab: Any, url: str) -> float:
    started = time.perf_counter()
    tab.page.goto(url)
    tab.page.wait_for_selector("body[data-ready]", state="attached")
    return time.perf_counter() - started


def test_500_symbols_open_within_budget_and_every_one_is_reachable(
    tab: Any, make_bars: Callable[..., Any], write_report: Callable[..., Path], screenshots: Path
) -> None:
    bars = make_bars(NAMES, SESSIONS, timedelta(days=1), spikes={n: [250] for n in NAMES}, missing={n: [100 + k % 7] for k, n in enumerate(NAMES)})
    page = write_report(bars, Resolution.D1)
    blank = page.parent / "blank.html"
    library = next(page.parent.glob("plotly-*.min.js")).name
    blank.write_text(f'<!DOCTYPE html><html><head><script src="{library}"></script></head><body data-ready="1"></body></html>')
    reference, ready = [], []
    for _ in range(3):  # alternate, keep the best of each: the machine is shared
        reference.append(timed(tab, blank.as_uri()))
        ready.append(timed(tab, page.as_uri()))
    floor, took = min(reference), min(ready)
    started = time.perf_counter()
    tab.page.fill("#symbol-search", "SYM499")
    tab.page.press("#symbol-search", "Enter")
    tab.page.wait_for_selector("#symbol-view[data-ready='SYM499']")
    opened = time.perf_counter() - started
    print(f"\n500-symbol page: {page.stat().st_size / 1e6:.1f} MB; plotly.js alone {floor:.2f} s; page ready {took:.2f} s ({took / floor:.2f}x); "
          f"a symbol opened in {opened:.2f} s ({opened / floor:.2f}x)")
    assert took <= READY_RATIO * floor, (took, floor)
    assert opened <= OPEN_RATIO * floor, (opened, floor)
    tab.page.screenshot(path=str(screenshots / "500-symbols.png"))
    # every symbol is listed with a link that opens it
    tab.page.fill("#symbol-search", "")
    links = tab.page.evaluate("() => Array.from(document.querySelectorAll('#symbol-list a'), a => [a.querySelector('.name').textContent, a.getAttribute('href')])")
    assert [name for name, _ in links] == NAMES
    for name, href in [*links[::50], links[-1]]:
        tab.page.locator(f'#symbol-list a[href="{href}"]').click()
        tab.page.wait_for_selector(f"#symbol-view[data-ready='{name}']")
        assert tab.page.inner_text("#symbol-title") == name
    assert tab.page.inner_text("#symbol-count") == "500 of 500 symbols"
    assert tab.errors == []
    # compact: under 40 bytes per bar on the page, plotly.js beside it
    assert page.stat().st_size < 40 * len(NAMES) * SESSIONS
