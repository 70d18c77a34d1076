"""CSV → Parquet ingest throughput against the floor of polars reading the same CSV alone.

    python benchmarks/bench_ingest.py           # 10 million rows (about 1-2 minutes)
    python benchmarks/bench_ingest.py --quick   # 1 million rows, 3 rounds, with the per-stage breakdown
    python benchmarks/bench_ingest.py --breakdown   # 10 million rows, with the breakdown
    python benchmarks/bench_ingest.py --quick --lean  # also LEAN minute day files (shared data)

A long CSV (symbol, date, OHLCV with 2-decimal prices) is generated in a temp folder. The
ingest is the whole workflow of ``CSVAdapter.ingest``: lazy CSV scan, exact Decimal conversion,
validation, sid assignment, partitioned ZSTD-3 Parquet write with checksums, catalog
registration (in-memory catalog). When ``rustybt.storage.parquet.ParquetWriter`` is not
installed the Parquet files are written by a small polars writer defined here (said in the output).
Prints rows/s of both and their ratio (target ≥ 0.5), and the same workflow with a writer that
only counts rows (everything but the Parquet write), so the writer's share is visible, and a
bound: polars alone reading the CSV into the storage decimals and writing one ZSTD-3 file, with
no check, partition, checksum or catalog (what no exact ingest can beat). Floor, bound and
ingests run in interleaved rounds (the best of each kept), so load from other processes weighs
on all of them alike. The breakdown also times the same file read with its numbers as text and
converted value by value, the path taken when a file's numbers cannot be parsed directly.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
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


def polars_read_write(csv: Path, out: Path) -> None:
    """The least any exact ingest must do: the CSV read straight into the storage decimals
    (polars rounds silently past the scale, so this is not a safe ingest) and one ZSTD-3 file."""
    prices = {name: pl.Decimal(18, 8) for name in ("open", "high", "low", "close")}
    frame = pl.read_csv(csv, schema_overrides={**prices, "volume": pl.Decimal(38, 8), "date": pl.Date})
    frame.write_parquet(out, compression="zstd", compression_level=3)


def best(run: Callable[[], object], repeat: int) -> float:
    return best_both(run, repeat)[0]


def best_both(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    """The least wall-clock seconds and the least CPU seconds (all threads) of ``repeat`` runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def breakdown(csv: Path, names: list[str], out: Path, repeat: int) -> dict[str, tuple[float, float]]:
    """The workflow's stages timed one by one (best of ``repeat``), to show where the time goes."""
    adapter = CSVAdapter(csv, name="bench", schema_mapping={"date_column": "date", "symbol_column": "symbol"})
    span = DateRange.of("1990-01-01", "2030-12-31")
    as_text = CSVAdapter(csv, name="bench", schema_mapping={"date_column": "date", "symbol_column": "symbol"})
    as_text.reader = dataclasses.replace(as_text.reader, direct_numbers=False)
    raw = asyncio.run(adapter.fetch_raw(names, span, Resolution.D1))
    exact = to_decimal_columns(raw).frame.select(STANDARD_OHLCV_SCHEMA.names())
    stored = adapter.standardize(exact.cast(STANDARD_OHLCV_SCHEMA), catalog=InMemoryCatalog(), resolution="1d")

    def write() -> None:
        shutil.rmtree(out, ignore_errors=True)
        make_writer(out)[0].write(stored, "1d")

    stages: dict[str, Callable[[], object]] = {
        "CSV read (fetch_raw, numbers parsed directly)": lambda: asyncio.run(adapter.fetch_raw(names, span, Resolution.D1)),
        "  same, numbers as text + exact conversion": lambda: to_decimal_columns(
            asyncio.run(as_text.fetch_raw(names, span, Resolution.D1))
        ),
        "validation rules": lambda: validate_bars(exact, ValidationConfig()),
        "Parquet write": write,
    }
    return {label: best_both(run, repeat) for label, run in stages.items()}


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
    parser.add_argument("--repeat", type=int, default=None, help="rounds of floor and ingest, interleaved (best kept)")
    args = parser.parse_args()
    rows = 1_000_000 if args.quick else 10_000_000
    symbols = 400 if args.quick else 2000
    repeat = args.repeat or (3 if args.quick else 1)
    workdir = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        csv = workdir / "bars.csv"
        names = generate(csv, rows, symbols)
        size_mb = csv.stat().st_size / 1e6
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

        def polars_alone() -> None:
            polars_read_write(csv, workdir / "polars.parquet")

        # Interleaved rounds, so that load from other processes weighs on all of them alike.
        rounds = [
            (best_both(lambda: pl.read_csv(csv), 2), best_both(ingest, 1), best_both(ingest_counting, 1), best_both(polars_alone, 1))
            for _ in range(repeat)
        ]
        floor, took, without_write, bound = ((min(r[i][0] for r in rounds), min(r[i][1] for r in rounds)) for i in range(4))
        stages = breakdown(csv, names, workdir / "stages", repeat) if args.quick or args.breakdown else {}
        print(f"rows: {rows:,} ({symbols} symbols), CSV {size_mb:.0f} MB; writer: {writer_name}; best of {repeat} round(s)")
        print("CPU seconds add up every thread: their ratio shows the work done, whatever else runs on the machine")
        print(f"{'step':<60}{'seconds':>9}{'rows/s':>13}{'floor/step':>11}{'CPU s':>8}{'CPU floor/step':>16}")
        lines = [
            ("polars read_csv alone (floor)", floor),
            ("CSVAdapter ingest -> Parquet", took),
            ("same workflow, counting writer (no Parquet)", without_write),
            ("bound: polars exact-decimal read + write_parquet, no checks", bound),
            *((f"  stage alone: {label}", seconds) for label, seconds in stages.items()),
        ]
        for label, (wall, cpu) in lines:
            print(f"{label:<60}{wall:>9.3f}{rows / wall:>13,.0f}{floor[0] / wall:>11.2f}{cpu:>8.3f}{floor[1] / max(cpu, 1e-9):>16.2f}")
        share = max(took[0] - without_write[0], 0.0) / took[0]
        print(
            f"ratio ingest / floor rows/s: {floor[0] / took[0]:.2f} (target >= 0.5); without the Parquet write: "
            f"{floor[0] / without_write[0]:.2f}; the write is {share:.0%} of the ingest "
            f"(CPU: {floor[1] / took[1]:.2f} and {floor[1] / without_write[1]:.2f}); polars alone reading the CSV "
            f"into the storage decimals and writing one ZSTD-3 file, with no check, partition or checksum: {floor[0] / bound[0]:.2f}"
        )
        if args.lean:
            lean_minutes(repeat)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
