"""The data-quality page renders in a real browser: no errors, every symbol, gaps and outliers shown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from rustybt.app.report import assess, render
from rustybt.domain import STANDARD_OHLCV_SCHEMA, DatasetInfo, Resolution

UTC = timezone.utc
T0 = datetime(2024, 1, 1, tzinfo=UTC)
SYMBOLS = ("AAPL", "BTC/USDT", "Ünïcode <&> \"quoted\"")


def _bars() -> pl.DataFrame:
    rows = []
    for k, symbol in enumerate(SYMBOLS):
        for i in range(120):
            if i in (30, 31) and k == 0:
                continue
            price = Decimal(50 + 10 * k) + Decimal(i % 11) / 4
            if i == 80 and k == 1:
                price = Decimal(900)
            rows.append((symbol, T0 + timedelta(hours=i), price, price + 1, price - 1, price, Decimal(100 + i)))
    return pl.DataFrame(rows, schema=STANDARD_OHLCV_SCHEMA, orient="row")


@pytest.mark.browser
def test_report_loads_without_errors_and_shows_every_symbol(tmp_path: Path, load_page: Callable[[Path], object]) -> None:
    bars = _bars()
    info = DatasetInfo("d-1", "csv:test", Resolution.H1, T0, T0 + timedelta(hours=119), "f" * 64, symbols=SYMBOLS, row_count=bars.height)
    quality = assess(info, bars)
    page = tmp_path / "report.html"
    page.write_text(render(quality), encoding="utf-8")
    loaded = load_page(page)
    assert not loaded.errors, loaded.errors  # type: ignore[attr-defined]
    dom: str = loaded.dom  # type: ignore[attr-defined]
    for symbol in SYMBOLS:
        escaped = symbol.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert f"<h2>{escaped}</h2>" in dom
    assert dom.count('class="symbol"') == len(SYMBOLS)
    assert dom.count('class="missing"') == 2  # AAPL's two missing hours on the strip
    assert 'class="outlier"' in dom  # the BTC spike is marked
    assert "no_gaps" in dom and "price_outlier" in dom
    summary = {s.symbol: s for s in quality.symbols}
    assert summary["AAPL"].missing == 2
    assert summary["BTC/USDT"].outlier_rows
