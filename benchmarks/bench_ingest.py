"""CSV → Parquet ingest throughput against the floor of polars reading the same CSV alone.

    python benchmarks/bench_ingest.py           # 10 million rows (about 2-3 minutes)
    python benchmarks/bench_ingest.py --quick   # 1 million rows, with the per-stage breakdown
    python benchmarks/bench_ingest.py --breakdown   # 10 million rows, with the breakdown
    python benchmarks/bench_ingest.py --quick --lean  # also LEAN minute day files (shared data)

A long CSV (symbol, date, OHLCV with 2-decimal prices) is generated in a temp folder. The
ingest is the whole workflow of ``CSVAdapter.ingest``: lazy CSV scan, exact Decimal conversion,
validation, sid assignment, partitioned ZSTD-3 Parquet write with checksums, catalog
registration (in-memory catalog). When ``rustybt.storage.parquet.ParquetWriter`` is not
installed the Parquet files are written by a small polars writer defined here (said in the output).
Prints rows/s of both and their ratio (target ≥ 0.5), and the same workflow with a writer that
only counts rows (everything but the Parquet write), so the writer's share is visible.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
from rustybt.adapters import CSVAdapter
from rustybt.domain.date_range import DateRange
from rustybt.domain.decimals import to_decimal_columns
from rustybt.domain.fakes import InMemoryCatalog
from rustybt.domain.ports.bar_reader import BarReader
from rustybt.domain.ports.bar_writer import BarWriter, PartitionWrite, WriteResult
from rustybt.domain.resolution import Resolution
from rustybt.domain.schemas import STANDARD_OHLCV_SCHEMA
from rustybt.domain.validation import ValidationConfig, validate_bars


class PolarsPartitionWriter(BarWriter):
    """Daily bars to ``year=/month=`` Parquet files (ZSTD 3) with polars, for this benchmark only."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, df: pl.DataFrame | pl.LazyFrame, resolution: Resolution | str) -> WriteResult:
        frame = df.collect() if isinstance(df, pl.LazyFrame) else df
        keyed = frame.with_columns(pl.col("date").dt.year().alias("year"), pl.col("date").dt.month().alias("month"))
        parts = []
        for (year, month), part in keyed.group_by("year", "month"):
            rel = f"daily_bars/year={year}/month={month:02d}/data.parquet"
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            part.drop("year", "month").write_parquet(path, compression="zstd", compression_level=3)
            data = path.read_bytes()
            parts.append(PartitionWrite(rel, part.height, 0, part.height, hashlib.sha256(data).hexdigest(), len(data)))
        return WriteResult(str(self.root), tuple(parts))

    def reader(self, resolution: Resolution | str) -> BarReader:
        raise NotImplementedError("the benchmark writer does not read")


class CountingWriter(BarWriter):
    """Accepts bars and keeps nothing: the workflow's cost without any Parquet write."""

    def write(self, df: pl.DataFrame | pl.LazyFrame, resolution: Resolution | str) -> WriteResult:
        frame = df.collect() if isinstance(df, pl.LazyFrame) else df
        return WriteResult(
            "memory", (PartitionWrite("all", frame.height, 0, frame.height, hashlib.sha256().hexdigest(), 0),)
        )

    def reader(self, resolution: Resolution | str) -> BarReader:
        raise NotImplementedError("the counting writer keeps nothing to read")


def make_writer(root: Path) -> tuple[BarWriter, str]:
    try:
        from rustybt.storage.parquet import ParquetWriter  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return PolarsPartitionWriter(root), "polars write_parquet (ParquetWriter not installed)"
    return ParquetWriter(root), "rustybt.storage.parquet.ParquetWriter"


def generate(path: Path, rows: int, symbols: int, seed: int = 7) -> list[str]:
    days = rows // symbols
    rng = np.random.default_rng(seed)
    names = [f"S{i:05d}" for i in range(symbols)]
    dates = pl.date_range(pl.date(1990, 1, 1), pl.date(1990, 1, 1) + pl.duration(days=days - 1), "1d", eager=True)
    cents = 10_000 + np.cumsum(rng.integers(-50, 51, size=(symbols, days)), axis=1)
    cents = np.abs(cents) + 100
    close = cents.ravel()
    open_ = close - rng.integers(-20, 21, size=close.size)
    high = np.maximum(open_, close) + rng.integers(0, 30, size=close.size)
    low = np.minimum(open_, close) - rng.integers(0, 30, size=close.size)
    frame = pl.DataFrame(
        {
            "symbol": np.repeat(names, days),
            "date": pl.concat([dates] * symbols),
            "open": open_ / 100,
            "high": high / 100,
            "low": low / 100,
            "close": close / 100,
            "volume": rng.integers(1_000, 5_000_000, size=close.size),
        }
    )
    frame.write_csv(path, float_precision=2)
    return names


