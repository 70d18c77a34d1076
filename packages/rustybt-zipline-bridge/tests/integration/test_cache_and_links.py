"""Backtests read bars through the Cache port and link only the datasets they read."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from zipline.api import order, record, symbol
from zipline.utils.calendar_utils import get_calendar

from rustybt.cache import CacheManager
from rustybt.domain.fakes import InMemoryBarWriter, InMemoryCache, InMemoryCatalog
from rustybt.domain.ports.cache import Cache
from rustybt.domain.schemas import DAILY_BARS_SCHEMA
from rustybt.zipline_bridge import BundleData, run_algorithm
from rustybt.zipline_bridge.bundle_files import write_bundle_files

START, END = pd.Timestamp("2020-01-02"), pd.Timestamp("2020-03-31")
SYMBOLS = ("AAA", "BBB")


@dataclass
class Store:
    root: Path
    writer: InMemoryBarWriter
    catalog: InMemoryCatalog
    daily_ids: dict[str, str]
    minute_id: str

    def open(self, cache: Cache | None) -> BundleData:
        return BundleData.open(self.root, daily=self.writer.reader("1d"), catalog=self.catalog, cache=cache)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    catalog = InMemoryCatalog()
    sessions = get_calendar("XNYS").sessions_in_range(START - pd.Timedelta(days=10), END)
    rng = np.random.default_rng(7)
    frames = []
    for name in SYMBOLS:
        sid = catalog.assign_sid("NYSE", name)
        closes = np.round(50 + np.cumsum(rng.normal(0, 1, len(sessions))), 2)
        frames.append(
            pl.DataFrame(
                {
                    "date": [s.date() for s in sessions],
                    "sid": [sid] * len(sessions),
                    "open": [f"{c:.2f}" for c in closes],
                    "high": [f"{c + 1:.2f}" for c in closes],
                    "low": [f"{c - 1:.2f}" for c in closes],
                    "close": [f"{c:.2f}" for c in closes],
                    "volume": ["100000"] * len(sessions),
                }
            )
        )
    frame = pl.concat(frames).with_columns(
        *[pl.col(c).cast(DAILY_BARS_SCHEMA[c]) for c in ("open", "high", "low", "close", "volume")]
    )
    writer = InMemoryBarWriter()
    writer.write(frame, "1d")
    first, last = sessions[0], sessions[-1]
    daily_ids = {
        name: catalog.register_dataset("synthetic", [name], first, last, "1d", f"sum-{name}", exchange="NYSE")
        for name in SYMBOLS
    }
    minute_id = catalog.register_dataset("synthetic", list(SYMBOLS), first, last, "1m", "sum-minutes", exchange="NYSE")
    write_bundle_files(
        tmp_path / "synthetic", catalog, daily=writer.reader("1d"), dataset_ids=[*daily_ids.values(), minute_id]
    )
    return Store(tmp_path / "synthetic", writer, catalog, daily_ids, minute_id)


def initialize(context) -> None:
    context.asset = symbol("AAA")


def handle_data(context, data) -> None:
    order(context.asset, 5)
    window = data.history(context.asset, "close", 5, "1d")
    record(price=data.current(context.asset, "price"), mean=float(window.mean()))


def _run(bundle: BundleData) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_algorithm(
            start=START,
            end=END,
            initialize=initialize,
            handle_data=handle_data,
            capital_base=1e5,
            bundle_data=bundle,
            benchmark_returns=None,
            default_extension=False,
        )


def test_a_second_identical_backtest_is_served_by_the_cache(store: Store) -> None:
    cache = InMemoryCache()
    first = _run(store.open(cache))
    after_first = cache.get_stats()
    assert after_first.misses > 0 and after_first.hits == 0 and after_first.entry_count > 0
    second = _run(store.open(cache))
    after_second = cache.get_stats()
    assert after_second.misses == after_first.misses  # every block came from the cache
    assert after_second.hits >= after_first.misses
    pd.testing.assert_frame_equal(
        first[["price", "mean", "portfolio_value"]], second[["price", "mean", "portfolio_value"]]
    )
    uncached = _run(store.open(None))
    pd.testing.assert_frame_equal(
        first[["price", "mean", "portfolio_value"]], uncached[["price", "mean", "portfolio_value"]]
    )


def test_a_changed_dataset_checksum_makes_the_cache_miss(store: Store) -> None:
    cache = InMemoryCache()
    _run(store.open(cache))
    misses = cache.get_stats().misses
    store.catalog.update_dataset(store.daily_ids["AAA"], checksum="sum-AAA-reingested")
    _run(store.open(cache))
    stats = cache.get_stats()
    assert stats.misses == 2 * misses and stats.hits == 0
    _run(store.open(cache))
    assert cache.get_stats().hits == misses  # the refreshed entries serve the next run


def test_a_backtest_links_only_the_datasets_it_read(store: Store) -> None:
    perf = _run(store.open(None))
    linked = store.catalog.get_datasets_for_backtest(perf.attrs["backtest_id"])
    assert linked == [store.daily_ids["AAA"]]  # not BBB's daily dataset, not the minute dataset


def test_the_two_tier_cache_manager_serves_the_second_backtest(store: Store, tmp_path: Path) -> None:
    cache = CacheManager(tmp_path / "cache", hot_cache_size_mb=64, cold_cache_size_mb=256)
    try:
        first = _run(store.open(cache))
        misses = cache.get_stats().misses
        second = _run(store.open(cache))
        stats = cache.get_stats()
    finally:
        cache.close()
    assert misses > 0 and stats.misses == misses and stats.hits >= misses
    pd.testing.assert_series_equal(first["portfolio_value"], second["portfolio_value"])
