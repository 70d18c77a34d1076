"""zipline's example algorithms on the migrated example bundle match zipline's expected results.

Same arguments and comparison as zipline-reloaded's ``tests/test_examples.py``: every checked
column with ``assert_equal(check_dtype=False)``, positions sorted by sid, with the checked-in
SPY benchmark and without a benchmark.
"""

from __future__ import annotations

import pickle
import warnings
from operator import itemgetter
from pathlib import Path

import pandas as pd
import pytest
from toolz import merge
from zipline import examples
from zipline.testing.fixtures import read_checked_in_benchmark_data
from zipline.testing.predicates import assert_equal
from zipline.utils.calendar_utils import get_calendar, register_calendar

from rustybt.domain.fakes import InMemoryCache
from rustybt.zipline_bridge import BundleData, run_algorithm

EXAMPLE_MODULES = examples.load_example_modules()
NAMES = sorted(set(EXAMPLE_MODULES) & {"buy_and_hold", "buyapple", "dual_moving_average", "momentum_pipeline", "olmar"})


def _without_benchmark(expected: pd.DataFrame) -> pd.DataFrame:
    expected = expected.copy()
    expected[["alpha", "beta"]] = None
    for col in ["benchmark_period_return", "benchmark_volatility"]:
        expected.loc[~pd.isnull(expected[col]), col] = 0.0
    return expected


def test_all_five_examples_are_available() -> None:
    assert NAMES == ["buy_and_hold", "buyapple", "dual_moving_average", "momentum_pipeline", "olmar"]


@pytest.fixture(scope="module")
def shared_cache() -> InMemoryCache:
    return InMemoryCache()


@pytest.mark.parametrize("with_benchmark", [True, False], ids=["spy-benchmark", "no-benchmark"])
@pytest.mark.parametrize("name", NAMES)
def test_example_matches_expected_perf(
    name: str, with_benchmark: bool, migrated_example, example_data: Path, shared_cache: InMemoryCache
) -> None:
    """Each run opens the bundle afresh over one cache: later runs read blocks cached by earlier ones."""
    module = EXAMPLE_MODULES[name]
    bundle = BundleData.open(
        migrated_example.output,
        daily=migrated_example.writer.reader("1d"),
        catalog=migrated_example.catalog,
        cache=shared_cache,
    )
    register_calendar("YAHOO", get_calendar("NYSE"), force=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        actual = run_algorithm(
            initialize=getattr(module, "initialize", None),
            handle_data=getattr(module, "handle_data", None),
            before_trading_start=getattr(module, "before_trading_start", None),
            analyze=None,
            bundle="test",
            environ={"ZIPLINE_ROOT": str(migrated_example.root)},
            benchmark_returns=read_checked_in_benchmark_data() if with_benchmark else None,
            bundle_data=bundle,
            **merge({"capital_base": 1e7}, module._test_args()),
        )
    with open(example_data / "expected_perf" / "1-2-4" / name, "rb") as f:
        expected = pickle.load(f, encoding="latin-1")  # trusted, checked-in zipline test data
    if not with_benchmark:
        expected = _without_benchmark(expected)
    columns = [c for c in examples._cols_to_check if c != "positions"]
    assert_equal(actual[columns], expected[columns], check_dtype=False)
    assert_equal(
        expected["positions"].apply(sorted, key=itemgetter("sid")),
        actual["positions"].apply(sorted, key=itemgetter("sid")),
    )
    assert shared_cache.get_stats().entry_count > 0
    run_id = actual.attrs["backtest_id"]
    assert migrated_example.catalog.get_datasets_for_backtest(run_id) == migrated_example.result["dataset_ids"]


def test_the_examples_were_served_by_the_cache(shared_cache: InMemoryCache) -> None:
    stats = shared_cache.get_stats()
    assert stats.hits > 0 and stats.misses > 0
