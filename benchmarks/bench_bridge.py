"""zipline backtests through the bridge (Parquet store) against zipline's own bcolz bundle, in one run.

    python benchmarks/bench_bridge.py                 # example bundle + 500 assets x 10 years DMA + minute 50 x 20
    python benchmarks/bench_bridge.py --quick         # buyapple + 50 assets x 1 year + minute 10 x 5, seconds
    python benchmarks/bench_bridge.py --fresh-store   # a new store reader for every bridge run (see below)

Each backtest runs alternately through ``zipline.run_algorithm`` on a bcolz bundle and through
``rustybt.zipline_bridge.run_algorithm`` on the same bundle migrated into the Parquet store
(``ParquetWriter`` from the ``rustybt.bar_writers`` entry point), after an untimed warm-up pair
(except for the long synthetic backtest); the first timed pair's results are compared (the
bridge must give zipline's numbers). The ratio (target <= 1.0) is the median of the per-pair
ratios bridge / bcolz: this machine's speed drifts by up to 2x over seconds, so only the two
runs of one pair are compared, and which side runs first alternates. Pairs: as many as fit
in 30 s by the warm-up pair's time, from 3 to 15 (the example dual_moving_average measured
0.94-1.05 over 9 pairs in different runs and 0.93 over 25), or exactly ``--repeat``. Also printed: the range of the paired ratios, the ratio of the median times, and the
median paired ratio of CPU time of the process (every thread).
A full collection runs before every timed run, so neither side pays for the other's garbage.

What each side keeps between runs: zipline opens its bundle per run (``bundles.load``: asset
finder, bcolz readers, adjustments database); the bridge opens its bundle per run too
(``BundleData.open``: asset finder, zipline readers, adjustments database; no bars, float
arrays or adjustment rows survive a run). Both share the process's calendar cache. The store
reader (the Parquet folder's handle) is shared across bridge runs, with its index of which sids
and times each partition file holds (revalidated by inode, size and mtime on every use); with
``--fresh-store`` every bridge run opens a new one and rebuilds that index from the files.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from toolz import merge

warnings.filterwarnings("ignore")

import zipline  # noqa: E402
from zipline import examples  # noqa: E402
from zipline.api import order, order_target_percent, sid  # noqa: E402
from zipline.assets import AssetDBWriter  # noqa: E402
from zipline.data.adjustments import SQLiteAdjustmentWriter  # noqa: E402
from zipline.data.bcolz_daily_bars import BcolzDailyBarReader, BcolzDailyBarWriter  # noqa: E402
from zipline.data.bcolz_minute_bars import BcolzMinuteBarWriter  # noqa: E402
from zipline.data.bundles import register, unregister  # noqa: E402
from zipline.data.bundles.core import to_bundle_ingest_dirname  # noqa: E402
from zipline.testing.predicates import assert_equal  # noqa: E402
from zipline.utils.calendar_utils import get_calendar, register_calendar  # noqa: E402

from rustybt.domain.fakes import InMemoryCatalog  # noqa: E402
from rustybt.zipline_bridge import BundleData, HDF5ToParquetMigrator, run_algorithm  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / ".." / "shared" / "data" / "zipline-example-data" / "example_data"
ROWS: list[tuple[str, float, float, float]] = []
FRESH_STORE = False  # --fresh-store: a new store reader (and file index) for every bridge run
PAIR_BUDGET = 30.0  # seconds of timed pairs per backtest, by the warm-up pair's time (unless --repeat)
MAX_PAIRS = 15
FIXED_REPEAT = False  # --repeat given: exactly that many pairs


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall time, CPU time of the process (every thread) and the result of ``fn()``."""
    gc.collect()
    cpu, start = time.process_time(), time.perf_counter()
    result = fn()
    return time.perf_counter() - start, time.process_time() - cpu, result


