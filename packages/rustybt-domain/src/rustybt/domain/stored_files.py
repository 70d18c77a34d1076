"""The files of a versioned store table, and a snapshot: the files one version consists of.

A data file is immutable once committed and is named by its path relative to the store root
(a local folder or an S3 prefix), so a store can move. Within one partition, where two files
hold the same (sid, time), the file with the higher ``seq`` wins; ``seq`` is the version that
added the file, except for compaction output, which keeps the highest ``seq`` of its inputs.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from rustybt.domain.errors import InvalidRequestError
from rustybt.domain.instants import to_utc
from rustybt.domain.versions import CONTROL_CHARACTERS, StoreTable

SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def check_relative_path(path: object, *, what: str = "path") -> str:
    """``path`` if it is a clean path relative to a store root (``a/b/c.parquet``: no leading
    slash, no scheme, no backslash, no empty, ``.`` or ``..`` segment), else ``InvalidRequestError``."""
    if not isinstance(path, str) or not path:
        raise InvalidRequestError(f"{what} must be non-empty text, not {path!r}")
    parts = path.split("/")
    if path.startswith("/") or "\\" in path or ":" in parts[0] or CONTROL_CHARACTERS.search(path):
        raise InvalidRequestError(f"{what} {path!r} must be relative to the store root (a/b/file)")
    if any(part in ("", ".", "..") for part in parts):
        raise InvalidRequestError(f"{what} {path!r} has an empty, '.' or '..' segment")
    return path


@dataclass(frozen=True)
class StoredFile:
    """One immutable data file of a store table.

    ``partition`` is opaque text (``year=2024/month=05``) that readers select on. ``seq=None``
    in a commit means "the new version's number" (what every append wants, and what lets a
    retried commit reuse its files unchanged). ``min_time``/``max_time`` and
    ``min_sid``/``max_sid`` bound the rows. ``added_in``/``removed_in`` are filled in by the
    version log when it lists files; a commit ignores them.
    """

    path: str
    partition: str
    rows: int
    size_bytes: int
    sha256: str
    min_time: datetime
    max_time: datetime
    min_sid: int
    max_sid: int
    seq: int | None = None
    added_in: int | None = field(default=None, compare=False)
    removed_in: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        check_relative_path(self.path, what="a stored file's path")
        if not isinstance(self.partition, str) or CONTROL_CHARACTERS.search(self.partition):
            raise InvalidRequestError(f"partition of {self.path} must be text, not {self.partition!r}")
        for name in ("rows", "size_bytes", "min_sid", "max_sid"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidRequestError(f"{name} of {self.path} must be an integer, not {value!r}")
        if self.rows < 0 or self.size_bytes < 0:
            raise InvalidRequestError(f"rows and size_bytes of {self.path} must not be negative")
        if not isinstance(self.sha256, str) or not SHA256_HEX.fullmatch(self.sha256):
            raise InvalidRequestError(f"sha256 of {self.path} must be 64 lowercase hex digits, not {self.sha256!r}")
        object.__setattr__(self, "min_time", to_utc(self.min_time, name="min_time"))
        object.__setattr__(self, "max_time", to_utc(self.max_time, name="max_time"))
        if self.min_time > self.max_time or self.min_sid > self.max_sid:
            raise InvalidRequestError(f"{self.path}: min_time/min_sid must not exceed max_time/max_sid")
        if self.seq is not None and (isinstance(self.seq, bool) or not isinstance(self.seq, int) or self.seq < 0):
            raise InvalidRequestError(f"seq of {self.path} must be a whole number or None, not {self.seq!r}")

    def live_in(self, version: int) -> bool:
        """True when the file belongs to ``version`` (needs ``added_in``, as listed by a log)."""
        return (
            self.added_in is not None
            and self.added_in <= version
            and (self.removed_in is None or self.removed_in > version)
        )


@dataclass(frozen=True)
class Snapshot:
    """The files of one version of a store table, ordered by (partition, seq, path).

    ``version`` 0 with no files is the table before its first commit.
    """

    table: StoreTable
    version: int
    committed_at: datetime | None
    files: tuple[StoredFile, ...] = ()

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(f.path for f in self.files)

    @property
    def rows(self) -> int:
        """Rows stored in the files (overlapping rows counted once per file)."""
        return sum(f.rows for f in self.files)

    @property
    def size_bytes(self) -> int:
        return sum(f.size_bytes for f in self.files)

    @property
    def partitions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.partition for f in self.files))

    def select(
        self,
        partitions: Collection[str] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> tuple[StoredFile, ...]:
        """Files in ``partitions`` (all when ``None``) whose [min_time, max_time] meets
        [start, end] (either end open when ``None``), in snapshot order."""
        lo = to_utc(start) if start is not None else None
        hi = to_utc(end) if end is not None else None
        wanted = set(partitions) if partitions is not None else None
        return tuple(
            f
            for f in self.files
            if (wanted is None or f.partition in wanted)
            and (lo is None or f.max_time >= lo)
            and (hi is None or f.min_time <= hi)
        )
