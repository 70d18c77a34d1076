"""In-memory version log: the ``VersionLog`` port over plain dicts (one process, one thread)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timezone

from rustybt.domain import commits
from rustybt.domain.backtest_runs import BacktestParameters, BacktestRun
from rustybt.domain.commits import CommitRequest
from rustybt.domain.errors import InvalidRequestError
from rustybt.domain.instants import TimeLike, to_utc
from rustybt.domain.ports.version_log import VersionLog
from rustybt.domain.stored_files import Snapshot, StoredFile
from rustybt.domain.versions import AsOf, Operation, StoreTable, Version


def _now() -> datetime:
    return datetime.now(timezone.utc)


class InMemoryVersionLog(VersionLog):
    """Versions, files and backtest pins in memory; same semantics as the SQL catalog's log.

    ``clock`` stamps commits and expiries; ``user``/``host`` are recorded on every version.
    """

    def __init__(self, clock: Callable[[], datetime] = _now, user: str | None = None, host: str | None = None) -> None:
        self._log_clock = clock
        self._who = (user, host)
        self._versions: dict[StoreTable, list[Version]] = {}
        self._files: dict[StoreTable, dict[str, StoredFile]] = {}
        self._deleted: dict[StoreTable, set[str]] = {}
        self._runs: dict[str, BacktestRun] = {}

    def head(self, table: StoreTable) -> int:
        return len(self._versions.get(table, ()))

    def _version(self, table: StoreTable, number: int) -> Version:
        found = self._versions.get(table, [])
        if not 1 <= number <= len(found):
            raise commits.unknown_version(table, number, len(found))
        version = found[number - 1]
        if version.expired_at is not None:
            raise commits.expired_version(table, number, version.expired_at)
        return version

    def snapshot(self, table: StoreTable, as_of: AsOf | int | TimeLike | None = None) -> Snapshot:
        found = self._versions.get(table, [])
        if as_of is None:
            if not found:
                return Snapshot(table, 0, None)
            number = len(found)
        else:
            wanted = AsOf.parse(as_of)
            if wanted.version is not None:
                number = wanted.version
            else:
                at = wanted.at
                assert at is not None
                earlier = [v.version for v in found if v.committed_at <= at]
                if not earlier:
                    raise commits.before_first(table, at, found[0].committed_at if found else None)
                number = earlier[-1]
        version = self._version(table, number)
        files = sorted(
            (f for f in self._files[table].values() if f.live_in(number)), key=lambda f: (f.partition, f.seq, f.path)
        )
        return Snapshot(table, number, version.committed_at, tuple(files))

    def commit(
        self,
        table: StoreTable,
        base_version: int,
        added: Sequence[StoredFile] = (),
        removed: Sequence[str] = (),
        *,
        operation: Operation | str,
        dataset_id: str | None = None,
        rows_added: int = 0,
        rows_replaced: int = 0,
        rows_removed: int = 0,
    ) -> Version:
        req = CommitRequest.check(
            table, base_version, added, removed, operation, dataset_id, rows_added, rows_replaced, rows_removed
        )
        head = self.head(table)
        if req.base != head:
            raise commits.head_moved(table, req.base, head)
        files = self._files.setdefault(table, {})
        unknown = [p for p in req.removed if p not in files]
        if unknown:
            raise commits.unknown_files(table, unknown, "never had these files")
        stale = [p for p in req.removed if not files[p].live_in(head)]
        if stale:
            raise commits.files_gone(table, head, stale)
        known = [f.path for f in req.added if f.path in files]
        if known:
            raise commits.unknown_files(table, known, "already recorded these paths (paths are never reused)")
        versions = self._versions.setdefault(table, [])
        user, host = self._who
        version = Version(
            table, req.version, req.base,
            commits.commit_time(to_utc(self._log_clock()), versions[-1].committed_at if versions else None),
            req.operation, req.dataset_id, req.rows_added, req.rows_replaced, req.rows_removed,
            len(req.added), len(req.removed), user, host,
        )  # fmt: skip
        for path in req.removed:
            files[path] = replace(files[path], removed_in=req.version)
        for f in req.added:
            files[f.path] = replace(f, seq=req.seq_of(f), added_in=req.version, removed_in=None)
        versions.append(version)
        return version

    def history(self, table: StoreTable | None = None, *, dataset_id: str | None = None) -> list[Version]:
        if table is None and dataset_id is None:
            raise InvalidRequestError("history needs a table, a dataset id, or both")
        chosen = [table] if table is not None else sorted(self._versions)
        return [
            v for t in chosen for v in self._versions.get(t, []) if dataset_id is None or v.dataset_id == dataset_id
        ]

    def tables(self) -> list[StoreTable]:
        return sorted(t for t, v in self._versions.items() if v)

    def _pins(self, table: StoreTable) -> dict[int, str]:
        return {
            number: run.backtest_id for run in self._runs.values() for t, number in run.versions.items() if t == table
        }

    def versions_to_keep(self, table: StoreTable, *, retain_since: TimeLike, keep_linked: bool = True) -> set[int]:
        since = to_utc(retain_since, name="retain_since")
        head = self.head(table)
        pins = self._pins(table) if keep_linked else {}
        return {
            v.version
            for v in self._versions.get(table, [])
            if v.expired_at is None and (v.version == head or v.committed_at >= since or v.version in pins)
        }

    def expire_versions(self, table: StoreTable, keep: Collection[int], *, force: bool = False) -> list[int]:
        kept = commits.check_keep(table, keep, self.head(table))
        versions = self._versions.get(table, [])
        doomed = [v.version for v in versions if v.expired_at is None and v.version not in kept]
        pins = self._pins(table)
        for number in doomed:
            if number in pins and not force:
                raise commits.pinned(table, number, pins[number])
        at = to_utc(self._log_clock())
        for number in doomed:
            versions[number - 1] = replace(versions[number - 1], expired_at=at)
        return doomed

    def _needed(self, table: StoreTable, f: StoredFile) -> bool:
        return any(v.expired_at is None and f.live_in(v.version) for v in self._versions.get(table, []))

    def files_unneeded(self, table: StoreTable) -> list[StoredFile]:
        deleted = self._deleted.get(table, set())
        return sorted(
            (f for f in self._files.get(table, {}).values() if f.path not in deleted and not self._needed(table, f)),
            key=lambda f: f.path,
        )

    def mark_deleted(self, table: StoreTable, paths: Sequence[str]) -> int:
        files = self._files.get(table, {})
        unknown = [p for p in paths if p not in files]
        if unknown:
            raise commits.unknown_files(table, unknown, "never had these files")
        needed = [p for p in paths if self._needed(table, files[p])]
        if needed:
            raise commits.unknown_files(table, needed, "still needs these files in an unexpired version")
        deleted = self._deleted.setdefault(table, set())
        fresh = set(paths) - deleted
        deleted |= fresh
        return len(fresh)

    def all_file_paths(self, table: StoreTable) -> set[str]:
        return set(self._files.get(table, {}))

    def link_backtest_to_versions(
        self, backtest_id: str, versions: Mapping[StoreTable, int], parameters: BacktestParameters
    ) -> BacktestRun:
        pins = commits.check_link(backtest_id, versions, parameters)
        if backtest_id in self._runs:
            raise commits.already_linked(backtest_id)
        for table, number in pins.items():
            self._version(table, number)
        run = BacktestRun(backtest_id, parameters, pins, to_utc(self._log_clock()))
        self._runs[backtest_id] = run
        return run

    def backtest_run(self, backtest_id: str) -> BacktestRun:
        try:
            return self._runs[backtest_id]
        except KeyError:
            raise commits.no_backtest(backtest_id) from None
