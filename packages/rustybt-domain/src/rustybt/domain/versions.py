"""Versions of a store table: what a version is, which table it belongs to, how to name one.

A store table is one bundle's bars of one storage kind (``demo/daily``): the unit that gets
versions, so one head read is one consistent view of a bundle. Datasets stay logical; a
version names the dataset it changed (``None`` for maintenance such as compaction). Version
numbers start at 1 and grow by one per commit; version 0 is the empty table before its first
commit and is never a version of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from rustybt.domain.errors import InvalidRequestError
from rustybt.domain.instants import TimeLike, iso_z, to_utc
from rustybt.domain.partitions import FOLDERS

STORAGE_KINDS = tuple(FOLDERS)  # ("daily", "minute")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_DIGITS = re.compile(r"\d+")
_BUNDLE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def check_bundle_name(bundle: object) -> str:
    """``bundle`` if it is a safe bundle name (1-64 letters, digits, ``_``, ``.`` or ``-``, starting
    with a letter or digit; it names a folder of the store and a store table), else
    ``InvalidRequestError`` saying what is allowed."""
    if not isinstance(bundle, str) or not _BUNDLE_NAME.fullmatch(bundle) or ".." in bundle:
        raise InvalidRequestError(
            f"bundle name {bundle!r} is not allowed: use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit"
        )
    return bundle


class Operation(str, Enum):
    """What a version did to its table."""

    IMPORT = "import"  # a store written before versions, recorded as it was
    INGEST = "ingest"
    MERGE = "merge"
    CORRECT = "correct"
    REMOVE_SYMBOL = "remove_symbol"
    COMPACT = "compact"
    MIGRATE = "migrate"

    @classmethod
    def parse(cls, value: Operation | str) -> Operation:
        """The operation named ``value``; ``InvalidRequestError`` naming the allowed ones otherwise."""
        try:
            return cls(value)
        except ValueError:
            allowed = ", ".join(op.value for op in cls)
            raise InvalidRequestError(f"unknown operation {value!r}; expected one of {allowed}") from None

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, order=True)
class StoreTable:
    """One bundle's bars of one storage kind: ``StoreTable("demo", "daily")``, id ``demo/daily``."""

    bundle: str
    kind: str

    def __post_init__(self) -> None:
        check_bundle_name(self.bundle)
        if self.kind not in STORAGE_KINDS:
            raise InvalidRequestError(f"storage kind must be one of {', '.join(STORAGE_KINDS)}, not {self.kind!r}")

    @classmethod
    def parse(cls, table_id: str | StoreTable) -> StoreTable:
        """The table of an id such as ``demo/daily``; ``InvalidRequestError`` for anything else."""
        if isinstance(table_id, StoreTable):
            return table_id
        bundle, slash, kind = str(table_id).rpartition("/")
        if not slash:
            raise InvalidRequestError(f"a store table id is '<bundle>/daily' or '<bundle>/minute', not {table_id!r}")
        return cls(bundle, kind)

    @property
    def table_id(self) -> str:
        return f"{self.bundle}/{self.kind}"

    @property
    def root_path(self) -> str:
        """Folder of the table's files, relative to the store root: ``bundles/demo/daily_bars``."""
        return f"bundles/{self.bundle}/{FOLDERS[self.kind]}"

    def __str__(self) -> str:
        return self.table_id


@dataclass(frozen=True)
class Version:
    """One committed version of a store table, as the version log records it.

    ``parent`` is the version it was committed on (0 for the first). ``committed_at`` is UTC
    and strictly increases along a table's versions. ``user``/``host`` come from the audit log
    (``None`` where the log keeps none). ``expired_at`` is set once vacuum expired the version.
    """

    table: StoreTable
    version: int
    parent: int
    committed_at: datetime
    operation: Operation
    dataset_id: str | None = None
    rows_added: int = 0
    rows_replaced: int = 0
    rows_removed: int = 0
    files_added: int = 0
    files_removed: int = 0
    user: str | None = None
    host: str | None = None
    expired_at: datetime | None = None


@dataclass(frozen=True)
class AsOf:
    """Which version to read: exactly one of ``version`` (a number) or ``at`` (a UTC time).

    ``AsOf.parse(7)``, ``AsOf.parse("7")`` name version 7; ``AsOf.parse("2024-05-01T12:00Z")``,
    a ``datetime`` or a ``date`` name the last version committed at or before that time (a
    bare date means its start, 00:00 UTC, as everywhere else in RustyBT).
    """

    version: int | None = None
    at: datetime | None = None

    def __post_init__(self) -> None:
        if (self.version is None) == (self.at is None):
            raise InvalidRequestError("as_of names either a version or a time, not both or neither")
        if self.version is not None and (isinstance(self.version, bool) or self.version < 1):
            raise InvalidRequestError(f"a version number is a whole number from 1, not {self.version!r}")

    @classmethod
    def parse(cls, value: AsOf | int | TimeLike) -> AsOf:
        """An ``AsOf`` from a version number (int or digits) or a time; ``InvalidRequestError``
        for a version below 1, ``InvalidDateRangeError`` for text that is neither."""
        if isinstance(value, AsOf):
            return value
        if isinstance(value, bool):
            raise InvalidRequestError(f"as_of must be a version number or a time, not {value!r}")
        if isinstance(value, int):
            return cls(version=value)
        if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
            return cls(version=int(value.strip()))
        if isinstance(value, (str, datetime, date)):
            return cls(at=to_utc(value, name="as_of"))
        raise InvalidRequestError(f"as_of must be a version number or a time, not {type(value).__name__}")

    def __str__(self) -> str:
        if self.version is not None:
            return f"version {self.version}"
        assert self.at is not None
        return iso_z(self.at)
