"""Encoding one partition file: rows in (time, sid) order, decimals narrowed, CRCs recorded.

The layout and its reasons are described in ``file_format``; this module only writes it.
"""

from __future__ import annotations

import io
import json

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from rustybt.domain.errors import StorageError
from rustybt.domain.schemas import time_column
from rustybt.storage.parquet.crc import crc32
from rustybt.storage.parquet.file_format import (
    COMPRESSION,
    COMPRESSION_LEVEL,
    DATA_CRC_KEY,
    DECIMAL_FIELDS,
    GENERATION_KEY,
    LAYOUT_KEY,
    MAGIC,
    PRICE_CLASS_KEY,
    ROW_GROUP_ROWS,
    ROW_GROUPS_KEY,
    arrow_schema,
    footer_start,
)
from rustybt.storage.parquet.narrow_decimals import CANONICAL_SCALE, is_narrow, narrow


def encode_partition(
    frame: pl.DataFrame | pa.Table,
    kind: str,
    row_group_rows: int = ROW_GROUP_ROWS,
    *,
    price_class: int = CANONICAL_SCALE,
    generation: int = 0,
    presorted: bool = False,
) -> bytes:
    """The Parquet bytes of one partition file; ``frame`` (polars or Arrow) is in the storage schema, any row
    order (``presorted``: already in (time, sid) order); rows go in row groups of
    ``row_group_rows``. ``price_class`` (the most decimals a price of the file has) and
    ``generation`` (the partition write) are recorded in the key-value metadata."""
    t = time_column(kind)
    if isinstance(frame, pl.DataFrame):
        frame = (frame if presorted else frame.sort(t, "sid")).to_arrow()
    elif not presorted:
        frame = frame.sort_by([(t, "ascending"), ("sid", "ascending")])
    canonical = frame.cast(arrow_schema(kind))
    table, types = _narrowed(canonical)
    sink = io.BytesIO()
    with pq.ParquetWriter(
        sink,
        table.schema,
        compression=COMPRESSION,
        compression_level=COMPRESSION_LEVEL,
        store_decimal_as_integer=True,
        use_dictionary=False,
        write_statistics=[time_column(kind), "sid"],
        column_encoding={name: "BYTE_STREAM_SPLIT" if is_narrow(table.schema.field(name).type) else "PLAIN" for name in DECIMAL_FIELDS},
        write_page_checksum=True,
        store_schema=False,
    ) as writer:
        groups: list[tuple[int, int, int]] = []
        for first in range(0, max(table.num_rows, 1), row_group_rows):
            start = sink.tell()
            rows = table.slice(first, row_group_rows)
            writer.write_table(rows, row_group_size=max(rows.num_rows, 1))
            with sink.getbuffer() as view, view[start:] as written:
                groups.append((start, sink.tell(), crc32(written)))
        with sink.getbuffer() as view, view[len(MAGIC) :] as pages:  # every row group is complete: only the footer is left
            pages_crc, pages_end = crc32(pages), len(view)
        metadata = {key.decode(): value.decode() for key, value in (table.schema.metadata or {}).items()}
        metadata[DATA_CRC_KEY.decode()] = str(pages_crc)
        metadata[ROW_GROUPS_KEY.decode()] = json.dumps(groups, separators=(",", ":"))
        metadata[LAYOUT_KEY.decode()] = json.dumps(types, separators=(",", ":"))
        metadata[GENERATION_KEY.decode()] = str(generation)
        metadata[PRICE_CLASS_KEY.decode()] = str(price_class)
        writer.add_key_value_metadata(metadata)
    data = sink.getvalue()
    if footer_start(data) != pages_end or crc32(memoryview(data)[len(MAGIC) : pages_end]) != pages_crc:
        raise StorageError("the Parquet writer changed data pages after the row group was written")
    return data


def _narrowed(table: pa.Table) -> tuple[pa.Table, dict[str, str]]:
    """``table`` with each decimal column in its narrowest exact type, and those types."""
    columns = {name: narrow(table.column(name)) if name in DECIMAL_FIELDS else table.column(name) for name in table.column_names}
    schema = pa.schema([pa.field(name, column.type, nullable=False) for name, column in columns.items()], metadata=table.schema.metadata)
    types = {name: str(columns[name].type) for name in DECIMAL_FIELDS}
    return pa.table(list(columns.values()), schema=schema), types
