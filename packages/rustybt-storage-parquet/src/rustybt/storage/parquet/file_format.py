"""How partition files are laid out and decoded (``file_encode`` writes them).

Plain Parquet with decimal logical types, so pyarrow, DuckDB, pandas and polars read the
files without this package. What keeps them small, measured on the synthetic universe
(``benchmarks/bench_storage.py``, README):

* a partition's rows are split by price class (``price_classes``): ``data.parquet`` holds the
  largest class and ``data-s<N>.parquet`` the assets whose prices need up to ``N`` decimals, so
  one sub-dollar asset priced to 4 decimals no longer multiplies every 2-decimal price of the
  partition by 100 (schema_version 3);
* each decimal column of each file in its narrowest exact type (``narrow_decimals``):
  prices with 2–4 decimals as ``DECIMAL(p, 2..4)`` on ``INT32``/``INT64``, whole volumes as
  ``DECIMAL(p, 0)``; the types are recorded in the key-value metadata (``LAYOUT_KEY``) and
  ``read_partition`` widens them back to ``DECIMAL(18, 8)`` / ``DECIMAL(38, 8)`` exactly
  (version-1 files, in the canonical types, and version-2 files, one per partition in
  (time, sid) order, are still read);
* rows ordered by (time, sid), the order every query returns: a partition with one price
  class needs no reordering, and the files of a partition with several merge by one
  monotonic scatter per column (``time_order``). (sid, time) order would make the files
  another ~15% smaller (61 against 72 MB on the synthetic universe) but turns that merge
  into a transposition that costs more than decoding the file;
* ``BYTE_STREAM_SPLIT`` for the narrow decimal columns (ZSTD then sees the near-constant
  high bytes together); a column left in ``DECIMAL(38, 8)`` stays ``PLAIN`` (polars cannot
  decode split 16-byte columns);
* columns declared ``REQUIRED`` (no definition levels), no dictionary pages, min/max
  statistics only for the time and sid columns, ZSTD level 3, row groups of
  ``ROW_GROUP_ROWS`` rows (point lookups decode one; +0.5% size against one per file).

Every file records the write ``generation`` of its partition: after a crash between the
renames of one partition's files, or while a reader races a write, an asset found in two
files of a partition is read from the newer one only (``partition_members``).

Integrity: the key-value metadata records a CRC-32 of everything between the leading magic
and the footer (every page and page header), and every read checks it (point reads check the
CRC-32 of each row group they read, ``ROW_GROUPS_KEY``), plus the column
types the footer declares, so a damaged file raises ``CorruptDataError`` naming the file
instead of returning wrong numbers. (zlib's CRC-32 over the whole region costs a fraction of
pyarrow's per-page verification; pages also carry their standard CRC, ``write_page_checksum``,
which other tools can verify, and which this reader verifies in files that lack the record.)
"""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from rustybt.domain.errors import CorruptDataError, StorageError
from rustybt.domain.partitions import PARTITION_KEYS
from rustybt.domain.schemas import PRICE_FIELDS, SCHEMA_VERSION, time_column
from rustybt.storage.parquet.crc import crc32
from rustybt.storage.parquet.narrow_decimals import is_narrow, widen

COMPRESSION = "zstd"
COMPRESSION_LEVEL = 3
SCHEMA_VERSION_KEY = b"schema_version"
NARROW_SCHEMA_VERSION = 2  # decimal columns in their narrowest exact type (version 1: canonical types)
CLASSED_SCHEMA_VERSION = 3  # rows split into files by price class, with write generations
FILE_SCHEMA_VERSION = max(SCHEMA_VERSION, CLASSED_SCHEMA_VERSION)
LAYOUT_KEY = b"rustybt.decimal_types"
ROW_GROUPS_KEY = b"rustybt.row_groups"  # [start, end, CRC-32] of each row group's bytes
ROW_GROUP_ROWS = 16_384  # about 5 sessions of 3000 assets: +0.5% size, point reads decode 1/4 of a month
STORAGE_KIND_KEY = b"rustybt.storage_kind"
DATA_CRC_KEY = b"rustybt.data_crc32"
GENERATION_KEY = b"rustybt.generation"  # the partition write that produced the file (absent: 0)
PRICE_CLASS_KEY = b"rustybt.price_class"  # the most decimals any price of the file may have
MAGIC = b"PAR1"
THREADED_ROWS = 16_384  # files with fewer rows decode on the calling thread: measured 0.42 against 0.51 ms for 10k rows, 0.18 against 0.27 ms for 180

DECIMAL_FIELDS = (*PRICE_FIELDS, "volume")

_PRICE = pa.decimal128(18, 8)
_VOLUME = pa.decimal128(38, 8)
_TIME = {"daily": pa.date32(), "minute": pa.timestamp("us", tz="UTC")}


