"""The rules every version log applies alike: checking a commit, and the one-line errors.

Implementations of ``VersionLog`` check arguments with ``CommitRequest.check`` before any
transaction and build their errors here, so every backend says the same thing.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rustybt.domain.backtest_runs import BacktestParameters
from rustybt.domain.errors import (
    AsOfBeforeFirstVersionError,
    BacktestNotFoundError,
    CommitConflictError,
    InvalidRequestError,
    UnknownVersionError,
    VersionExpiredError,
    VersionPinnedError,
)
from rustybt.domain.instants import iso_z
from rustybt.domain.stored_files import StoredFile, check_relative_path
from rustybt.domain.versions import Operation, StoreTable

_MICROSECOND = timedelta(microseconds=1)


def _count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidRequestError(f"{name} must be a whole number >= 0, not {value!r}")
    return value


@dataclass(frozen=True)
class CommitRequest:
    """A commit's arguments, checked (``check``) without touching any store."""

    table: StoreTable
    base: int
    added: tuple[StoredFile, ...]
    removed: tuple[str, ...]
    operation: Operation
    dataset_id: str | None
    rows_added: int
    rows_replaced: int
    rows_removed: int

    @classmethod
    def check(
        cls,
        table: StoreTable,
        base_version: int,
        added: Sequence[StoredFile],
        removed: Sequence[str],
        operation: Operation | str,
        dataset_id: str | None,
        rows_added: int,
        rows_replaced: int,
        rows_removed: int,
    ) -> CommitRequest:
        """Raises ``InvalidRequestError`` naming the first problem."""
        if not isinstance(table, StoreTable):
            raise InvalidRequestError(f"table must be a StoreTable, not {table!r}")
        _count(base_version, "base_version")
        if dataset_id is not None and (not isinstance(dataset_id, str) or not dataset_id.strip()):
            raise InvalidRequestError(f"dataset_id must be non-empty text or None, not {dataset_id!r}")
        files = tuple(added)
        gone = tuple(check_relative_path(p, what="a removed path") for p in removed)
        root = table.root_path + "/"
        for f in files:
            if not isinstance(f, StoredFile):
                raise InvalidRequestError(f"added files must be StoredFile values, not {f!r}")
            if not f.path.startswith(root):
                raise InvalidRequestError(f"file {f.path} is outside table {table}'s folder {table.root_path}")
        paths = [f.path for f in files] + list(gone)
        if len(set(paths)) != len(paths):
            twice = sorted({p for p in paths if paths.count(p) > 1})
            raise InvalidRequestError(f"a commit names each file once; named twice: {', '.join(twice)}")
        return cls(
            table, base_version, files, gone, Operation.parse(operation), dataset_id,
            _count(rows_added, "rows_added"), _count(rows_replaced, "rows_replaced"), _count(rows_removed, "rows_removed"),
        )  # fmt: skip

    @property
    def version(self) -> int:
        return self.base + 1

    def seq_of(self, f: StoredFile) -> int:
        return f.seq if f.seq is not None else self.version


def commit_time(now: datetime, parent_at: datetime | None) -> datetime:
    """``now``, or one microsecond after the parent's time if the clock is not past it."""
    return now if parent_at is None or now > parent_at else parent_at + _MICROSECOND


def head_moved(table: StoreTable, base: int, head: int) -> CommitConflictError:
    return CommitConflictError(
        f"commit conflict on {table}: base version {base} is no longer the head (now {head}); retry on the new head",
        table=table.table_id, base=base, head=head,
    )  # fmt: skip


def files_gone(table: StoreTable, base: int, paths: Collection[str]) -> CommitConflictError:
    names = sorted(paths)
    return CommitConflictError(
        f"commit conflict on {table}: file(s) no longer in version {base}: {', '.join(names)}",
        table=table.table_id, base=base, head=base, files=names,
    )  # fmt: skip


def unknown_files(table: StoreTable, paths: Collection[str], what: str) -> InvalidRequestError:
    return InvalidRequestError(f"table {table} {what}: {', '.join(sorted(paths))}")


def unknown_version(table: StoreTable, version: int, head: int) -> UnknownVersionError:
    newest = f"its newest is {head}" if head else "it has no version yet"
    return UnknownVersionError(f"table {table} has no version {version} ({newest})")


def expired_version(table: StoreTable, version: int, at: datetime) -> VersionExpiredError:
    return VersionExpiredError(f"version {version} of {table} expired on {iso_z(at)} (vacuum); its files may be gone")


def before_first(table: StoreTable, at: datetime, first: datetime | None) -> AsOfBeforeFirstVersionError:
    since = f"its first version was committed at {iso_z(first)}" if first else "it has no version yet"
    return AsOfBeforeFirstVersionError(f"as_of {iso_z(at)} is before the first version of {table} ({since})")


def pinned(table: StoreTable, version: int, backtest_id: str) -> VersionPinnedError:
    return VersionPinnedError(
        f"version {version} of {table} is linked to backtest {backtest_id!r}; keep it, or force to expire it anyway"
    )


def check_keep(table: StoreTable, keep: Collection[int], head: int) -> set[int]:
    kept = set(keep)
    if head and head not in kept:
        raise InvalidRequestError(f"expiring versions of {table} must keep its head, version {head}")
    return kept


def check_link(backtest_id: object, versions: Mapping[StoreTable, int], parameters: object) -> dict[StoreTable, int]:
    """The pins of a backtest link, checked: ``InvalidRequestError`` naming the problem."""
    if not isinstance(backtest_id, str) or not backtest_id.strip():
        raise InvalidRequestError(f"backtest_id must be non-empty text, not {backtest_id!r}")
    if not isinstance(parameters, BacktestParameters):
        raise InvalidRequestError(
            f"parameters must be BacktestParameters (use BacktestParameters.of), not {parameters!r}"
        )
    if not versions:
        raise InvalidRequestError(f"backtest {backtest_id!r} must be linked to at least one table version")
    pins = dict(versions)
    for table, number in pins.items():
        if not isinstance(table, StoreTable):
            raise InvalidRequestError(f"versions are keyed by StoreTable, not {table!r}")
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise InvalidRequestError(f"the version of {table} must be a whole number from 1, not {number!r}")
    return pins


def already_linked(backtest_id: str) -> InvalidRequestError:
    return InvalidRequestError(f"backtest {backtest_id!r} is already recorded")


def no_backtest(backtest_id: str) -> BacktestNotFoundError:
    return BacktestNotFoundError(f"no backtest run recorded with id {backtest_id!r}")
