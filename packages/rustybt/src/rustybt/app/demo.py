"""``rustybt demo``: the whole product on data shipped inside the package — no network, no config.

Ingests real daily US equities (zipline's csvdir samples) and real Coinbase BTC-USD minute bars
(QuantConnect LEAN), shows the catalog, backtests a dual moving average on each through the zipline
bridge, reads the datasets through the cache, and writes a data-quality report per dataset.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rustybt.app.algorithms import dual_moving_average
from rustybt.app.backtest import run_backtest
from rustybt.app.bundles import prepare_bundle
from rustybt.app.container import App
from rustybt.app.private_files import private_dir, write_private_text
from rustybt.app.report import render
from rustybt.app.report.dataset_quality import dataset_quality, rejected_rows

SAMPLES = Path(__file__).resolve().parent / "sample_data"
OHLCV = ("open", "high", "low", "close", "volume")


@dataclass(frozen=True)
class DemoData:
    """One shipped sample: how to read it, where it goes, and the backtest run on it."""

    bundle: str
    symbols: tuple[str, ...]
    start: str
    end: str
    resolution: str
    adapter: Callable[[], Any]
    backtest_start: str
    backtest_end: str
    frequency: str
    short: int
    long: int


def _equities() -> Any:
    from rustybt.adapters import CSVAdapter

    return CSVAdapter(
        SAMPLES / "us_equities_daily",
        name="zipline-csvdir",
        exchange="NYSE",
        asset_type="equity",
        schema_mapping={"date_column": "date", **{f"{c}_column": c for c in OHLCV}},
    )


def _crypto() -> Any:
    from rustybt.adapters import CSVAdapter

    return CSVAdapter(
        SAMPLES / "crypto_minute" / "coinbase",
        name="lean-coinbase",
        exchange="coinbase",
        asset_type="cryptocurrency",
        resolution="1m",
        file_pattern="{symbol}/*_trade.zip",
        date_from_filename="%Y%m%d",
        date_format="epoch_ms",
        has_header=False,
        column_names=["time", *OHLCV],
        schema_mapping={"date_column": "time", **{f"{c}_column": c for c in OHLCV}},
    )


SAMPLES_USED = (
    DemoData("demo-equities", ("AAPL", "IBM", "KO", "MSFT"), "2012-01-01", "2014-12-31", "1d", _equities, "2012-04-02", "2014-12-31", "1d", 20, 50),
    DemoData("demo-crypto", ("btcusd",), "2018-04-04", "2018-04-06", "1m", _crypto, "2018-04-05", "2018-04-06", "1m", 15, 60),
)


def reset(app: App, bundle: str) -> None:
    """Forget a previous run of the demo: its datasets and its bundle folder."""
    for info in app.catalog.list_datasets(bundle=bundle):
        app.catalog.remove_dataset(info.dataset_id)
    shutil.rmtree(app.bundle_path(bundle), ignore_errors=True)


def run_demo(app: App, say: Callable[[str], None], table: Callable[[str, list[dict[str, Any]]], None]) -> dict[str, Any]:
    """Run every step; return what happened (for ``--json`` and tests)."""
    started = time.perf_counter()
    outcome: dict[str, Any] = {"home": str(app.settings.home), "datasets": [], "backtests": [], "reports": []}
    for sample in SAMPLES_USED:
        reset(app, sample.bundle)
        summary = sample.adapter().ingest_sync(
            sample.symbols, sample.start, sample.end, sample.resolution, app.catalog, app.writer(sample.bundle),
            mode="strict", bundle=sample.bundle, incremental=False,
        )
        prepare_bundle(app, sample.bundle)
        say(f"ingested {summary.rows_written:,} {sample.resolution} bars of {', '.join(sample.symbols)} into bundle {sample.bundle} "
            f"({summary.outliers_flagged} outliers flagged, {summary.gaps} missing bars)")
        outcome["datasets"].append(summary.dataset_id)
    datasets = [app.catalog.get_dataset_info(i) for i in outcome["datasets"]]
    table("Catalog", [
        {"dataset": d.dataset_id[:8], "source": d.source, "bundle": d.bundle, "resolution": str(d.resolution), "symbols": ", ".join(d.symbols),
         "first": d.start_date.date().isoformat(), "last": d.end_date.date().isoformat(), "rows": d.row_count, "bytes": d.size_bytes}
        for d in datasets
    ])
    for sample in SAMPLES_USED:
        frequency = "daily" if sample.frequency == "1d" else "minute"
        hooks = dual_moving_average(sample.symbols, sample.short, sample.long, sample.frequency)
        result = run_backtest(app, hooks, sample.bundle, sample.backtest_start, sample.backtest_end, 1e6, frequency)
        outcome["backtests"].append({"bundle": sample.bundle, "strategy": f"dual moving average {sample.short}/{sample.long} ({frequency})", **result.summary()})
    table("Backtests (zipline, through the bridge)", [{k: v for k, v in b.items() if k != "backtest_id"} for b in outcome["backtests"]])
    report_dir = private_dir(app.settings.home / "reports")
    for info in datasets:
        bars = app.dataset_bars(info)  # a miss: read from the store, then cached
        quality = dataset_quality(app, info, bars)
        path = report_dir / f"{info.bundle}.html"
        write_private_text(path, render(quality, rejections=rejected_rows(quality)))
        outcome["reports"].append(str(path))
        again = time.perf_counter()
        app.dataset_bars(info)  # the same query again: a hot hit
        say(f"report {path} — re-reading {bars.height:,} bars from the cache took {(time.perf_counter() - again) * 1e3:.2f} ms")
    stats = app.cache.get_stats()
    outcome["cache"] = stats.to_dict()
    table("Cache", [{"tier": n, "hits": t.hits, "misses": t.misses, "hit rate": f"{t.hit_rate:.0%}", "entries": t.entries, "bytes": t.bytes} for n, t in stats.tiers.items()])
    outcome["seconds"] = round(time.perf_counter() - started, 1)
    say(f"demo finished in {outcome['seconds']} s; try `rustybt --home {app.settings.home} catalog list` or open the reports")
    return outcome