def arrow_schema(kind: str) -> pa.Schema:
    """The canonical Arrow schema of the bars of ``kind`` (every column required): what the
    readers return, and the schema to give a multi-file reader (``pyarrow.dataset``,
    ``polars.scan_parquet``) so it widens each file's narrow decimals to one type."""
    fields = [
        pa.field(time_column(kind), _TIME[kind], nullable=False),
        pa.field("sid", pa.int64(), nullable=False),
        *(pa.field(name, _PRICE, nullable=False) for name in PRICE_FIELDS),
        pa.field("volume", _VOLUME, nullable=False),
    ]
    metadata = {SCHEMA_VERSION_KEY: str(FILE_SCHEMA_VERSION).encode(), STORAGE_KIND_KEY: kind.encode()}
    return pa.schema(fields, metadata=metadata)


def hive_dataset_schema(kind: str) -> pa.Schema:
    """``arrow_schema(kind)`` plus the hive partition keys (``year``, ``month``[, ``day``] as
    int32): ``pyarrow.dataset.dataset(folder, partitioning="hive", schema=...)`` then reads
    every file of a store in one type, exactly."""
    keys = [pa.field(name, pa.int32()) for name in PARTITION_KEYS[kind]]
    return pa.schema([*arrow_schema(kind), *keys])


COLUMN_TYPES: dict[str, pa.DataType] = {
    "date": _TIME["daily"],
    "timestamp": _TIME["minute"],
    "sid": pa.int64(),
    **{name: _PRICE for name in PRICE_FIELDS},
    "volume": _VOLUME,
}


def read_partition(path: Path, columns: Sequence[str] | None = None, *, canonical: bool = True) -> pa.Table:
    """Read ``columns`` of one partition file, verifying every page checksum and the column
    types (a damaged footer can change a logical type without breaking the file).

    Decimal columns come back in the canonical storage types (``DECIMAL(18, 8)`` prices,
    ``DECIMAL(38, 8)`` volume), widened exactly from the narrow types of a version-2 file;
    with ``canonical=False`` they keep the type stored in the file (any scale ≤ 8).

    Raises ``CorruptDataError`` (naming the file) when the file is damaged or is not Parquet,
    and ``StorageError`` when it cannot be opened at all.
    """
    return read_partition_meta(path, columns, canonical=canonical)[0]


def read_partition_meta(path: Path, columns: Sequence[str] | None = None, *, canonical: bool = True) -> tuple[pa.Table, dict[bytes, bytes]]:
    """``read_partition`` and the file's key-value metadata."""
    raw_table, metadata = _read(path, columns)
    return checked_table(path, raw_table, metadata, columns, canonical=canonical), metadata


def price_class_of(path: Path, metadata: dict[bytes, bytes]) -> int | None:
    """The price class a file records (``None`` for files of older layouts)."""
    raw = metadata.get(PRICE_CLASS_KEY)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError as err:
        raise CorruptDataError(f"damaged partition file {path}: unreadable {PRICE_CLASS_KEY.decode()} {raw!r}", path=str(path)) from err


def in_writer_order(metadata: dict[bytes, bytes]) -> bool:
    """True when a file's metadata promises rows in (time, sid) order: every layout from
    version 2 on is written so (version-1 files and files of other writers are checked)."""
    try:
        return int(metadata.get(SCHEMA_VERSION_KEY, b"1")) >= NARROW_SCHEMA_VERSION and LAYOUT_KEY in metadata
    except ValueError:
        return False


def generation_of(path: Path, metadata: dict[bytes, bytes]) -> int:
    """The write generation a file records (0 for files of older layouts)."""
    raw = metadata.get(GENERATION_KEY)
    if raw is None:
        return 0
    try:
        return int(raw)
    except ValueError as err:
        raise CorruptDataError(f"damaged partition file {path}: unreadable {GENERATION_KEY.decode()} {raw!r}", path=str(path)) from err


def checked_table(path: Path, raw_table: pa.Table, metadata: dict[bytes, bytes], columns: Sequence[str] | None, *, canonical: bool) -> pa.Table:
    """``raw_table`` read from ``path`` after checking its column names and types against the
    storage types and the types its footer records; decimals widened when ``canonical``.
    The verdict depends only on the schema, the version and type records and the columns
    asked, so it is remembered for them (files of one store share a few schemas)."""
    table = raw_table.replace_schema_metadata(None)
    key = (table.schema, metadata.get(SCHEMA_VERSION_KEY), metadata.get(LAYOUT_KEY), None if columns is None else tuple(columns))
    problem = _VERDICTS.get(key, _UNSEEN)
    if problem is _UNSEEN:
        problem = _schema_problem(path, table.schema, metadata, columns)
        if len(_VERDICTS) >= 512:
            _VERDICTS.clear()
        _VERDICTS[key] = problem
    if problem is not None:
        raise CorruptDataError(f"damaged partition file {path}: {problem}", path=str(path))
    for name in table.column_names:  # every storage column is required: a null is no bar value
        if name in COLUMN_TYPES and table.column(name).null_count:
            raise CorruptDataError(f"damaged partition file {path}: column {name!r} holds {table.column(name).null_count} null value(s)", path=str(path))
    return to_canonical(table) if canonical else table


_UNSEEN = object()
_VERDICTS: dict[tuple[object, ...], object] = {}  # what _schema_problem said of a schema


