"""The data-quality page: building it in Python and opening it in Chromium, against references
measured in the same run.

    python benchmarks/bench_report.py           # 500 assets × 504 sessions of daily bars
    python benchmarks/bench_report.py --quick   # 100 assets × 126 sessions

Build: the page model plus its HTML, against ``assess`` (validation, gaps and outliers of the
same bars: the data the page shows, computed once). Browser (Debian's Chromium through
Playwright, when installed): the page ready and a symbol opened, against a blank page loading
plotly.js alone. Times are medians (build) and bests of alternating rounds (browser).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic

from rustybt.app.report import assess, build_page, write_page
from rustybt.app.sessions import expected_times
from rustybt.domain import DatasetInfo, Resolution

TARGETS = {"build": 1.0, "ready": 4.0, "open": 3.0}


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def standard_bars(assets: int, sessions: int) -> pl.DataFrame:
    stored = synthetic.daily_universe(assets, sessions, 0.0)
    return stored.select(
        pl.format("SYM{}", pl.col("sid")).alias("symbol"),
        pl.col("date").cast(pl.Datetime("us", "UTC")).alias("timestamp"),
        "open", "high", "low", "close", "volume",
    ).sort("symbol", "timestamp")


def report(what: str, seconds: float, reference: float, target: float) -> None:
    ratio = seconds / reference
    print(f"  {what:<44} {seconds * 1e3:>10.1f} ms {ratio:>7.2f}x  target <= {target}x  {'ok' if ratio <= target else 'ABOVE'}", flush=True)


def browser_rounds(page: Path, rounds: int) -> tuple[float, float, float] | None:
    binary = shutil.which("chromium")
    if binary is None:
        print("  browser: chromium is not installed (apt-get install chromium); skipped")
        return None
    from playwright.sync_api import sync_playwright

    blank = page.parent / "blank.html"
    library = next(page.parent.glob("plotly-*.min.js")).name
    blank.write_text(f'<!DOCTYPE html><html><head><script src="{library}"></script></head><body data-ready="1"></body></html>')
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=binary, args=["--headless", "--no-sandbox", "--disable-gpu"])
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        floor, ready, opened = [], [], []
        for _ in range(rounds):
            for target, samples in ((blank, floor), (page, ready)):
                started = time.perf_counter()
                tab.goto(target.as_uri())
                tab.wait_for_selector("body[data-ready]", state="attached")
                samples.append(time.perf_counter() - started)
            started = time.perf_counter()
            tab.evaluate("rbtOpen(document.querySelector('#symbol-list li:last-child .name').textContent)")
            tab.wait_for_selector("#symbol-view[data-ready]")
            opened.append(time.perf_counter() - started)
        browser.close()
    return min(floor), min(ready), min(opened)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    assets, sessions = (100, 126) if args.quick else (500, 504)
    bars = standard_bars(assets, sessions)
    symbols = tuple(bars.get_column("symbol").unique(maintain_order=True).to_list())
    times = bars.get_column("timestamp")
    info = DatasetInfo("bench", "synthetic", Resolution.D1, times.min(), times.max(), "0" * 64, symbols=symbols, row_count=bars.height)  # type: ignore[arg-type]
    now = datetime(2030, 1, 1, tzinfo=timezone.utc)
    print(f"{assets} assets × {sessions} sessions = {bars.height:,} bars")
    sessions_expected = expected_times(info, bars)  # XNYS sessions, as `rustybt report` measures gaps
    reference = median_seconds(lambda: assess(info, bars, now=now, expected_times=sessions_expected), 3)
    quality = assess(info, bars, now=now, expected_times=sessions_expected)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "page.html"
        build = median_seconds(lambda: write_page(build_page(quality), path), 3)
        print(f"  {'assess (reference)':<44} {reference * 1e3:>10.1f} ms")
        report("page model + HTML written", build, reference, TARGETS["build"])
        print(f"  page size {path.stat().st_size / 1e6:.1f} MB ({path.stat().st_size / bars.height:.1f} bytes per bar)")
        timed = browser_rounds(path, 3)
        if timed is not None:
            floor, ready, opened = timed
            print(f"  {'blank page loading plotly.js (reference)':<44} {floor * 1e3:>10.1f} ms")
            report("page ready (navigator, tables)", ready, floor, TARGETS["ready"])
            report("last symbol opened (both charts drawn)", opened, floor, TARGETS["open"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
