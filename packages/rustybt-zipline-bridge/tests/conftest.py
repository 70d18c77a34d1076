"""Fixtures: storage frames built from plain rows, the real zipline example bundle, its migration."""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from rustybt.domain.fakes import InMemoryBarWriter, InMemoryCatalog
from rustybt.domain.schemas import PRICE_FIELDS, storage_schema
from rustybt.zipline_bridge import BundleData, HDF5ToParquetMigrator

Row = tuple[Any, int, str, str, str, str, str]


def _shared_data() -> Path:
    env = os.environ.get("RUSTYBT_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[3] / ".." / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return _shared_data()


@pytest.fixture(scope="session")
def example_data(shared_data: Path) -> Path:
    path = shared_data / "zipline-example-data" / "example_data"
    if not path.is_dir():
        pytest.fail(f"the zipline example bundle is missing at {path}")
    return path


@pytest.fixture
def bars_frame() -> Callable[[Sequence[Row], str], pl.DataFrame]:
    """Rows (time, sid, open, high, low, close, volume) with text prices, as a storage frame."""

    def build(rows: Sequence[Row], kind: str = "daily") -> pl.DataFrame:
        schema = storage_schema(kind)
        names = list(schema)
        frame = pl.DataFrame([list(r) for r in rows], schema=names, orient="row")
        casts = [pl.col(f).cast(pl.String).cast(schema[f]) for f in (*PRICE_FIELDS, "volume")]
        t = names[0]
        time_cast = (
            pl.col(t).cast(schema[t])
            if kind == "daily"
            else pl.col(t).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
        )
        return frame.with_columns(time_cast, pl.col("sid").cast(pl.Int64), *casts).sort("sid", t)

    return build


@dataclass
class MigratedBundle:
    """The example bundle migrated into in-memory ports."""

    root: Path
    source: Path
    output: Path
    writer: InMemoryBarWriter
    catalog: InMemoryCatalog
    result: dict[str, Any]
    bundle: BundleData


@pytest.fixture(scope="session")
def migrated_example(example_data: Path, tmp_path_factory: pytest.TempPathFactory) -> MigratedBundle:
    base = tmp_path_factory.mktemp("example")
    shutil.copytree(example_data / "root", base / "root")
    writer, catalog = InMemoryBarWriter(), InMemoryCatalog()
    source = base / "root" / "data" / "test"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        result = HDF5ToParquetMigrator(
            source, base / "parquet", writer=writer, catalog=catalog, progress=False
        ).migrate()
    bundle = BundleData.open(base / "parquet", daily=writer.reader("1d"), catalog=catalog)
    return MigratedBundle(base / "root", source, base / "parquet", writer, catalog, result, bundle)
