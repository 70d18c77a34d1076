"""Contract of the ``VersionLog``'s retention side: which versions vacuum keeps, expiry, files
no version needs, deletion marks, and backtest pins."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from rustybt.contract.version_log_support import DAILY, MINUTE, T0, ManualClock, VersionLogFixtures, parameters, stored
from rustybt.domain.errors import (
    BacktestNotFoundError,
    InvalidRequestError,
    UnknownVersionError,
    VersionExpiredError,
    VersionPinnedError,
)
from rustybt.domain.ports.version_log import VersionLog

DAY = timedelta(days=1)


def four_versions(log: VersionLog, clock: ManualClock) -> list[datetime]:
    """v1 adds a, b; v2 adds c, drops a; v3 adds d, drops b; v4 adds e, drops c — one a day.
    Live: v1 {a, b}, v2 {b, c}, v3 {c, d}, v4 {d, e}. Returns the commit times."""
    steps = [("ab", ""), ("c", "a"), ("d", "b"), ("e", "c")]
    times = []
    for base, (add, drop) in enumerate(steps):
        times.append(clock.advance(DAY.total_seconds()))
        log.commit(DAILY, base, [stored(n) for n in add], [stored(n).path for n in drop], operation="ingest")
    return times


def paths(*names: str) -> list[str]:
    return sorted(stored(n).path for n in names)


class VersionLogRetentionContract(VersionLogFixtures):
    """Vacuum's selection and backtest pins."""

    def test_versions_to_keep(self, log: VersionLog, clock: ManualClock) -> None:
        assert log.versions_to_keep(DAILY, retain_since=T0) == set()
        times = four_versions(log, clock)
        assert log.versions_to_keep(DAILY, retain_since=times[2]) == {3, 4}
        assert log.versions_to_keep(DAILY, retain_since=times[3] + DAY) == {4}  # the head, always
        assert log.versions_to_keep(DAILY, retain_since=T0) == {1, 2, 3, 4}
        log.link_backtest_to_versions("bt-1", {DAILY: 1}, parameters())
        assert log.versions_to_keep(DAILY, retain_since=times[2]) == {1, 3, 4}
        assert log.versions_to_keep(DAILY, retain_since=times[2], keep_linked=False) == {3, 4}

    def test_expire_keeps_what_it_is_told_and_refuses_to_drop_the_head(
        self, log: VersionLog, clock: ManualClock
    ) -> None:
        four_versions(log, clock)
        with pytest.raises(InvalidRequestError, match="head"):
            log.expire_versions(DAILY, {1, 2, 3})
        clock.advance(60)
        assert log.expire_versions(DAILY, {3, 4}) == [1, 2]
        assert [v.expired_at for v in log.history(DAILY)] == [clock.now, clock.now, None, None]
        assert log.expire_versions(DAILY, {3, 4}) == []
        assert log.versions_to_keep(DAILY, retain_since=T0) == {3, 4}

    def test_expired_versions_cannot_be_read(self, log: VersionLog, clock: ManualClock) -> None:
        times = four_versions(log, clock)
        log.expire_versions(DAILY, {3, 4})
        with pytest.raises(VersionExpiredError, match="version 1 of demo/daily expired on"):
            log.snapshot(DAILY, 1)
        with pytest.raises(VersionExpiredError):
            log.snapshot(DAILY, times[1] + timedelta(hours=1))  # a time resolving to version 2
        assert set(log.snapshot(DAILY, 3).paths) == set(paths("c", "d"))

    def test_linked_versions_are_not_expired_unless_forced(self, log: VersionLog, clock: ManualClock) -> None:
        four_versions(log, clock)
        log.link_backtest_to_versions("bt-7", {DAILY: 2}, parameters())
        with pytest.raises(VersionPinnedError, match="version 2 of demo/daily is linked to backtest 'bt-7'"):
            log.expire_versions(DAILY, {4})
        assert all(v.expired_at is None for v in log.history(DAILY))  # nothing expired, not even version 1
        assert log.expire_versions(DAILY, {4}, force=True) == [1, 2, 3]

    def test_files_no_kept_version_needs(self, log: VersionLog, clock: ManualClock) -> None:
        four_versions(log, clock)
        assert log.files_unneeded(DAILY) == []  # every removed file is still in some version
        log.expire_versions(DAILY, {2, 3, 4})
        assert [f.path for f in log.files_unneeded(DAILY)] == paths("a")  # b is still in version 2
        log.expire_versions(DAILY, {3, 4})
        unneeded = log.files_unneeded(DAILY)
        assert [f.path for f in unneeded] == paths("a", "b")
        assert {(f.added_in, f.removed_in) for f in unneeded} == {(1, 2), (1, 3)}

    def test_deletion_marks(self, log: VersionLog, clock: ManualClock) -> None:
        four_versions(log, clock)
        log.expire_versions(DAILY, {3, 4})
        assert log.mark_deleted(DAILY, paths("a")) == 1
        assert log.mark_deleted(DAILY, paths("a", "b")) == 1  # a again is a no-op
        assert log.files_unneeded(DAILY) == []
        assert log.all_file_paths(DAILY) == set(paths("a", "b", "c", "d", "e"))  # deleted ones too
        with pytest.raises(InvalidRequestError):
            log.mark_deleted(DAILY, paths("c"))  # version 3 still needs it
        with pytest.raises(InvalidRequestError):
            log.mark_deleted(DAILY, paths("zz"))
        assert set(log.snapshot(DAILY).paths) == set(paths("d", "e"))

    # -- backtest pins -----------------------------------------------------------------------

    def test_a_backtest_run_round_trips(self, log: VersionLog, clock: ManualClock) -> None:
        four_versions(log, clock)
        log.commit(MINUTE, 0, [stored("m", MINUTE)], operation="ingest")
        run = log.link_backtest_to_versions("bt-1", {DAILY: 2, MINUTE: 1}, parameters())
        again = log.backtest_run("bt-1")
        assert again == run
        assert again.backtest_id == "bt-1"
        assert dict(again.versions) == {DAILY: 2, MINUTE: 1}
        assert again.parameters == parameters()
        assert again.parameters.capital == Decimal("100000.25")
        assert again.created_at == clock.now
        with pytest.raises(BacktestNotFoundError, match="bt-2"):
            log.backtest_run("bt-2")

    def test_bad_links_record_nothing(self, log: VersionLog, clock: ManualClock) -> None:
        four_versions(log, clock)
        log.link_backtest_to_versions("bt-1", {DAILY: 4}, parameters())
        with pytest.raises(InvalidRequestError):
            log.link_backtest_to_versions("bt-1", {DAILY: 3}, parameters())  # already recorded
        assert dict(log.backtest_run("bt-1").versions) == {DAILY: 4}
        with pytest.raises(UnknownVersionError):
            log.link_backtest_to_versions("bt-2", {DAILY: 3, MINUTE: 1}, parameters())
        log.expire_versions(DAILY, {3, 4})
        with pytest.raises(VersionExpiredError):
            log.link_backtest_to_versions("bt-3", {DAILY: 1}, parameters())
        for ident, pins in (("", {DAILY: 4}), ("bt-4", {})):
            with pytest.raises(InvalidRequestError):
                log.link_backtest_to_versions(ident, pins, parameters())
        for ident in ("bt-2", "bt-3", "bt-4"):
            with pytest.raises(BacktestNotFoundError):
                log.backtest_run(ident)