def same_results(theirs: pd.DataFrame, ours: pd.DataFrame, label: str) -> None:
    """The bridge's performance frame must hold zipline's numbers (the columns zipline's example tests check)."""
    columns = [c for c in examples._cols_to_check if c in theirs.columns and c != "positions"]
    assert_equal(ours[columns], theirs[columns], check_dtype=False, msg=label)
    by_sid = itemgetter("sid")
    assert_equal(ours["positions"].apply(sorted, key=by_sid), theirs["positions"].apply(sorted, key=by_sid), msg=label)


def compare(label: str, bcolz: Callable[[], Any], bridge: Callable[[], Any], repeat: int, warm: bool = True) -> None:
    """Timed pairs of one backtest on both sides. The ratio is the median of the per-pair
    ratios: the machine's speed drifts by up to 2x over seconds (a pure-Python loop measured
    0.16-0.31 s here), so each pair's two runs are compared with each other, never with runs
    of another pair. The side that runs first alternates (ABBA), so a drift within a pair
    favours neither. Pairs: as many as fit in ``PAIR_BUDGET`` seconds (module docstring)."""
    if warm:
        started = time.perf_counter()
        bcolz(), bridge()  # imports and zipline's caches on both sides
        took = time.perf_counter() - started
        if not FIXED_REPEAT:  # as many pairs as fit in PAIR_BUDGET seconds, 3 to MAX_PAIRS
            repeat = max(3, min(MAX_PAIRS, int(PAIR_BUDGET / took)))
    ours: list[float] = []
    theirs: list[float] = []
    cpu_ours: list[float] = []
    cpu_theirs: list[float] = []
    for i in range(repeat):
        if i % 2:
            seconds, cpu, actual = timed(bridge)
            ours.append(seconds)
            cpu_ours.append(cpu)
        seconds, cpu, expected = timed(bcolz)
        theirs.append(seconds)
        cpu_theirs.append(cpu)
        if not i % 2:
            seconds, cpu, actual = timed(bridge)
            ours.append(seconds)
            cpu_ours.append(cpu)
        if i == 0:
            same_results(expected, actual, label)
    a, b = statistics.median(ours), statistics.median(theirs)
    ratios = [o / t for o, t in zip(ours, theirs, strict=True)]
    cpu_ratios = [o / t for o, t in zip(cpu_ours, cpu_theirs, strict=True)]
    ratio = statistics.median(ratios)
    ROWS.append((label, a, b, ratio))
    print(
        f"{label:<36} bridge {a:7.3f} s  bcolz {b:7.3f} s  ratio {ratio:5.2f}"
        f"  (pairs {min(ratios):.2f}-{max(ratios):.2f}, n={repeat}; ratio of medians {a / b:.2f};"
        f" cpu ratio {statistics.median(cpu_ratios):.2f})",
        flush=True,
    )


def migrate(bundle_dir: Path, out: Path) -> Callable[[], BundleData]:
    """Migrate a bcolz bundle; returns what opens the migrated bundle for one bridge run."""
    migrator = HDF5ToParquetMigrator(bundle_dir, out, catalog=(catalog := InMemoryCatalog()), progress=False)
    result = migrator.migrate()
    assert result["validation_passed"], result
    has_minute = any(f["kind"] == "minute" for f in result["files"])

    def readers() -> tuple[Any, Any]:
        return migrator.writer.reader("1d"), migrator.writer.reader("1m") if has_minute else None

    shared = readers()

    def open_bundle() -> BundleData:
        daily, minute = readers() if FRESH_STORE else shared
        return BundleData.open(out, daily=daily, minute=minute, catalog=catalog)

    return open_bundle


