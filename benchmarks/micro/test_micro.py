"""Micro-benchmarks of the hot paths (pytest-benchmark), compared with a saved baseline.

    hatch run bench-micro        # run; compare with the saved baseline; fail if a group's min doubled
    hatch run bench-micro-save   # save this run as the new baseline (benchmarks/micro/baselines/)

Not part of ``hatch run test`` (its test paths are ``packages/`` and ``tests/``). Each group
holds a reference measured in the same run (a bare dict lookup, a bare hash of the same
document, zipline's HDF5 reader, a bare pyarrow read of the same files), so the relative
figures pytest-benchmark prints within a group are ratios against it. The store is the
synthetic universe's 3000 assets over 252 sessions (the same partition files as the full
universe's last year).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import OrderedDict
from collections.abc import Iterator
from datetime import date
from itertools import cycle
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import synthetic
from peers_sides import store_files
from zipline_files import float_frames, open_hdf5, write_hdf5

from rustybt.cache import CacheManager
from rustybt.domain.cache_key import CacheKey
from rustybt.storage.parquet import ParquetWriter, PolarsParquetDailyReader

FIELDS = ["open", "high", "low", "close", "volume"]
ASSETS, SESSIONS = 3000, 252
SYMBOLS = [f"SYM{i:04d}" for i in range(500)]
QUERY = (SYMBOLS, "2024-01-02", "2024-12-31", "1d", "bench")


@pytest.fixture(scope="session")
def universe() -> pl.DataFrame:
    frame: pl.DataFrame = synthetic.daily_universe(ASSETS, SESSIONS, 0.2, seed=7)
    return frame


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory, universe: pl.DataFrame) -> Path:
    bundle = tmp_path_factory.mktemp("micro") / "bundle"
    ParquetWriter(bundle).write(universe, "1d")
    return bundle / "daily_bars"


@pytest.fixture(scope="session")
def days() -> list[date]:
    return [d.item() for d in synthetic.sessions(SESSIONS)]


@pytest.fixture(scope="session")
def manager(tmp_path_factory: pytest.TempPathFactory, universe: pl.DataFrame) -> Iterator[CacheManager]:
    frame = universe.filter(pl.col("sid") <= len(SYMBOLS))
    cache = CacheManager(tmp_path_factory.mktemp("cache"), hot_cache_size_mb=2048, cold_cache_size_mb=4096)
    cache.put(*QUERY, frame)
    yield cache
    cache.close()


# -- hot cache hit ----------------------------------------------------------------------


@pytest.mark.benchmark(group="hot cache hit")
def test_dict_get_move_to_end(benchmark: Any) -> None:
    """Reference: an OrderedDict hit and its LRU bump."""
    key = CacheKey.of(*QUERY).digest
    table: OrderedDict[str, object] = OrderedDict({key: object()})

    def hit() -> None:
        table.get(key)
        table.move_to_end(key)

    benchmark(hit)


@pytest.mark.benchmark(group="hot cache hit")
def test_hot_hit_by_key(benchmark: Any, manager: CacheManager) -> None:
    key = CacheKey.of(*QUERY)
    assert benchmark(manager.get_entry, key) is not None


@pytest.mark.benchmark(group="hot cache hit")
def test_hot_hit_by_query(benchmark: Any, manager: CacheManager) -> None:
    """``get`` with the 500 symbols of the query (its key memoized per request)."""
    assert benchmark(manager.get, *QUERY) is not None


# -- cache key --------------------------------------------------------------------------


@pytest.mark.benchmark(group="cache key, 500 symbols")
def test_bare_json_sha256(benchmark: Any) -> None:
    """Reference: hashing the same JSON document, no checks."""
    doc = CacheKey.of(*QUERY).params()
    benchmark(lambda: hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest())


@pytest.mark.benchmark(group="cache key, 500 symbols")
def test_cache_key(benchmark: Any) -> None:
    """A key built and hashed afresh (what a miss or a new request object pays)."""
    expected = CacheKey.of(*QUERY).digest
    assert benchmark(lambda: CacheKey.of(*QUERY).digest) == expected


# -- get_value on a warm reader ---------------------------------------------------------


@pytest.mark.benchmark(group="get_value, warm reader")
def test_get_value_warm(benchmark: Any, store: Path, days: list[date]) -> None:
    """The close of another sid of one session each call, on a reader kept open."""
    reader = PolarsParquetDailyReader(store)
    turn = cycle(reader.sids())
    when = days[-5]
    reader.get_value(next(turn), when, "close")
    benchmark(lambda: reader.get_value(next(turn), when, "close"))


@pytest.mark.benchmark(group="get_value, warm reader")
def test_hdf5_get_value_warm(benchmark: Any, store: Path, days: list[date], tmp_path_factory: pytest.TempPathFactory) -> None:
    """Reference: zipline's HDF5 daily bar reader, same bars, same calls."""
    import pandas as pd

    path = tmp_path_factory.mktemp("hdf5") / "daily.h5"
    write_hdf5(path, float_frames(PolarsParquetDailyReader(store)))
    reader: Any = open_hdf5(path)
    turn = cycle(PolarsParquetDailyReader(store).sids())
    when = pd.Timestamp(days[-5])
    benchmark(lambda: reader.get_value(next(turn), when, "close"))


# -- 30 sessions × 500 assets -----------------------------------------------------------


@pytest.mark.benchmark(group="30 sessions × 500 assets")
def test_bare_pyarrow_read(benchmark: Any, store: Path, days: list[date]) -> None:
    """Reference: a bare pyarrow read of the partition files of the range (every sid)."""
    files = store_files(store, "daily", days[-30], days[-1])
    benchmark(lambda: [pq.read_table(f, columns=["date", "sid", *FIELDS]) for f in files])


@pytest.mark.benchmark(group="30 sessions × 500 assets")
def test_load_raw_arrays(benchmark: Any, store: Path, days: list[date]) -> None:
    reader = PolarsParquetDailyReader(store)
    sids = reader.sids()[:500]
    frame = benchmark(lambda: reader.load_raw_arrays(sids, FIELDS, days[-30], days[-1]).collect())
    assert frame.get_column("sid").n_unique() == 500


@pytest.mark.benchmark(group="30 sessions × 500 assets")
def test_load_float_arrays(benchmark: Any, store: Path, days: list[date]) -> None:
    reader = PolarsParquetDailyReader(store)
    sids = reader.sids()[:500]
    bars = benchmark(lambda: reader.load_float_arrays(sids, FIELDS, days[-30], days[-1]))
    assert bars["close"].shape == (30, 500)
