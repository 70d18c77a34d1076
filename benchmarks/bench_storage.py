"""Parquet bar storage against zipline's formats and against a bare pyarrow read, in one run.

    python benchmarks/bench_storage.py           # 3000 assets × 2520 sessions, 500 × 20 minute sessions
    python benchmarks/bench_storage.py --quick   # 300 × 252 and 50 × 2, seconds

Prints sizes (ParquetWriter vs zipline's BcolzDailyBarWriter and HDF5DailyBarWriter output of
the same data, and a float64 Parquet copy), the entropy bound of the data, the write time
against polars ``write_parquet`` of the same frame to one file, read times as ratios to the
floor (a bare ``pyarrow.parquet`` read of the same partition files, no conversion), and the
minute → daily aggregation of 1000 assets × 390 minutes. Times are medians.

The entropy bound: a Parquet column is encoded on its own, so the best any per-column
encoding can do is about the entropy of each value given what the encoder can exploit (at
best the asset's previous bar). The bench measures it on the data itself: the empirical
entropy of each price's change from the same asset's previous bar, in ticks, and of the
volumes (plug-in estimates, slightly low for the volume's wide support). On the full
synthetic universe (measured: open 9.3, high 8.9, low 8.9, close 9.2, volume 19.4 bits) it
comes to ~7 bytes a row, 47.7 MB, 0.67 × zipline's HDF5 file of the same bars (71.2 MB):
0.5 × HDF5 cannot be reached by files that other readers decode to exact decimals, only by
modelling across columns (e.g. high as a delta from close), which plain Parquet cannot
express. ParquetWriter stores about 12.6 bytes a row by default (one file per partition) and
10.4 with ``price_class_files=True``, which the bench also measures: ~20% smaller, but each read
of a partition with several classes merges its files back into (time, sid) order, which costs
as much memory traffic as the decode (see ``ParquetWriter``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic
from pairing import paired, timed
from zipline_files import float_frames, write_bcolz_daily, write_hdf5

from rustybt.domain.partitions import partition_file_expr
from rustybt.storage.parquet import (
    ParquetWriter,
    PolarsParquetDailyReader,
    PolarsParquetMinuteReader,
    aggregate,
    aggregate_store,
)
from rustybt.storage.parquet.layout import partition_files as partition_heads
from rustybt.storage.parquet.partition_members import members

FIELDS = ["open", "high", "low", "close", "volume"]
ROWS: list[tuple[str, str, str, str]] = []


def partition_files(base: Path, kind: str, first: object, last: object) -> list[Path]:
    """Every file of the partitions between ``first`` and ``last``: ``data.parquet`` and its
    price-class siblings."""
    return [member for head in partition_heads(base, kind, first, last) for member in members(head)]


def median_time(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm: page cache, file summaries
    return statistics.median(timed(fn) for _ in range(repeat))


def bare_read(files: list[Path], columns: list[str]) -> Callable[[], object]:
    """The floor: ``pyarrow.parquet.read_table`` of each file, no conversion, no checks
    (faster here than one dataset read of the file list)."""
    return lambda: [pq.read_table(f, columns=columns) for f in files]


def tree_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def row(what: str, value: str, ratio: str, note: str = "") -> None:
    ROWS.append((what, value, ratio, note))
    print(f"  {what:<52} {value:>12} {ratio:>10}  {note}", flush=True)


def zipline_sizes(reader: PolarsParquetDailyReader, work: Path, bcolz_dir: Path | None = None) -> tuple[int, int, Path]:
    """Sizes of zipline's bcolz and HDF5 daily files of the bars in ``reader`` (``bcolz_dir``:
    an existing bcolz table of the same bars, measured instead of written)."""
    frames = float_frames(reader)
    h5 = work / "daily.h5"
    write_hdf5(h5, frames)
    if bcolz_dir is None:
        bcolz_dir = work / "daily.bcolz"
        write_bcolz_daily(bcolz_dir, frames)
    return tree_size(bcolz_dir), tree_size(h5), h5


def entropy_bits(values: np.ndarray) -> float:
    """Plug-in entropy, in bits, of the distribution of ``values`` (integers)."""
    _, counts = np.unique(values, return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())


def entropy_bound(daily: pl.DataFrame) -> tuple[float, dict[str, float]]:
    """Bytes a row needs at least with per-column coding, and each column's bits: a price's
    change (in its asset's ticks) from the same asset's previous bar, the volume itself."""
    import pyarrow as pa

    by_asset = daily.sort("sid", "date")
    ids = by_asset.get_column("sid").to_numpy()
    same = np.r_[False, ids[1:] == ids[:-1]]
    bits: dict[str, float] = {}
    for name in FIELDS:
        column = by_asset.get_column(name).to_arrow()
        chunk = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        units = np.frombuffer(chunk.buffers()[1], dtype=np.int64).reshape(-1, 2)[:, 0]
        if name == "volume":
            bits[name] = entropy_bits(units)
            continue
        tick = np.where(units % 10**6 == 0, 10**6, 10**4)  # the synthetic prices have 2 or 4 decimals
        ticks = units // tick
        bits[name] = entropy_bits(np.where(same, ticks - np.r_[0, ticks[:-1]], ticks)[same])
    return sum(bits.values()) / 8, bits


def float_parquet_size(daily: pl.DataFrame, work: Path) -> int:
    total = 0
    keyed = daily.with_columns(*(pl.col(f).cast(pl.Float64) for f in FIELDS), partition_file_expr("daily").alias("__file"))
    for (name,), part in keyed.partition_by("__file", as_dict=True, include_key=False).items():
        target = work / "float64" / str(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        part.sort("sid", "date").write_parquet(target, compression="zstd", compression_level=3)
        total += target.stat().st_size
    return total


def real_bundle() -> tuple[pl.DataFrame, Path] | None:
    """zipline's example bundle (24,646 real daily bars) in the storage schema, if present."""
    import bcolz
    import pyarrow as pa

    root = Path(os.environ.get("RUSTYBT_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))
    found = sorted((root / "zipline-example-data" / "example_data" / "root" / "data" / "test").glob("*/daily_equities.bcolz"))
    if not found:
        return None
    raw = bcolz.ctable(rootdir=str(found[0]), mode="r").todataframe()
    columns = {
        "date": pa.array(raw["day"].to_numpy().astype(np.int64).astype("datetime64[s]").astype("datetime64[D]"), pa.date32()),
        "sid": pa.array(raw["id"].to_numpy().astype(np.int64)),
    }
    for name in ("open", "high", "low", "close"):
        columns[name] = synthetic.decimal_column(raw[name].to_numpy().astype(np.int64) * 10**5, synthetic.PRICE_TYPE)
    columns["volume"] = synthetic.decimal_column(raw["volume"].to_numpy().astype(np.int64) * 10**8, synthetic.VOLUME_TYPE)
    return pl.from_arrow(pa.table(columns)).sort("date", "sid"), found[0]  # type: ignore[union-attr]


def bench_real(work: Path) -> None:
    found = real_bundle()
    if found is None:
        print("\nreal zipline example bundle not found; skipped")
        return
    bars, bcolz_table = found
    print(f"\nreal data: zipline example bundle, {bars.height:,} daily bars of 9 equities (2004-2014)", flush=True)
    folder = work / "real"
    folder.mkdir()
    ParquetWriter(folder / "bundle").write(bars, "1d")
    ours = tree_size(folder / "bundle" / "daily_bars")
    bcolz, hdf5, _ = zipline_sizes(PolarsParquetDailyReader(folder / "bundle" / "daily_bars"), folder, bcolz_table)
    row("ParquetWriter (Decimal, ZSTD 3)", f"{ours / 1e3:.0f} KB", "1.00")
    row("zipline HDF5DailyBarWriter", f"{hdf5 / 1e3:.0f} KB", f"{ours / hdf5:.2f}x", "ours / HDF5")
    row("zipline bcolz table of the bundle itself", f"{bcolz / 1e3:.0f} KB", f"{ours / bcolz:.2f}x", "ours / bcolz")


def bench_daily(n_assets: int, n_sessions: int, repeat: int, work: Path) -> None:
    print(f"\ndaily: {n_assets} assets × {n_sessions} sessions (20% listed later)", flush=True)
    daily = synthetic.daily_universe(n_assets, n_sessions, 0.2, seed=7)
    print(f"  {daily.height:,} rows", flush=True)
    bundle = work / "bundle"
    write_rounds: list[tuple[float, float]] = []
    for n in range(max(1, repeat // 2)):
        target = bundle if n == 0 else work / f"again{n}"
        single = work / f"single{n}.parquet"
        write_rounds.append((
            timed(lambda s=single: daily.write_parquet(s, compression="zstd", compression_level=3)),
            timed(lambda t=target: ParquetWriter(t).write(daily, "1d")),
        ))
        single.unlink()
        if n:
            shutil.rmtree(target)
    polars_s = statistics.median(a for a, _ in write_rounds)
    write_s = statistics.median(b for _, b in write_rounds)
    write_ratio = statistics.median(b / a for a, b in write_rounds)
    ours = tree_size(bundle / "daily_bars")
    classed_dir = work / "classed"
    ParquetWriter(classed_dir, price_class_files=True).write(daily, "1d")
    classed = tree_size(classed_dir / "daily_bars")
    bound, bits = entropy_bound(daily)
    bcolz, hdf5, h5_path = zipline_sizes(PolarsParquetDailyReader(bundle / "daily_bars"), work)
    flt = float_parquet_size(daily, work)
    print("size on disk")
    row("ParquetWriter (Decimal, ZSTD 3)", f"{ours / 1e6:.1f} MB", "1.00")
    row("zipline HDF5DailyBarWriter (uint32 ×1000, lzf)", f"{hdf5 / 1e6:.1f} MB", f"{ours / hdf5:.2f}x", "ours / HDF5 (target ≤ 0.5)")
    row("ParquetWriter(price_class_files=True)", f"{classed / 1e6:.1f} MB", f"{classed / hdf5:.2f}x", "split by price class / HDF5 (reads below)")
    row("zipline BcolzDailyBarWriter (uint32 ×1000)", f"{bcolz / 1e6:.1f} MB", f"{ours / bcolz:.2f}x", "ours / bcolz")
    row("float64 Parquet copy (ZSTD 3, sid order)", f"{flt / 1e6:.1f} MB", f"{ours / flt:.2f}x", "ours / float64")
    row("entropy bound of per-column coding", f"{bound * daily.height / 1e6:.1f} MB", f"{bound * daily.height / hdf5:.2f}x", "bound / HDF5; " + ", ".join(f"{k} {v:.1f}" for k, v in bits.items()) + " bits")
    row("ParquetWriter, bytes per row", f"{ours / daily.height:.2f} B", f"{ours / (bound * daily.height):.2f}x", "ours / bound")
    print("write (median; ratio = median of per-round ratios)")
    row("polars write_parquet of the frame, one file (floor)", f"{polars_s:.2f} s", "1.00")
    row("ParquetWriter.write, whole universe", f"{write_s:.2f} s", f"{write_ratio:.2f}x", "partitions, classes, checksums, fsync")

    reader = PolarsParquetDailyReader(bundle / "daily_bars")
    dates = daily.get_column("date").unique().sort()
    all_sids = reader.sids()
    queries = {
        "full range × all sids": (all_sids, dates[0], dates[-1]),
        "last 252 sessions × all sids": (all_sids, dates[max(len(dates) - 252, 0)], dates[-1]),
        "last 30 sessions × 500 sids": (all_sids[:500], dates[max(len(dates) - 30, 0)], dates[-1]),
    }
    import pandas as pd
    from zipline.data.hdf5_daily_bars import HDF5DailyBarReader

    h5_reader = HDF5DailyBarReader.from_path(str(h5_path), "US")
    print("reads (median; ratio = median of per-round ratios to the bare pyarrow read of the same files)")
    columns = ["date", "sid", *FIELDS]
    for label, (sids, lo, hi) in queries.items():
        rounds = max(3, repeat // 2) if label.startswith("full") else repeat
        floor = bare_read(partition_files(reader.parquet_dir, "daily", lo, hi), columns)
        raw_read = lambda s=sids, a=lo, b=hi: reader.load_raw_arrays(s, FIELDS, a, b).collect()  # noqa: E731
        float_read = lambda s=sids, a=lo, b=hi: reader.load_float_arrays(s, FIELDS, a, b)  # noqa: E731
        h5_read = lambda s=sids, a=lo, b=hi: h5_reader.load_raw_arrays(FIELDS, pd.Timestamp(a), pd.Timestamp(b), np.asarray(s))  # noqa: E731
        base, raw, raw_ratio = paired(floor, raw_read, rounds)
        _, flo, flo_ratio = paired(floor, float_read, rounds)
        _, h5t, h5_ratio = paired(floor, h5_read, rounds)
        row(f"{label}: bare pyarrow read (floor)", f"{base * 1e3:.1f} ms", "1.00")
        row(f"{label}: load_raw_arrays().collect()", f"{raw * 1e3:.1f} ms", f"{raw_ratio:.2f}x", "target ≤ 1.5")
        row(f"{label}: load_float_arrays (float64 arrays)", f"{flo * 1e3:.1f} ms", f"{flo_ratio:.2f}x", "Decimal → float64 + scatter")
        row(f"{label}: zipline HDF5 reader, same arrays", f"{h5t * 1e3:.1f} ms", f"{h5_ratio:.2f}x", "reference")
    classed_reader = PolarsParquetDailyReader(classed_dir / "daily_bars")
    for label, (sids, lo, hi) in queries.items():
        if label.startswith("full"):
            continue
        floor = bare_read(partition_files(classed_reader.parquet_dir, "daily", lo, hi), columns)
        _, raw, raw_ratio = paired(floor, lambda s=sids, a=lo, b=hi: classed_reader.load_raw_arrays(s, FIELDS, a, b).collect(), repeat)
        row(f"{label}, price-class files: load_raw_arrays().collect()", f"{raw * 1e3:.1f} ms", f"{raw_ratio:.2f}x", "vs the bare read of those files")
    sid, when = all_sids[len(all_sids) // 2], dates[-5]
    floor = bare_read(partition_files(reader.parquet_dir, "daily", when, when), ["date", "sid", "close"])
    base, one, ratio = paired(floor, lambda: PolarsParquetDailyReader(reader.parquet_dir).get_value(sid, when, "close"), repeat * 3)
    row("get_value: bare pyarrow read of its file (floor)", f"{base * 1e3:.2f} ms", "1.00")
    row("get_value(sid, dt, 'close'), new reader each call", f"{one * 1e3:.2f} ms", f"{ratio:.2f}x", "target ≤ 1.5")
    others = all_sids[:200]
    started = time.perf_counter()
    for other in others:
        reader.get_value(other, when, "close")
    each = (time.perf_counter() - started) / len(others)
    row("get_value, then 200 more sids of the same day", f"{each * 1e6:.0f} µs", f"{each / base:.2f}x", "each; its partition stays decoded")


def bench_minute(n_assets: int, n_sessions: int, agg_assets: int, repeat: int, work: Path) -> None:
    print(f"\nminute: {n_assets} assets × {n_sessions} sessions × 390 minutes", flush=True)
    minute = synthetic.minute_universe(n_assets, n_sessions, seed=11)
    bundle = work / "minute_bundle"
    started = time.perf_counter()
    ParquetWriter(bundle).write(minute, "1m")
    row("ParquetWriter.write, minute universe", f"{time.perf_counter() - started:.2f} s", "", f"{tree_size(bundle / 'minute_bars') / 1e6:.1f} MB")
    reader = PolarsParquetMinuteReader(bundle / "minute_bars")
    day = minute.get_column("timestamp").max().date()
    floor = bare_read(partition_files(reader.parquet_dir, "minute", day, day), ["timestamp", "sid", *FIELDS])
    sids = reader.sids()
    base, raw, ratio = paired(floor, lambda: reader.load_raw_arrays(sids, FIELDS, day, day).collect(), repeat)
    row("one session × all sids: bare pyarrow read (floor)", f"{base * 1e3:.1f} ms", "1.00")
    row("one session × all sids: load_raw_arrays().collect()", f"{raw * 1e3:.1f} ms", f"{ratio:.2f}x", "target ≤ 1.5")

    print(f"minute → daily aggregation, {agg_assets} assets × 390 minutes")
    session = synthetic.one_session_minutes(agg_assets, seed=5)
    memory = median_time(lambda: aggregate(session, "1d").collect(), repeat * 3)
    row("in memory: aggregate(frame, '1d')", f"{memory * 1e3:.1f} ms", "", "target ≤ 20 ms")
    xnys = median_time(lambda: aggregate(session, "1d", calendar="XNYS").collect(), repeat * 3)
    row("in memory, XNYS sessions: aggregate(frame, '1d', calendar)", f"{xnys * 1e3:.1f} ms", "")
    store = work / "agg_bundle"
    ParquetWriter(store).write(session, "1m")
    agg_reader = PolarsParquetMinuteReader(store / "minute_bars")
    one_day = session.get_column("timestamp").min().date()
    floor = bare_read(partition_files(agg_reader.parquet_dir, "minute", one_day, one_day), ["timestamp", "sid", *FIELDS])
    base, from_store, ratio = paired(floor, lambda: aggregate_store(agg_reader, "1d", start=one_day, end=one_day).collect(), repeat * 3)
    row("from the store: bare pyarrow read of the day (floor)", f"{base * 1e3:.1f} ms", "1.00")
    row("from the store: aggregate_store(reader, '1d')", f"{from_store * 1e3:.1f} ms", f"{ratio:.2f}x", "aim ≤ 1.2")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small universe, runs in seconds")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="rustybt-bench-storage-"))
    try:
        if args.quick:
            bench_daily(300, 252, 3, work)
            bench_minute(50, 2, 1000, 3, work)
        else:
            bench_daily(3000, 2520, 5, work)
            bench_minute(500, 20, 1000, 7, work)
        bench_real(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("POLARS_MAX_THREADS", str(os.cpu_count() or 2))
    sys.exit(main(sys.argv[1:]))