def bench_examples(tmp: Path, names: list[str], repeat: int) -> None:
    shutil.copytree(EXAMPLE / "root", tmp / "root")
    open_bundle = migrate(tmp / "root" / "data" / "test", tmp / "examples-parquet")
    modules = examples.load_example_modules()
    register("test", lambda *a: None)
    register_calendar("YAHOO", get_calendar("NYSE"), force=True)
    try:
        for name in names:
            module = modules[name]
            args = dict(
                initialize=getattr(module, "initialize", None),
                handle_data=getattr(module, "handle_data", None),
                before_trading_start=getattr(module, "before_trading_start", None),
                bundle="test",
                environ={"ZIPLINE_ROOT": str(tmp / "root")},
                **merge({"capital_base": 1e7}, module._test_args()),
            )
            compare(
                f"example {name}",
                lambda args=args: zipline.run_algorithm(**args),
                lambda args=args: run_algorithm(**args, bundle_data=open_bundle()),
                repeat,
            )
    finally:
        unregister("test")


def synthetic_bundle(root: Path, name: str, assets: int, sessions: pd.DatetimeIndex, minute_sessions: int = 0) -> Path:
    """A zipline bcolz bundle of random-walk bars with 2-decimal prices, laid out for bundles.load."""
    calendar = get_calendar("XNYS")
    folder = root / "data" / name / to_bundle_ingest_dirname(pd.Timestamp("2024-01-01"))
    folder.mkdir(parents=True)
    rng = np.random.default_rng(42)
    frames = {}
    for s in range(assets):
        close = np.round(50 * np.exp(np.cumsum(rng.normal(0, 0.01, len(sessions)))), 2)
        frames[s] = pd.DataFrame(
            {
                "open": close,
                "high": np.round(close * 1.01, 2),
                "low": np.round(close * 0.99, 2),
                "close": close,
                "volume": rng.integers(10_000, 1_000_000, len(sessions)),
            },
            index=sessions,
        )
    BcolzDailyBarWriter(str(folder / "daily_equities.bcolz"), calendar, sessions[0], sessions[-1]).write(frames.items())
    minute_root = folder / "minute_equities.bcolz"
    minute_root.mkdir()
    writer = BcolzMinuteBarWriter(str(minute_root), calendar, sessions[0], sessions[-1], 390)
    if minute_sessions:
        minutes = calendar.sessions_minutes(sessions[0], sessions[minute_sessions - 1])
        for s in range(assets):
            close = np.round(50 * np.exp(np.cumsum(rng.normal(0, 0.0005, len(minutes)))), 2)
            writer.write_sid(
                s,
                pd.DataFrame(
                    {
                        "open": close,
                        "high": close,
                        "low": close,
                        "close": close,
                        "volume": rng.integers(1, 1000, len(minutes)),
                    },
                    index=minutes,
                ),
            )
    equities = pd.DataFrame(
        {
            "symbol": [f"S{s:04d}" for s in range(assets)],
            "start_date": sessions[0],
            "end_date": sessions[-1],
            "exchange": "NYSE",
        }
    )
    AssetDBWriter(str(folder / "assets-7.sqlite")).write(
        equities=equities,
        exchanges=pd.DataFrame([{"exchange": "NYSE", "canonical_name": "NYSE", "country_code": "US"}]),
    )
    SQLiteAdjustmentWriter(
        str(folder / "adjustments.sqlite"), BcolzDailyBarReader(str(folder / "daily_equities.bcolz")), overwrite=True
    ).write()
    return folder


def dma(assets: int) -> tuple[Callable[..., None], Callable[..., None]]:
    """20/100-day moving averages of every asset each session; trades the first ten on a cross."""

    def initialize(context) -> None:
        context.assets = [sid(i) for i in range(assets)]
        context.traded = context.assets[:10]
        context.up = {}

    def handle_data(context, data) -> None:
        prices = data.history(context.assets, "price", 100, "1d")
        signal = prices.iloc[-20:].mean() > prices.mean()
        for asset in context.traded:
            up = bool(signal[asset])
            if context.up.get(asset) != up:
                order_target_percent(asset, 0.1 if up else 0.0)
                context.up[asset] = up

    return initialize, handle_data


