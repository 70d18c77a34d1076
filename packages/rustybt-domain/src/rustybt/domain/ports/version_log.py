"""Port: the version log of a versioned store (versions, their files, backtest pins).

A separate port from ``Catalog``: readers and the vacuum need only this, a third-party
``Catalog`` keeps working without it, and the SQL catalog implements both on one database
(so a later ingest can commit a version and its catalog rows in one transaction).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping, Sequence

from rustybt.domain.backtest_runs import BacktestParameters, BacktestRun
from rustybt.domain.instants import TimeLike
from rustybt.domain.stored_files import Snapshot, StoredFile
from rustybt.domain.versions import AsOf, Operation, StoreTable, Version


class VersionLog(ABC):
    """The versions of every store table and the files each version consists of.

    Files are recorded as intervals: a file is in version v when it was added in a version
    ``<= v`` and not removed in a version ``<= v``. Paths are relative to the store root, unique
    per table for ever (a path is never reused, so caches keyed by path never go stale), and
    lie under the table's ``root_path``. Every method raises ``InvalidRequestError`` for
    malformed arguments before touching anything.
    """

    @abstractmethod
    def head(self, table: StoreTable) -> int:
        """The table's newest version; 0 for a table never committed to."""

    @abstractmethod
    def snapshot(self, table: StoreTable, as_of: AsOf | int | TimeLike | None = None) -> Snapshot:
        """The files of one version, resolved once: the head when ``as_of`` is ``None``
        (version 0 with no files for a table never committed to), version ``as_of`` for a
        number, and the newest version committed at or before ``as_of`` for a time.

        Raises ``UnknownVersionError`` for a number above the head (or any number on an empty
        table), ``AsOfBeforeFirstVersionError`` for a time before the first commit, and
        ``VersionExpiredError`` (naming when) for a version vacuum expired. A snapshot never
        changes: later commits do not alter the files it lists.
        """

    @abstractmethod
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
        """Record version ``base_version + 1``: ``added`` files (their data already written
        under new paths) join, the files at paths ``removed`` leave. All or nothing, in one
        transaction; the first table commit creates the table.

        Optimistic concurrency: raises ``CommitConflictError`` (``head`` set, nothing
        committed) when ``base_version`` is not the head, so of two commits on one base exactly
        one wins, on any number of processes and machines; and, naming the files, when a file
        in ``removed`` is no longer in the head. An added file with ``seq=None`` gets the new
        version's number as ``seq``. ``committed_at`` is the log's clock, but always later than
        the parent's. Raises ``InvalidRequestError`` for a path outside the table's root, a
        path already recorded for the table (added or removed), a path in both lists or twice,
        a removed path the table never had, or negative counts.
        """

    @abstractmethod
    def history(self, table: StoreTable | None = None, *, dataset_id: str | None = None) -> list[Version]:
        """Versions of ``table`` and/or versions that changed ``dataset_id`` (at least one is
        required), oldest first by (table, version), expired ones included (``expired_at``
        set). Empty for an unknown table or dataset."""

    @abstractmethod
    def tables(self) -> list[StoreTable]:
        """Every table with at least one version, sorted."""

    @abstractmethod
    def versions_to_keep(self, table: StoreTable, *, retain_since: TimeLike, keep_linked: bool = True) -> set[int]:
        """The unexpired versions vacuum must keep: the head, those committed at or after
        ``retain_since``, and (unless ``keep_linked`` is false) those a backtest is linked to.
        Empty for a table never committed to."""

    @abstractmethod
    def expire_versions(self, table: StoreTable, keep: Collection[int], *, force: bool = False) -> list[int]:
        """Mark every unexpired version not in ``keep`` expired (one transaction) and return
        their numbers, ascending. Raises ``InvalidRequestError`` when ``keep`` lacks the head,
        and ``VersionPinnedError`` (naming version and backtest, nothing expired) when a
        version to expire is linked to a backtest, unless ``force``."""

    @abstractmethod
    def files_unneeded(self, table: StoreTable) -> list[StoredFile]:
        """Files no unexpired version needs (removed, not in any unexpired version) and not yet
        marked deleted: what vacuum may delete from the store, by path."""

    @abstractmethod
    def mark_deleted(self, table: StoreTable, paths: Sequence[str]) -> int:
        """Record that the files at ``paths`` were deleted from the store; return how many were
        newly marked (marking twice is a no-op). Raises ``InvalidRequestError`` for a path the
        table never had or one an unexpired version still needs."""

    @abstractmethod
    def all_file_paths(self, table: StoreTable) -> set[str]:
        """Every path the log has ever recorded for ``table``, deleted ones included: a file in
        the store under the table's root that is not in this set is an orphan."""

    @abstractmethod
    def link_backtest_to_versions(
        self, backtest_id: str, versions: Mapping[StoreTable, int], parameters: BacktestParameters
    ) -> BacktestRun:
        """Record backtest ``backtest_id``'s parameters and the version of each table it read,
        in one transaction, and return the record. Linked versions are kept by vacuum unless
        forced. Raises ``InvalidRequestError`` for an empty id, no versions, or an id already
        recorded; ``UnknownVersionError``/``VersionExpiredError`` for a version that cannot be
        read."""

    @abstractmethod
    def backtest_run(self, backtest_id: str) -> BacktestRun:
        """What replaying ``backtest_id`` needs. Raises ``BacktestNotFoundError``."""
