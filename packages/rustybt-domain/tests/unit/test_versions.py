"""Values of a versioned store: tables, as_of, stored files, snapshots, backtest parameters, retries."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from rustybt.contract.version_log_support import DAILY, ManualClock, parameters, stored
from rustybt.domain.backtest_runs import BacktestParameters
from rustybt.domain.commit_retry import commit_with_retries
from rustybt.domain.errors import CommitConflictError, InvalidDateRangeError, InvalidRequestError
from rustybt.domain.fakes import InMemoryVersionLog
from rustybt.domain.stored_files import Snapshot, check_relative_path
from rustybt.domain.versions import AsOf, StoreTable, Version

UTC = timezone.utc


def test_store_tables() -> None:
    table = StoreTable.parse("my-bundle.v2/minute")
    assert (table.bundle, table.kind, table.table_id) == ("my-bundle.v2", "minute", "my-bundle.v2/minute")
    assert table.root_path == "bundles/my-bundle.v2/minute_bars"
    assert StoreTable.parse(table) is table
    for bad in ("demo", "demo/hourly", "/daily", "a/b/daily", "../daily", "x\n/daily", "my bundle/daily", ".hidden/daily", "a..b/daily"):
        with pytest.raises(InvalidRequestError):
            StoreTable.parse(bad)


def test_as_of_parsing() -> None:
    assert AsOf.parse(3) == AsOf(version=3) == AsOf.parse(" 3 ")
    assert AsOf.parse("2024-05-01T12:00:00Z") == AsOf(at=datetime(2024, 5, 1, 12, tzinfo=UTC))
    assert AsOf.parse(date(2024, 5, 1)).at == datetime(2024, 5, 1, tzinfo=UTC)
    assert str(AsOf.parse(7)) == "version 7" and str(AsOf.parse("2024-05-01")) == "2024-05-01T00:00:00Z"
    for bad in (0, -1, True):
        with pytest.raises(InvalidRequestError):
            AsOf.parse(bad)
    with pytest.raises(InvalidDateRangeError):
        AsOf.parse("last tuesday")
    with pytest.raises(InvalidRequestError):
        AsOf(version=1, at=datetime(2024, 1, 1, tzinfo=UTC))


def test_relative_paths() -> None:
    assert check_relative_path("bundles/a/b.parquet") == "bundles/a/b.parquet"
    for bad in ("", "/abs", "a/../b", "a//b", "./a", "s3://x/y", "C:/x", "a\\b", "a\x00b", 3):
        with pytest.raises(InvalidRequestError):
            check_relative_path(bad)


def test_stored_files_are_checked() -> None:
    good = stored("a")
    for change in ({"sha256": "A" * 64}, {"rows": -1}, {"min_sid": 30}, {"seq": -1}, {"rows": True},
                   {"min_time": datetime(2025, 1, 1, tzinfo=UTC)}, {"path": "../x"}):  # fmt: skip
        with pytest.raises(InvalidRequestError):
            replace(good, **change)  # type: ignore[arg-type]
    naive = replace(good, min_time=datetime(2024, 6, 3))  # naive means UTC
    assert naive.min_time == datetime(2024, 6, 3, tzinfo=UTC)


def test_snapshot_selects_by_partition_and_time() -> None:
    may = stored("may", partition="year=2024/month=05", day=1)
    early, late = stored("early", day=3), stored("late", day=20)
    snap = Snapshot(DAILY, 1, None, (may, early, late))
    assert snap.select(partitions=["year=2024/month=06"]) == (early, late)
    assert snap.select(start=datetime(2024, 6, 4, tzinfo=UTC)) == (late,)
    assert snap.select(end=datetime(2024, 6, 3, tzinfo=UTC)) == (may, early)  # min_time 00:00 meets the end
    assert snap.select(start=datetime(2024, 6, 3, 23, 59, tzinfo=UTC), end=datetime(2024, 6, 3, 23, 59, tzinfo=UTC)) == (early,)
    assert (snap.rows, snap.partitions) == (30, ("year=2024/month=05", "year=2024/month=06"))


def test_backtest_parameters_are_checked() -> None:
    assert parameters().capital == Decimal("100000.25")
    base = ("demo", "2024-01-01", "2024-02-01", "1000", "daily", "a.py", "0" * 64)
    for index, bad in ((0, "a/b"), (2, "2023-01-01"), (3, 1000.5), (3, "-1"), (3, "nan"), (4, "hourly"), (5, ""), (6, "x")):
        args = list(base)
        args[index] = bad
        with pytest.raises(InvalidRequestError):
            BacktestParameters.of(*args)  # type: ignore[arg-type]


class _Racing(InMemoryVersionLog):
    """A log where another writer commits before each of the first ``losses`` attempts."""

    def __init__(self, losses: int) -> None:
        super().__init__(ManualClock())
        self.losses = losses
        self.rival = 0

    def commit(self, table, base_version, added=(), removed=(), **kwargs):  # type: ignore[no-untyped-def]
        if self.rival < self.losses:
            self.rival += 1
            super().commit(table, self.head(table), [stored(f"rival{self.rival}")], operation="ingest")
        return super().commit(table, base_version, added, removed, **kwargs)


def test_retries_commit_on_the_new_head() -> None:
    log = _Racing(losses=3)
    slept: list[float] = []
    bases: list[int] = []

    def attempt(base: int) -> Version:
        bases.append(base)
        return log.commit(DAILY, base, [stored("mine")], operation="ingest")

    version = commit_with_retries(log, DAILY, attempt, sleep=slept.append, jitter=lambda: 0.5)
    assert version.version == 4 and bases == [0, 1, 2, 3]
    assert slept == [0.005, 0.01, 0.02]  # doubling backoff


def test_retries_give_up_in_one_line() -> None:
    log = _Racing(losses=100)
    with pytest.raises(CommitConflictError, match=r"commit conflict on demo/daily after 3 attempts \(head moved from 0 to 3\)"):
        commit_with_retries(log, DAILY, lambda base: log.commit(DAILY, base, [stored(f"m{base}")], operation="ingest"),
                            attempts=3, sleep=lambda _: None)  # fmt: skip


def test_a_file_conflict_is_not_retried() -> None:
    log = InMemoryVersionLog(ManualClock())
    log.commit(DAILY, 0, [stored("a")], operation="ingest")
    log.commit(DAILY, 1, [], [stored("a").path], operation="remove_symbol")
    calls: list[int] = []

    def compact(base: int) -> Version:
        calls.append(base)
        return log.commit(DAILY, base, [stored("b")], [stored("a").path], operation="compact")

    with pytest.raises(CommitConflictError, match=r"part-a\.parquet"):
        commit_with_retries(log, DAILY, compact, sleep=lambda _: None)
    assert calls == [2]
