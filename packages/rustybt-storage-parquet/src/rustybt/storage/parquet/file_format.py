"""How one partition file is encoded and decoded.

Plain Parquet with the storage schemas' logical types (``DATE``, ``TIMESTAMP(us, UTC)``,
``DECIMAL(18, 8)``, ``DECIMAL(38, 8)``), so pyarrow, DuckDB, pandas and polars read the files
without this package. What keeps them small, measured on 3000 assets × 2520 sessions
(``benchmarks/bench_storage.py``):

* rows ordered by (time, sid), the order every query returns: reads need no sort, and a
  month of a full universe is a (sessions × sids) block that converts to arrays by reshaping.
  (sid, time) order makes files ~8% smaller but costs a sort of every row read, more than
  the whole read itself;
* ``DECIMAL(18, 8)`` stored as ``INT64`` (``store_decimal_as_integer``), not 16-byte arrays;
* ``BYTE_STREAM_SPLIT`` for the four prices (ZSTD then sees the near-constant high bytes
  together); volume, ``DECIMAL(38, 8)``, stays ``PLAIN`` because polars cannot decode split
  16-byte columns;
* columns declared ``REQUIRED`` (no definition levels), no dictionary pages, min/max
  statistics only for the time and sid columns (price statistics cost ~10% of a small
  partition and prune nothing), one row group per file, ZSTD level 3.

Integrity: the key-value metadata records a CRC-32 of everything between the leading magic
and the footer (every page and page header), and every read checks it, plus the column
types the footer declares, so a damaged file raises ``CorruptDataError`` naming the file
instead of returning wrong numbers. (zlib's CRC-32 over the whole region costs a fraction of
pyarrow's per-page verification; pages also carry their standard CRC, ``write_page_checksum``,
which other tools can verify, and which this reader verifies in files that lack the record.)
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from rustybt.domain.errors import CorruptDataError, StorageError
from rustybt.domain.schemas import PRICE_FIELDS, SCHEMA_VERSION, time_column

COMPRESSION = "zstd"
COMPRESSION_LEVEL = 3
SCHEMA_VERSION_KEY = b"schema_version"
STORAGE_KIND_KEY = b"rustybt.storage_kind"
DATA_CRC_KEY = b"rustybt.data_crc32"
MAGIC = b"PAR1"

_PRICE = pa.decimal128(18, 8)
_VOLUME = pa.decimal128(38, 8)
_TIME = {"daily": pa.date32(), "minute": pa.timestamp("us", tz="UTC")}


def arrow_schema(kind: str) -> pa.Schema:
    """The Arrow schema of a partition file of ``kind`` (every column required)."""
    fields = [
        pa.field(time_column(kind), _TIME[kind], nullable=False),
        pa.field("sid", pa.int64(), nullable=False),
        *(pa.field(name, _PRICE, nullable=False) for name in PRICE_FIELDS),
        pa.field("volume", _VOLUME, nullable=False),
    ]
    metadata = {SCHEMA_VERSION_KEY: str(SCHEMA_VERSION).encode(), STORAGE_KIND_KEY: kind.encode()}
    return pa.schema(fields, metadata=metadata)


def encode_partition(frame: pl.DataFrame, kind: str) -> bytes:
    """The Parquet bytes of one partition; ``frame`` is in the storage schema, any row order."""
    ordered = frame.sort(time_column(kind), "sid")
    table = ordered.to_arrow().cast(arrow_schema(kind))
    sink = io.BytesIO()
    with pq.ParquetWriter(
        sink,
        table.schema,
        compression=COMPRESSION,
        compression_level=COMPRESSION_LEVEL,
        store_decimal_as_integer=True,
        use_dictionary=False,
        write_statistics=[time_column(kind), "sid"],
        column_encoding={name: "BYTE_STREAM_SPLIT" for name in PRICE_FIELDS},
        write_page_checksum=True,
        store_schema=False,
    ) as writer:
        writer.write_table(table, row_group_size=max(table.num_rows, 1))
        pages = sink.getvalue()[len(MAGIC) :]  # the row group is complete: only the footer is left
        metadata = {key.decode(): value.decode() for key, value in (table.schema.metadata or {}).items()}
        metadata[DATA_CRC_KEY.decode()] = str(zlib.crc32(pages))
        writer.add_key_value_metadata(metadata)
    data = sink.getvalue()
    if data[len(MAGIC) : len(MAGIC) + len(pages)] != pages or _footer_start(data) != len(MAGIC) + len(pages):
        raise StorageError("the Parquet writer changed data pages after the row group was written")
    return data


_COLUMN_TYPES: dict[str, pa.DataType] = {
    "date": _TIME["daily"],
    "timestamp": _TIME["minute"],
    "sid": pa.int64(),
    **{name: _PRICE for name in PRICE_FIELDS},
    "volume": _VOLUME,
}


def read_partition(path: Path, columns: Sequence[str] | None = None) -> pa.Table:
    """Read ``columns`` of one partition file, verifying every page checksum and the column
    types (a damaged footer can change a logical type without breaking the file).

    Raises ``CorruptDataError`` (naming the file) when the file is damaged or is not Parquet,
    and ``StorageError`` when it cannot be opened at all.
    """
    table = _read(path, columns).replace_schema_metadata(None)  # read with schema_version()
    for field in table.schema:
        expected = _COLUMN_TYPES.get(field.name)
        if expected is not None and field.type != expected:
            raise CorruptDataError(f"damaged partition file {path}: column {field.name!r} is {field.type}, expected {expected}", path=str(path))
    if columns is not None and table.column_names != list(columns):
        raise CorruptDataError(f"damaged partition file {path}: columns {table.column_names}, expected {list(columns)}", path=str(path))
    return table


def _read(path: Path, columns: Sequence[str] | None) -> pa.Table:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as err:
        raise StorageError(f"partition file {path} disappeared while reading: {err}") from err
    except OSError as err:
        raise StorageError(f"cannot read partition file {path}: {err}") from err
    wanted = list(columns) if columns is not None else None
    try:
        footer = _footer_start(raw)
        source = pa.BufferReader(raw)
        parquet = pq.ParquetFile(source)
        recorded = (parquet.metadata.metadata or {}).get(DATA_CRC_KEY)
        if recorded is None:  # not written here: rely on the pages' own checksums, if any
            return pq.ParquetFile(pa.BufferReader(raw), page_checksum_verification=True).read(columns=wanted)
        if int(recorded) != zlib.crc32(memoryview(raw)[len(MAGIC) : footer]):
            raise CorruptDataError(f"damaged partition file {path}: its pages do not match the CRC-32 recorded in its footer", path=str(path))
        return parquet.read(columns=wanted)
    except CorruptDataError:
        raise
    except (pa.ArrowException, OSError, ValueError, KeyError) as err:
        raise CorruptDataError(f"damaged partition file {path}: {err}", path=str(path)) from err


def _footer_start(raw: bytes) -> int:
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
