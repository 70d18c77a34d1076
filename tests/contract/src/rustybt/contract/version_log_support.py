"""Fixtures and sample values shared by the ``VersionLog`` contract suites."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from rustybt.domain.backtest_runs import BacktestParameters
from rustybt.domain.ports.version_log import VersionLog
from rustybt.domain.stored_files import StoredFile
from rustybt.domain.versions import StoreTable

UTC = timezone.utc
T0 = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)
DAILY = StoreTable("demo", "daily")
MINUTE = StoreTable("demo", "minute")
OTHER = StoreTable("other", "daily")


class ManualClock:
    """A clock the test sets: ``clock.now`` is returned until changed; ``advance(seconds)``."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def stored(
    name: str,
    table: StoreTable = DAILY,
    *,
    partition: str = "year=2024/month=06",
    seq: int | None = None,
    rows: int = 10,
    day: int = 3,
    sids: tuple[int, int] = (1, 20),
) -> StoredFile:
    """A file of ``table`` in ``partition`` named ``part-<name>.parquet``, with distinct values in
    every field (so a log that drops or swaps one is caught)."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    return StoredFile(
        path=f"{table.root_path}/{partition}/part-{name}.parquet",
        partition=partition,
        rows=rows,
        size_bytes=1000 + rows,
        sha256=digest,
        min_time=datetime(2024, 6, day, tzinfo=UTC),
        max_time=datetime(2024, 6, day, 23, 59, tzinfo=UTC),
        min_sid=sids[0],
        max_sid=sids[1],
        seq=seq,
    )


def parameters(bundle: str = "demo") -> BacktestParameters:
    return BacktestParameters.of(
        bundle, "2024-01-02", "2024-06-28", "100000.25", "daily", "algos/buy_and_hold.py", "ab" * 32
    )


class VersionLogFixtures:
    """Override ``make_log``: a callable building an empty log that stamps times with ``clock``."""

    @pytest.fixture
    def make_log(self) -> Callable[[Callable[[], datetime]], VersionLog]:
        raise NotImplementedError("override `make_log`")

    @pytest.fixture
    def clock(self) -> ManualClock:
        return ManualClock()

    @pytest.fixture
    def log(self, make_log: Callable[[Callable[[], datetime]], VersionLog], clock: ManualClock) -> VersionLog:
        return make_log(clock)
