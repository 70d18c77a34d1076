"""In-memory bar storage: a writer and readers over frames held in a dict."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from datetime import date, datetime
from decimal import Decimal

import polars as pl

from rustybt.domain.errors import UnknownSidError
from rustybt.domain.instants import TimeLike, to_utc
from rustybt.domain.partitions import partition_file_expr
from rustybt.domain.ports.bar_reader import BarReader
from rustybt.domain.ports.bar_writer import BarWriter, PartitionWrite, WriteResult
from rustybt.domain.resolution import Resolution
from rustybt.domain.schemas import storage_schema, time_column
from rustybt.domain.storage_frames import check_fields, check_sids, check_storage_frame, query_span, storage_kind_of


class InMemoryBarReader(BarReader):
    """Reads a storage-schema frame held in memory (or the live store of an ``InMemoryBarWriter``)."""

    def __init__(self, frame: pl.DataFrame | None = None, storage_kind: str = "daily", *, _store: dict[str, pl.DataFrame] | None = None) -> None:
        self._kind = storage_kind
        if _store is None:
            _store = {storage_kind: frame if frame is not None else pl.DataFrame(schema=storage_schema(storage_kind))}
        self._store = _store

    @property
    def storage_kind(self) -> str:
        return self._kind

    @property
    def _frame(self) -> pl.DataFrame:
        return self._store.get(self._kind, pl.DataFrame(schema=storage_schema(self._kind)))

    def _bounds(self, moment: TimeLike) -> date | datetime:
        value = to_utc(moment)
        return value.date() if self._kind == "daily" else value

    def _check_known(self, sids: Sequence[int]) -> None:
        known = set(self._frame.get_column("sid").to_list())
        unknown = [s for s in sids if s not in known]
        if unknown:
            raise UnknownSidError(unknown, "the in-memory store")

    def load_raw_arrays(self, sids: Sequence[int], fields: Sequence[str], start_date: TimeLike, end_date: TimeLike) -> pl.LazyFrame:
        fields = check_fields(fields)
        sids = check_sids(sids)
        span = query_span(start_date, end_date)
        self._check_known(sids)
        t = time_column(self._kind)
        lo = span.start.date() if self._kind == "daily" else span.start
        hi = span.end.date() if self._kind == "daily" else span.end
        return (
            self._frame.lazy()
            .filter(pl.col("sid").is_in(sids) & pl.col(t).is_between(lo, hi))
            .select(t, "sid", *fields)
            .sort(t, "sid")
        )

    def get_last_traded_dt(self, asset_sid: int, dt: TimeLike) -> datetime | None:
        self._check_known([asset_sid])
        t = time_column(self._kind)
        value = self._frame.filter((pl.col("sid") == asset_sid) & (pl.col(t) <= self._bounds(dt))).get_column(t).max()
        return _as_datetime(value)

    def get_value(self, sid: int, dt: TimeLike, field: str) -> Decimal | None:
        (field,) = check_fields([field])
        self._check_known([sid])
        t = time_column(self._kind)
        hit = self._frame.filter((pl.col("sid") == sid) & (pl.col(t) == self._bounds(dt))).get_column(field)
        return hit.item() if hit.len() else None

    def sids(self) -> list[int]:
        return sorted(set(self._frame.get_column("sid").to_list()))

    def first_available_dt(self) -> datetime | None:
        return _as_datetime(self._frame.get_column(time_column(self._kind)).min())

    def last_available_dt(self) -> datetime | None:
        return _as_datetime(self._frame.get_column(time_column(self._kind)).max())


class InMemoryBarWriter(BarWriter):
    """Merges bars into in-memory frames with the same semantics as a file store.

    Partition "files" are the paths a file store would use; their checksum is the SHA-256
    of the partition's rows as CSV.
    """

    def __init__(self, root: str = "memory://bars") -> None:
        self.root = root
        self._store: dict[str, pl.DataFrame] = {}

    def write(self, df: pl.DataFrame | pl.LazyFrame, resolution: Resolution | str) -> WriteResult:
        kind = storage_kind_of(resolution)
        frame = df.collect() if isinstance(df, pl.LazyFrame) else df
        check_storage_frame(frame, kind)
        if frame.is_empty():
            return WriteResult(self.root)
        t = time_column(kind)
        existing = self._store.get(kind, pl.DataFrame(schema=storage_schema(kind)))
        merged = pl.concat([existing.join(frame.select("sid", t), on=["sid", t], how="anti"), frame]).sort(t, "sid")
        file_of = partition_file_expr(kind).alias("__file")
        new_counts = dict(frame.group_by(file_of).len().iter_rows())
        old_counts = dict(existing.group_by(file_of).len().iter_rows())
        writes = []
        for path in sorted(new_counts):
            part = merged.filter(file_of == path).sort("sid", t)
            replaced = new_counts[path] + old_counts.get(path, 0) - part.height
            digest = hashlib.sha256(part.write_csv().encode()).hexdigest()
            writes.append(PartitionWrite(path, new_counts[path] - replaced, replaced, part.height, digest, int(part.estimated_size())))
        self._store[kind] = merged
        return WriteResult(self.root, tuple(writes))

    def reader(self, resolution: Resolution | str, *, recorded_files: Collection[str] = ()) -> InMemoryBarReader:
        """Nothing held in memory goes missing: ``recorded_files`` needs no check here."""
        return InMemoryBarReader(storage_kind=storage_kind_of(resolution), _store=self._store)


def _as_datetime(value: object) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_utc(value)
    if isinstance(value, date):
        return to_utc(value)
    raise TypeError(f"unexpected time value {value!r}")
