"""Fixtures of the cache tests: real daily bars from the shared data, and a real Redis server.

``RedisServer`` runs Debian's ``redis-server`` on 127.0.0.1 on a free port, without
persistence, for the whole session. Without the binary the Redis tests skip with the reason,
unless ``RUSTYBT_REQUIRE_SERVICES=1`` makes a missing server a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from rustybt.cache.testing import RedisServer
from rustybt.contract.services import unavailable
from rustybt.domain.decimals import to_decimal_columns
from rustybt.domain.schemas import DAILY_BARS_SCHEMA

SHARED_DATA = Path(
    os.environ.get("RUSTYBT_SHARED_DATA", Path(__file__).resolve().parents[3] / ".." / "shared" / "data")
)
CSVDIR = SHARED_DATA / "zipline-test-resources" / "csvdir_samples" / "csvdir" / "daily"
SYMBOLS = ("AAPL", "IBM", "KO", "MSFT")


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        unavailable("redis-server is not installed (apt-get install -y redis-server)")
    server = RedisServer(binary)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    return redis_server.url


@pytest.fixture
def redis_prefix() -> str:
    """A key prefix of its own per test, so tests sharing the server never see each other."""
    return f"test:{uuid.uuid4().hex}:"


def load_csvdir_bars() -> pl.DataFrame:
    """The daily bars of zipline's csvdir samples (AAPL, IBM, KO, MSFT → sids 1..4), in
    ``DAILY_BARS_SCHEMA``, sorted by (date, sid)."""
    prices = ["open", "high", "low", "close", "volume"]
    frames = []
    for sid, symbol in enumerate(SYMBOLS, start=1):
        raw = pl.read_csv(CSVDIR / f"{symbol}.csv.gz", schema_overrides={c: pl.String for c in prices})
        frames.append(raw.select(pl.col("date").str.to_date(), pl.lit(sid, pl.Int64).alias("sid"), *prices))
    raw = pl.concat(frames)
    converted = to_decimal_columns(raw, mode="lenient", symbol_column=None, time_column="date")
    converted.raise_if_rejected()
    return converted.frame.select(DAILY_BARS_SCHEMA.names()).cast(dict(DAILY_BARS_SCHEMA)).sort("date", "sid")


@pytest.fixture(scope="session")
def real_bars() -> pl.DataFrame:
    if not CSVDIR.is_dir():
        pytest.fail(f"the shared test data is missing: {CSVDIR} (set RUSTYBT_SHARED_DATA)")
    return load_csvdir_bars()