def minute_algo(assets: int) -> tuple[Callable[..., None], Callable[..., None]]:
    def initialize(context) -> None:
        context.assets = [sid(i) for i in range(assets)]
        context.n = 0

    def handle_data(context, data) -> None:
        prices = data.current(context.assets, "close")
        context.n += 1
        if context.n % 30 == 0:
            order(context.assets[context.n % assets], 1 if prices.iloc[0] > 0 else 0)

    return initialize, handle_data


def bench_synthetic(
    tmp: Path, label: str, name: str, assets: int, years: int, repeat: int, minute_sessions: int = 0, warm: bool = True
) -> None:
    calendar = get_calendar("XNYS")
    sessions = calendar.sessions_in_range(
        pd.Timestamp("2014-01-02"), pd.Timestamp("2014-01-02") + pd.DateOffset(years=years)
    )
    started = time.perf_counter()
    folder = synthetic_bundle(tmp / "root", name, assets, sessions, minute_sessions)
    built = time.perf_counter()
    open_bundle = migrate(folder, tmp / f"{name}-parquet")
    print(
        f"  ({label}: bcolz bundle built in {built - started:.1f} s, migrated in {time.perf_counter() - built:.1f} s)",
        flush=True,
    )
    if minute_sessions:
        initialize, handle_data = minute_algo(assets)
        start, end, frequency = sessions[0], sessions[minute_sessions - 1], "minute"
    else:
        initialize, handle_data = dma(assets)
        start, end, frequency = sessions[100], sessions[-1], "daily"
    register(name, lambda *a: None, calendar_name="XNYS")
    args = dict(
        start=start,
        end=end,
        initialize=initialize,
        handle_data=handle_data,
        capital_base=1e7,
        data_frequency=frequency,
        bundle=name,
        environ={"ZIPLINE_ROOT": str(tmp / "root")},
        benchmark_returns=pd.Series(0.0, index=sessions.tz_localize("UTC")),
    )
    try:
        compare(
            label,
            lambda: zipline.run_algorithm(**args),
            lambda: run_algorithm(**args, bundle_data=open_bundle()),
            repeat,
            warm,
        )
    finally:
        unregister(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, seconds")
    parser.add_argument(
        "--repeat", type=int, default=None, help="timed pairs per backtest (default: as many as fit in 30 s, 3 to 15)"
    )
    parser.add_argument("--fresh-store", action="store_true", help="a new store reader for every bridge run")
    parser.add_argument("--only", choices=["examples", "dma", "minute"], default=None, help="run one part")
    args = parser.parse_args()
    repeat = args.repeat or 3
    global FIXED_REPEAT
    FIXED_REPEAT = args.repeat is not None or args.quick
    global FRESH_STORE
    FRESH_STORE = args.fresh_store
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        parts = {
            "examples": lambda: bench_examples(
                tmp,
                ["buyapple"]
                if args.quick
                else ["buy_and_hold", "buyapple", "dual_moving_average", "momentum_pipeline", "olmar"],
                repeat,
            ),
            "dma": lambda: (
                bench_synthetic(tmp, "DMA 50 assets x 1 year", "dma", 50, 1, repeat)
                if args.quick
                else bench_synthetic(tmp, "DMA 500 assets x 10 years", "dma", 500, 10, 1, warm=False)
            ),
            "minute": lambda: (
                bench_synthetic(tmp, "minute 10 assets x 5 sessions", "minute", 10, 1, repeat, minute_sessions=5)
                if args.quick
                else bench_synthetic(tmp, "minute 50 assets x 20 sessions", "minute", 50, 1, repeat, minute_sessions=20)
            ),
        }
        for name, part in parts.items():
            if args.only in (None, name):
                part()
    total_ours, total_theirs = sum(r[1] for r in ROWS), sum(r[2] for r in ROWS)
    print(
        f"{'all':<36} bridge {total_ours:7.2f} s  bcolz {total_theirs:7.2f} s  ratio {total_ours / total_theirs:5.2f}"
    )


if __name__ == "__main__":
    main()