def best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def breakdown(csv: Path, names: list[str], out: Path) -> dict[str, float]:
    """The workflow's stages timed one by one (each once), to show where the time goes."""
    adapter = CSVAdapter(csv, name="bench", schema_mapping={"date_column": "date", "symbol_column": "symbol"})
    span = DateRange.of("1990-01-01", "2030-12-31")
    timings: dict[str, float] = {}
    started = time.perf_counter()
    raw = asyncio.run(adapter.fetch_raw(names, span, Resolution.D1))
    timings["CSV read (fetch_raw)"] = time.perf_counter() - started
    started = time.perf_counter()
    exact = to_decimal_columns(raw).frame.select(STANDARD_OHLCV_SCHEMA.names()).cast(STANDARD_OHLCV_SCHEMA)
    timings["exact Decimal conversion"] = time.perf_counter() - started
    started = time.perf_counter()
    validate_bars(exact, ValidationConfig())
    timings["validation rules"] = time.perf_counter() - started
    stored = adapter.standardize(exact, catalog=InMemoryCatalog(), resolution="1d")
    writer, _ = make_writer(out)
    started = time.perf_counter()
    writer.write(stored, "1d")
    timings["Parquet write"] = time.perf_counter() - started
    return timings


def lean_minutes(repeat: int) -> None:
    """LEAN's coinbase minute day files (3 days) through the whole workflow into Parquet."""
    root = Path(os.environ.get("RUSTYBT_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))
    folder = root / "lean" / "Data" / "crypto" / "coinbase" / "minute"
    if not folder.is_dir():
        print(f"LEAN data not found at {folder}")
        return
    columns = ["time", "open", "high", "low", "close", "volume"]
    mapping = {"date_column": "time", **{f"{c}_column": c for c in columns[1:]}}
    workdir = Path(tempfile.mkdtemp(prefix="bench-lean-"))
    try:

        def ingest() -> int:
            out = workdir / "store"
            shutil.rmtree(out, ignore_errors=True)
            writer, _ = make_writer(out)
            adapter = CSVAdapter(
                folder,
                name="lean",
                has_header=False,
                column_names=columns,
                schema_mapping=mapping,
                date_format="epoch_ms",
                date_from_filename="%Y%m%d",
                file_pattern="{symbol}/*_trade.zip",
                resolution="1m",
                asset_type="cryptocurrency",
            )
            return adapter.ingest_sync(
                ["btcusd"], "2018-04-01", "2018-04-30", "1m", InMemoryCatalog(), writer
            ).rows_written

        rows = ingest()
        took = best(ingest, repeat)
        print(f"{'LEAN coinbase btcusd, 3 day files → Parquet':<46}{took:>10.3f}{rows / took:>14,.0f}  ({rows:,} rows)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="1 million rows instead of 10 million")
    parser.add_argument("--breakdown", action="store_true", help="also time each stage alone (always with --quick)")
    parser.add_argument("--lean", action="store_true", help="also ingest LEAN's minute day files from the shared data")
    args = parser.parse_args()
    rows = 1_000_000 if args.quick else 10_000_000
    symbols = 400 if args.quick else 2000
    workdir = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        csv = workdir / "bars.csv"
        names = generate(csv, rows, symbols)
        size_mb = csv.stat().st_size / 1e6
        floor = best(lambda: pl.read_csv(csv), 2)
        writer_name = ""

        def ingest() -> None:
            nonlocal writer_name
            out = workdir / "store"
            shutil.rmtree(out, ignore_errors=True)
            writer, writer_name = make_writer(out)
            adapter = CSVAdapter(csv, name="bench", schema_mapping={"date_column": "date", "symbol_column": "symbol"})
            summary = adapter.ingest_sync(names, "1990-01-01", "2030-12-31", "1d", InMemoryCatalog(), writer)
            assert summary.rows_written == rows, summary.rows_written

        def ingest_counting() -> None:
            adapter = CSVAdapter(csv, name="bench", schema_mapping={"date_column": "date", "symbol_column": "symbol"})
            summary = adapter.ingest_sync(names, "1990-01-01", "2030-12-31", "1d", InMemoryCatalog(), CountingWriter())
            assert summary.rows_written == rows, summary.rows_written

        repeat = 1 if not args.quick else 2
        took = best(ingest, repeat)
        without_write = best(ingest_counting, repeat)
        stages = breakdown(csv, names, workdir / "stages") if args.quick or args.breakdown else {}
        print(f"rows: {rows:,} ({symbols} symbols), CSV {size_mb:.0f} MB; writer: {writer_name}")
        print(f"{'step':<46}{'seconds':>10}{'rows/s':>14}{'floor/step':>12}")
        print(f"{'polars read_csv alone (floor)':<46}{floor:>10.2f}{rows / floor:>14,.0f}{1:>12.2f}")
        print(f"{'CSVAdapter ingest → Parquet':<46}{took:>10.2f}{rows / took:>14,.0f}{floor / took:>12.2f}")
        print(
            f"{'same workflow, counting writer (no Parquet)':<46}{without_write:>10.2f}{rows / without_write:>14,.0f}{floor / without_write:>12.2f}"
        )
        for label, seconds in stages.items():
            print(f"{'  stage alone: ' + label:<46}{seconds:>10.2f}{rows / seconds:>14,.0f}{floor / seconds:>12.2f}")
        print(
            f"ratio ingest / floor rows/s: {floor / took:.2f} (target >= 0.5); without the Parquet write: {floor / without_write:.2f}"
        )
        if args.lean:
            lean_minutes(repeat)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