def _schema_problem(path: Path, schema: pa.Schema, metadata: dict[bytes, bytes], columns: Sequence[str] | None) -> str | None:
    """What is wrong with the column names and types of a file's ``schema`` (``None``: nothing)."""
    try:
        recorded = _recorded_types(path, metadata)
    except CorruptDataError as err:
        return str(err).removeprefix(f"damaged partition file {path}: ")
    for field in schema:
        expected = COLUMN_TYPES.get(field.name)
        if expected is None:
            continue
        if field.name in DECIMAL_FIELDS and recorded is not None:
            if str(field.type) != recorded.get(field.name) or not (field.type == expected or is_narrow(field.type)):
                return f"column {field.name!r} is {field.type}, its footer records {recorded.get(field.name)}"
        elif field.type != expected:
            return f"column {field.name!r} is {field.type}, expected {expected}"
    if columns is not None and schema.names != list(columns):
        return f"columns {schema.names}, expected {list(columns)}"
    return None


def to_canonical(table: pa.Table) -> pa.Table:
    """A table read with ``canonical=False`` with its decimal columns widened to the storage
    types (exact)."""
    for i, field in enumerate(table.schema):
        expected = COLUMN_TYPES.get(field.name)
        if field.name in DECIMAL_FIELDS and expected is not None and field.type != expected:
            table = table.set_column(i, pa.field(field.name, expected, nullable=False), widen(table.column(i), expected))
    return table


def _recorded_types(path: Path, metadata: dict[bytes, bytes]) -> dict[str, str] | None:
    """The decimal column types a version-2 file records (``None`` for a version-1 file)."""
    try:
        version = int(metadata.get(SCHEMA_VERSION_KEY, b"1"))
    except ValueError as err:
        raise CorruptDataError(f"damaged partition file {path}: unreadable schema_version {metadata.get(SCHEMA_VERSION_KEY)!r}", path=str(path)) from err
    if version < NARROW_SCHEMA_VERSION:
        return None
    try:
        types = json.loads(metadata[LAYOUT_KEY])
    except (KeyError, ValueError) as err:
        raise CorruptDataError(f"damaged partition file {path}: schema_version {version} without a readable {LAYOUT_KEY.decode()} record", path=str(path)) from err
    if not isinstance(types, dict):
        raise CorruptDataError(f"damaged partition file {path}: {LAYOUT_KEY.decode()} is not a mapping", path=str(path))
    return {str(k): str(v) for k, v in types.items()}


def _read(path: Path, columns: Sequence[str] | None) -> tuple[pa.Table, dict[bytes, bytes]]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as err:
        raise StorageError(f"partition file {path} disappeared while reading: {err}") from err
    except OSError as err:
        raise StorageError(f"cannot read partition file {path}: {err}") from err
    wanted = list(columns) if columns is not None else None
    try:
        footer = footer_start(raw)
        source = pa.BufferReader(raw)
        parquet = pq.ParquetFile(source)
        metadata = dict(parquet.metadata.metadata or {})
        recorded = metadata.get(DATA_CRC_KEY)
        if recorded is None:  # not written here: rely on the pages' own checksums, if any
            return pq.ParquetFile(pa.BufferReader(raw), page_checksum_verification=True).read(columns=wanted), metadata
        if int(recorded) != crc32(memoryview(raw)[len(MAGIC) : footer]):
            raise CorruptDataError(f"damaged partition file {path}: its pages do not match the CRC-32 recorded in its footer", path=str(path))
        return parquet.read(columns=wanted, use_threads=parquet.metadata.num_rows >= THREADED_ROWS), metadata
    except CorruptDataError:
        raise
    except (pa.ArrowException, OSError, ValueError, KeyError) as err:
        raise CorruptDataError(f"damaged partition file {path}: {err}", path=str(path)) from err


def footer_start(raw: bytes) -> int:
    """Offset of the Thrift footer; ``ValueError`` if ``raw`` does not end like Parquet."""
    if len(raw) < 12 or raw[:4] != MAGIC or raw[-4:] != MAGIC:
        raise ValueError("Parquet magic bytes not found: truncated or not a Parquet file")
    length = int(struct.unpack("<I", raw[-8:-4])[0])
    start = len(raw) - 8 - length
    if start < len(MAGIC):
        raise ValueError(f"footer length {length} does not fit in a file of {len(raw)} bytes")
    return start


def read_partition_frame(path: Path, columns: Sequence[str] | None = None) -> pl.DataFrame:
    """``read_partition`` as a polars frame in the storage dtypes."""
    frame = pl.from_arrow(read_partition(path, columns))
    assert isinstance(frame, pl.DataFrame)
    return frame


def schema_version(path: Path) -> int | None:
    """The ``schema_version`` recorded in a partition file's key-value metadata."""
    try:
        metadata = pq.read_metadata(path).metadata or {}
    except (pa.ArrowException, OSError) as err:
        raise CorruptDataError(f"damaged partition file {path}: {err}", path=str(path)) from err
    raw = metadata.get(SCHEMA_VERSION_KEY)
    return int(raw) if raw is not None else None
