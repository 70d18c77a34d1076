"""Contract every ``VersionLog`` honours: commits, snapshots, time travel, conflicts, history.

Subclass ``VersionLogContract`` and override ``make_log`` (an empty log on the given clock).
Retention and backtest pins are in ``version_log_retention`` and included here.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from rustybt.contract.version_log_retention import VersionLogRetentionContract
from rustybt.contract.version_log_support import DAILY, MINUTE, OTHER, ManualClock, VersionLogFixtures, stored
from rustybt.domain.errors import (
    AsOfBeforeFirstVersionError,
    CommitConflictError,
    InvalidRequestError,
    UnknownVersionError,
)
from rustybt.domain.ports.version_log import VersionLog
from rustybt.domain.versions import Operation


class VersionLogCommitContract(VersionLogFixtures):
    """Commits, snapshots, ``as_of`` and history."""

    def test_a_new_table_has_head_zero_and_an_empty_snapshot(self, log: VersionLog) -> None:
        assert log.head(DAILY) == 0
        snap = log.snapshot(DAILY)
        assert (snap.table, snap.version, snap.files) == (DAILY, 0, ())
        assert log.tables() == []

    def test_commit_records_the_version(self, log: VersionLog, clock: ManualClock) -> None:
        v = log.commit(DAILY, 0, [stored("a"), stored("b")], operation="ingest", dataset_id="ds-1",
                       rows_added=20, rows_replaced=3, rows_removed=1)  # fmt: skip
        assert (v.table, v.version, v.parent, v.operation) == (DAILY, 1, 0, Operation.INGEST)
        assert (v.dataset_id, v.rows_added, v.rows_replaced, v.rows_removed) == ("ds-1", 20, 3, 1)
        assert (v.files_added, v.files_removed, v.expired_at) == (2, 0, None)
        assert v.committed_at == clock.now
        assert log.head(DAILY) == 1
        assert log.history(DAILY) == [v]
        assert log.tables() == [DAILY]

    def test_files_round_trip_with_their_interval_and_seq(self, log: VersionLog) -> None:
        a, b = stored("a"), stored("b", seq=0, partition="year=2024/month=05", sids=(-(2**63), 2**63 - 1))
        log.commit(DAILY, 0, [a, b], operation="import")
        log.commit(
            DAILY, 1, [stored("c")], ["bundles/demo/daily_bars/year=2024/month=06/part-a.parquet"], operation="merge"
        )
        files = {f.path: f for f in log.snapshot(DAILY, 1).files}
        assert files[a.path] == replace(a, seq=1)  # seq None: the committing version's number
        assert files[b.path] == b  # an explicit seq (compaction, import) is kept
        assert (files[a.path].added_in, files[a.path].removed_in) == (1, 2)
        assert (files[b.path].added_in, files[b.path].removed_in) == (1, None)

    def test_each_version_lists_exactly_its_files(self, log: VersionLog) -> None:
        a, b, c, d = stored("a"), stored("b"), stored("c"), stored("d")
        log.commit(DAILY, 0, [a, b], operation="ingest")
        log.commit(DAILY, 1, [c], [a.path], operation="merge")
        log.commit(DAILY, 2, [d], [b.path, c.path], operation="compact")
        assert set(log.snapshot(DAILY, 1).paths) == {a.path, b.path}
        assert set(log.snapshot(DAILY, 2).paths) == {b.path, c.path}
        assert set(log.snapshot(DAILY, 3).paths) == {d.path}
        assert log.snapshot(DAILY).version == 3
        assert log.snapshot(DAILY).paths == (d.path,)

    def test_snapshot_orders_files_by_partition_then_seq(self, log: VersionLog) -> None:
        may, june = "year=2024/month=05", "year=2024/month=06"
        log.commit(DAILY, 0, [stored("z", partition=june), stored("y", partition=may)], operation="ingest")
        log.commit(DAILY, 1, [stored("b", partition=june), stored("x", partition=may)], operation="ingest")
        snap = log.snapshot(DAILY)
        assert [(f.partition, f.seq) for f in snap.files] == [(may, 1), (may, 2), (june, 1), (june, 2)]
        assert [f.path.rsplit("-", 1)[1] for f in snap.select(partitions=[june])] == ["z.parquet", "b.parquet"]

    def test_tables_are_versioned_independently(self, log: VersionLog) -> None:
        log.commit(DAILY, 0, [stored("a")], operation="ingest")
        log.commit(MINUTE, 0, [stored("m", MINUTE)], operation="ingest")
        log.commit(MINUTE, 1, [stored("n", MINUTE)], operation="ingest")
        assert (log.head(DAILY), log.head(MINUTE), log.head(OTHER)) == (1, 2, 0)
        assert len(log.snapshot(DAILY).files) == 1
        assert len(log.snapshot(MINUTE).files) == 2
        assert log.tables() == sorted([DAILY, MINUTE])

    # -- as_of -------------------------------------------------------------------------------

    def test_as_of_a_version_number(self, log: VersionLog) -> None:
        for i in range(3):
            log.commit(DAILY, i, [stored(f"f{i}")], operation="ingest")
        assert log.snapshot(DAILY, 2).version == 2
        assert log.snapshot(DAILY, "2").version == 2
        assert len(log.snapshot(DAILY, 2).files) == 2

    def test_as_of_a_time_is_the_last_version_committed_by_then(self, log: VersionLog, clock: ManualClock) -> None:
        times = []
        for i in range(3):
            times.append(clock.advance(3600))
            log.commit(DAILY, i, [stored(f"f{i}")], operation="ingest")
        assert log.snapshot(DAILY, times[1]).version == 2  # exactly at a commit: that commit
        assert log.snapshot(DAILY, times[1] + timedelta(minutes=59)).version == 2
        assert log.snapshot(DAILY, times[1] - timedelta(microseconds=1)).version == 1
        assert log.snapshot(DAILY, (times[2] + timedelta(days=1)).isoformat()).version == 3
        assert log.snapshot(DAILY, times[0]).committed_at == times[0]

    def test_as_of_before_the_first_version_fails(self, log: VersionLog, clock: ManualClock) -> None:
        with pytest.raises(AsOfBeforeFirstVersionError):
            log.snapshot(DAILY, clock.now)  # no version at all yet
        log.commit(DAILY, 0, [stored("a")], operation="ingest")
        with pytest.raises(AsOfBeforeFirstVersionError, match="before the first version of demo/daily"):
            log.snapshot(DAILY, clock.now - timedelta(seconds=1))

    def test_unknown_versions_fail(self, log: VersionLog) -> None:
        with pytest.raises(UnknownVersionError, match="no version 1"):
            log.snapshot(DAILY, 1)
        log.commit(DAILY, 0, [stored("a")], operation="ingest")
        with pytest.raises(UnknownVersionError, match=r"no version 2 .*newest is 1"):
            log.snapshot(DAILY, 2)
        with pytest.raises(InvalidRequestError):
            log.snapshot(DAILY, 0)

    def test_commit_times_increase_even_when_the_clock_goes_back(self, log: VersionLog, clock: ManualClock) -> None:
        first = log.commit(DAILY, 0, [stored("a")], operation="ingest")
        clock.advance(-3600)
        second = log.commit(DAILY, 1, [stored("b")], operation="ingest")
        assert second.committed_at > first.committed_at
        assert log.snapshot(DAILY, second.committed_at).version == 2

    # -- conflicts ---------------------------------------------------------------------------

    def test_of_two_commits_on_one_base_the_second_conflicts(self, log: VersionLog) -> None:
        log.commit(DAILY, 0, [stored("a")], operation="ingest")
        with pytest.raises(CommitConflictError, match=r"base version 0 is no longer the head") as caught:
            log.commit(DAILY, 0, [stored("b")], operation="ingest")
        assert (caught.value.base, caught.value.head, caught.value.files) == (0, 1, ())
        self._assert_unchanged(log, 1, {stored("a").path})

    def test_a_base_ahead_of_the_head_conflicts(self, log: VersionLog) -> None:
        with pytest.raises(CommitConflictError):
            log.commit(DAILY, 1, [stored("a")], operation="ingest")
        self._assert_unchanged(log, 0, set())

    def test_removing_a_file_no_longer_live_conflicts(self, log: VersionLog) -> None:
        a, b = stored("a"), stored("b")
        log.commit(DAILY, 0, [a, b], operation="ingest")
        log.commit(DAILY, 1, [stored("c")], [a.path], operation="compact")
        with pytest.raises(CommitConflictError, match=r"part-a\.parquet") as caught:
            log.commit(DAILY, 2, [stored("d")], [b.path, a.path], operation="compact")
        assert caught.value.files == (a.path,)
        self._assert_unchanged(log, 2, {b.path, stored("c").path}, {a.path, b.path, stored("c").path})

    def test_bad_file_lists_are_refused_and_change_nothing(self, log: VersionLog) -> None:
        a = stored("a")
        log.commit(DAILY, 0, [a], operation="ingest")
        log.commit(DAILY, 1, [], [a.path], operation="remove_symbol")
        bad = [
            ([a], []),  # a path is never reused, even after its file left
            ([], [stored("never").path]),  # removing what the table never had
            ([stored("x"), stored("x")], []),
            ([stored("y")], [stored("y").path]),
            ([stored("m", MINUTE)], []),  # another table's folder
        ]
        for added, removed in bad:
            with pytest.raises(InvalidRequestError):
                log.commit(DAILY, 2, added, removed, operation="ingest")
        self._assert_unchanged(log, 2, set(), {a.path})

    def test_bad_arguments_are_refused(self, log: VersionLog) -> None:
        for kwargs in ({"operation": "rewrite"}, {"operation": "ingest", "rows_added": -1},
                       {"operation": "ingest", "dataset_id": ""}):  # fmt: skip
            with pytest.raises(InvalidRequestError):
                log.commit(DAILY, 0, [stored("a")], **kwargs)
        with pytest.raises(InvalidRequestError):
            log.commit(DAILY, -1, [stored("a")], operation="ingest")
        self._assert_unchanged(log, 0, set())

    def _assert_unchanged(self, log: VersionLog, head: int, live: set[str], recorded: set[str] | None = None) -> None:
        assert log.head(DAILY) == head
        assert len(log.history(DAILY)) == head
        assert set(log.snapshot(DAILY).paths) == live
        assert log.all_file_paths(DAILY) == (live if recorded is None else recorded)

    # -- history -----------------------------------------------------------------------------

    def test_history_by_table_and_by_dataset(self, log: VersionLog) -> None:
        log.commit(DAILY, 0, [stored("a")], operation="ingest", dataset_id="ds-1")
        log.commit(OTHER, 0, [stored("o", OTHER)], operation="ingest", dataset_id="ds-1")
        log.commit(DAILY, 1, [stored("b")], operation="ingest", dataset_id="ds-2")
        log.commit(DAILY, 2, [stored("c")], [stored("a").path, stored("b").path], operation="compact")
        assert [v.version for v in log.history(DAILY)] == [1, 2, 3]
        assert [(v.table, v.version) for v in log.history(dataset_id="ds-1")] == [(DAILY, 1), (OTHER, 1)]
        assert [v.version for v in log.history(DAILY, dataset_id="ds-2")] == [2]
        assert log.history(DAILY)[2].dataset_id is None
        assert (log.history(DAILY)[2].files_added, log.history(DAILY)[2].files_removed) == (1, 2)
        assert log.history(MINUTE) == [] and log.history(dataset_id="nope") == []
        with pytest.raises(InvalidRequestError):
            log.history()


class VersionLogContract(VersionLogCommitContract, VersionLogRetentionContract):
    """The whole ``VersionLog`` contract. Override ``make_log``."""
