"""Reading the rows of one time from a partition file: only the row groups that can hold it.

Files are written in row groups of ``ROW_GROUP_ROWS`` rows, with min/max statistics on the
time and sid columns and the byte range and CRC-32 of each row group recorded in the footer.
A point lookup reads the footer, keeps the row groups whose time and sid ranges hold the
bar, verifies the CRC of just those bytes (and the standard page checksums) and decodes
only the columns asked for, so it costs a fraction of reading the whole file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from rustybt.domain.errors import CorruptDataError, StorageError
from rustybt.storage.parquet.crc import crc32
from rustybt.storage.parquet.file_format import (
    ROW_GROUPS_KEY,
    checked_table,
    footer_start,
    generation_of,
    in_writer_order,
    read_partition,
)

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class PointFile:
    """One partition file opened for point lookups: its bytes, footer, write generation and
    the time and sid ranges of each row group. Files without a row-group record (older layouts, other writers) are
    treated as one group and read whole."""

    def __init__(self, path: Path, time_name: str) -> None:
        self.path = path
        try:
            self._raw = path.read_bytes()
        except FileNotFoundError as err:
            raise StorageError(f"partition file {path} disappeared while reading: {err}") from err
        except OSError as err:
            raise StorageError(f"cannot read partition file {path}: {err}") from err
        try:
            self._end = footer_start(self._raw)
            self._file = pq.ParquetFile(pa.BufferReader(self._raw), page_checksum_verification=True)
            meta = self._file.metadata
            self._metadata = dict(meta.metadata or {})
            record = self._metadata.get(ROW_GROUPS_KEY)
            self._groups = json.loads(record) if record is not None else None
            if self._groups is not None and (not isinstance(self._groups, list) or len(self._groups) != meta.num_row_groups):
                raise CorruptDataError(f"damaged partition file {path}: {ROW_GROUPS_KEY.decode()} does not match its {meta.num_row_groups} row groups", path=str(path))
            column = meta.schema.names.index(time_name)
            sid_column = meta.schema.names.index("sid")
            self._spans = [_span(meta.row_group(i).column(column).statistics) for i in range(meta.num_row_groups)]
            self._sid_spans = [_span(meta.row_group(i).column(sid_column).statistics) for i in range(meta.num_row_groups)]
            self.generation = generation_of(path, self._metadata)
        except CorruptDataError:
            raise
        except (pa.ArrowException, OSError, ValueError, KeyError, TypeError) as err:
            raise CorruptDataError(f"damaged partition file {path}: {err}", path=str(path)) from err

    def groups_for(self, stamp: int, sid: int) -> tuple[int, ...]:
        """Row groups whose statistics can hold the bar of ``sid`` at ``stamp`` (days or µs
        since the epoch)."""
        if self._groups is None:
            return (-1,)
        return tuple(
            i for i, ((lo, hi), (first, last)) in enumerate(zip(self._spans, self._sid_spans, strict=True)) if lo <= stamp <= hi and first <= sid <= last
        )

    def groups_between(self, lo: int, hi: int) -> tuple[int, ...]:
        """Row groups whose time statistics overlap [``lo``, ``hi``] (days or µs since the
        epoch), in file order."""
        if self._groups is None:
            return (-1,)
        return tuple(i for i, (first, last) in enumerate(self._spans) if first <= hi and lo <= last)

    @property
    def in_writer_order(self) -> bool:
        """The file's layout promises rows in (time, sid) order (``file_format.in_writer_order``)."""
        return in_writer_order(self._metadata)

    def read(self, groups: tuple[int, ...], columns: Sequence[str], *, canonical: bool = True) -> pa.Table:
        """``columns`` of ``groups`` (from ``groups_for`` or ``groups_between``), verified,
        decimals canonical (or, with ``canonical=False``, in the file's own types)."""
        if groups == (-1,):
            return read_partition(self.path, columns, canonical=canonical)
        path = self.path
        try:
            view = memoryview(self._raw)
            for i in groups:
                start, stop, crc = (int(x) for x in self._groups[i])  # type: ignore[index]
                if not 4 <= start < stop <= self._end or crc32(view[start:stop]) != crc:
                    raise CorruptDataError(f"damaged partition file {path}: row group {i} does not match the CRC-32 recorded in its footer", path=str(path))
                _check_within(path, self._file.metadata.row_group(i), start, stop)
            if groups:
                table = self._file.read_row_groups(list(groups), columns=list(columns))
            else:
                table = self._file.schema_arrow.empty_table().select(list(columns))
        except CorruptDataError:
            raise
        except (pa.ArrowException, OSError, ValueError, KeyError, TypeError) as err:
            raise CorruptDataError(f"damaged partition file {path}: {err}", path=str(path)) from err
        return checked_table(path, table, self._metadata, columns, canonical=canonical)


def _span(stats: pq.Statistics | None) -> tuple[int, int]:
    if stats is None or not stats.has_min_max:
        return (-(1 << 62), 1 << 62)
    return _physical(stats.min), _physical(stats.max)


def _physical(value: object) -> int:
    """A time statistic (date, datetime, or int) as days or µs since the epoch."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
        delta = moment - EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if isinstance(value, date):
        return (value - EPOCH.date()).days
    if isinstance(value, int):
        return value
    raise TypeError(f"unexpected time statistic {value!r}")


def _check_within(path: Path, group: pq.RowGroupMetaData, start: int, stop: int) -> None:
    """Every column chunk of ``group`` lies inside its verified byte range."""
    for j in range(group.num_columns):
        chunk = group.column(j)
        first = chunk.dictionary_page_offset if chunk.has_dictionary_page else chunk.data_page_offset
        if not (start <= first and first + chunk.total_compressed_size <= stop):
            raise CorruptDataError(f"damaged partition file {path}: column chunk {chunk.path_in_schema} lies outside its row group's verified bytes", path=str(path))
