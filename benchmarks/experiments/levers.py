"""What each storage lever would give, measured against the store's current files (no package change).

    python benchmarks/experiments/levers.py [LEVER ...] [--assets 3000 --sessions 2520]

Levers: crc, cache, codec, decoder, rowgroups, sidmajor, appends, yearfiles (default: all).
Every figure is a ratio to the current path timed in the same paired ABBA rounds
(``pairing``), on the synthetic universe written by today's ``ParquetWriter``. Variants
that need another writer or reader are built here from the current files (re-encoded, or
the reader's functions patched in this process only) and exist only in a temp folder.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import synthetic
from pairing import abba_rounds, ratio_of
from peers_sides import store_files

from rustybt.storage.parquet import ParquetWriter, PolarsParquetDailyReader, file_encode, file_format
from rustybt.storage.parquet.file_format import read_partition

FIELDS = ["open", "high", "low", "close", "volume"]
COLUMNS = ["date", "sid", *FIELDS]
Query = tuple[list[int], date, date]


def say(label: str, times: dict[str, list[float]], base: str) -> None:
    """One line per variant: its median and its ratio to ``base`` (median, range of rounds)."""
    for name, values in times.items():
        ratio = "1.00" if name == base else str(ratio_of(values, times[base]))
        print(f"  {label:<26} {name:<38} {statistics.median(values) * 1e3:9.1f} ms  {ratio}", flush=True)


def mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*.parquet")) / 1e6 if path.is_dir() else path.stat().st_size / 1e6


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def queries(reader: PolarsParquetDailyReader, n_sessions: int) -> dict[str, Query]:
    days = [d.item() for d in synthetic.sessions(n_sessions)]
    sids = reader.sids()
    return {"full": (sids, days[0], days[-1]), "252": (sids, days[-252], days[-1]), "30x500": (sids[:500], days[-30], days[-1])}


def raw_read(reader: PolarsParquetDailyReader, query: Query) -> Callable[[], object]:
    """Today's Decimal read of ``query`` on ``reader``."""
    sids, lo, hi = query
    return lambda: reader.load_raw_arrays(sids, FIELDS, lo, hi).collect()


def float_read(reader: PolarsParquetDailyReader, query: Query) -> Callable[[], object]:
    """Today's float64 read of ``query`` on ``reader``."""
    sids, lo, hi = query
    return lambda: reader.load_float_arrays(sids, FIELDS, lo, hi)


def each_file(read: Callable[[str], object], files: Sequence[str]) -> Callable[[], object]:
    """``read`` of every file in turn."""
    return lambda: [read(f) for f in files]


def compare(label: str, variants: dict[str, Callable[[], object]], base: str, rounds: int = 7, budget: float = 20.0) -> None:
    say(label, abba_rounds(variants, rounds, budget=budget), base)


# -- levers -----------------------------------------------------------------------------


def lever_crc(store: Path, n_sessions: int) -> None:
    """The whole-file CRC-32 checked on every read, once per file per process, or never."""
    original = file_format._read
    checked: set[tuple[str, int, int]] = set()

    def once(path: Path, columns: Sequence[str] | None) -> tuple[pa.Table, dict[bytes, bytes]]:
        stat = path.stat()
        key = (str(path), stat.st_ino, stat.st_mtime_ns)
        if key in checked:
            raw = path.read_bytes()
            parquet = pq.ParquetFile(pa.BufferReader(raw))
            return parquet.read(columns=list(columns) if columns else None, use_threads=parquet.metadata.num_rows >= file_format.THREADED_ROWS), dict(parquet.metadata.metadata or {})
        checked.add(key)
        return original(path, columns)

    def mapped(path: Path, columns: Sequence[str] | None) -> tuple[pa.Table, dict[bytes, bytes]]:
        parquet = pq.ParquetFile(pa.memory_map(str(path)))
        return parquet.read(columns=list(columns) if columns else None, use_threads=parquet.metadata.num_rows >= file_format.THREADED_ROWS), dict(parquet.metadata.metadata or {})

    reader = PolarsParquetDailyReader(store)
    for name, (sids, lo, hi) in queries(reader, n_sessions).items():
        def run(variant: Callable[[Path, Sequence[str] | None], tuple[pa.Table, dict[bytes, bytes]]], s: list[int] = sids, a: date = lo, b: date = hi) -> Callable[[], object]:
            def go() -> object:
                file_format._read = variant  # type: ignore[assignment]  # patched in this process only
                try:
                    return reader.load_raw_arrays(s, FIELDS, a, b).collect()
                finally:
                    file_format._read = original
            return go

        compare(f"crc {name}", {"every read (today)": run(original), "once per file per process": run(once), "no CRC, memory-mapped": run(mapped)}, "every read (today)")


def lever_cache(store: Path, n_sessions: int, work: Path) -> None:
    """A decoded column cache: Arrow IPC files (canonical decimals) memory-mapped, and float64
    (sessions × assets) arrays in numpy memory maps, against today's reads."""
    reader = PolarsParquetDailyReader(store)
    files = store_files(store, "daily", None, None)
    ipc, lz4 = work / "ipc", work / "ipc_lz4"
    for folder, options in ((ipc, None), (lz4, pa.ipc.IpcWriteOptions(compression="lz4"))):
        folder.mkdir()
        for i, path in enumerate(files):
            table = read_partition(path)
            with pa.ipc.new_file(folder / f"{i:04d}.arrow", table.schema, options=options) as sink:
                sink.write_table(table)
    bars = reader.load_float_arrays(reader.sids(), FIELDS, *queries(reader, n_sessions)["full"][1:])
    for field in FIELDS:
        np.save(work / f"{field}.npy", bars[field])
    arrays = sum((work / f"{f}.npy").stat().st_size for f in FIELDS) / 1e6
    print(f"  cache sizes: IPC {folder_mb(ipc):.0f} MB, IPC+LZ4 {folder_mb(lz4):.0f} MB, float64 arrays {arrays:.0f} MB; Parquet {mb(store):.0f} MB")
    months = {q: len(store_files(store, "daily", lo, hi)) for q, (_, lo, hi) in queries(reader, n_sessions).items()}

    def ipc_read(folder: Path, last_n: int, sids: list[int] | None) -> Callable[[], object]:
        chosen = sorted(folder.iterdir())[-last_n:]

        def go() -> object:
            tables = [pa.ipc.open_file(pa.memory_map(str(p))).read_all() for p in chosen]
            frame = pl.from_arrow(pa.concat_tables(tables))
            assert isinstance(frame, pl.DataFrame)
            return frame.filter(pl.col("sid").is_in(sids)) if sids is not None else frame
        return go

    def memmap_copy(rows: slice, columns: int) -> Callable[[], object]:
        maps = {f: np.load(work / f"{f}.npy", mmap_mode="r") for f in FIELDS}
        return lambda: {f: np.array(m[rows, :columns]) for f, m in maps.items()}

    for name, query in queries(reader, n_sessions).items():
        subset = None if name != "30x500" else query[0]
        rows = {"full": slice(None), "252": slice(-252, None), "30x500": slice(-30, None)}[name]
        compare(f"cache {name}", {
            "Decimal: load_raw_arrays (today)": raw_read(reader, query),
            "Decimal: IPC mmap (whole months)": ipc_read(ipc, months[name], subset),
            "Decimal: IPC+LZ4": ipc_read(lz4, months[name], subset),
            "float: load_float_arrays (today)": float_read(reader, query),
            "float: numpy memmap copy": memmap_copy(rows, len(query[0])),
        }, "Decimal: load_raw_arrays (today)")


def rewrite(daily: pl.DataFrame, target: Path, **patch: object) -> Path:
    """``daily`` written by today's ParquetWriter with file_encode's constants patched."""
    saved = {name: getattr(file_encode, name) for name in patch}
    try:
        for name, value in patch.items():
            setattr(file_encode, name, value)
        ParquetWriter(target, row_group_rows=int(str(patch.pop("ROW_GROUP_ROWS", file_format.ROW_GROUP_ROWS)))).write(daily, "1d")
    finally:
        for name, value in saved.items():
            setattr(file_encode, name, value)
    return target / "daily_bars"


def lever_codec(daily: pl.DataFrame, store: Path, n_sessions: int, work: Path) -> None:
    """ZSTD level and LZ4 (size; full-store and 252-session reads through today's reader)."""
    stores = {"zstd 3 (today)": store}
    for name, codec, level in (("zstd 1", "zstd", 1), ("lz4", "lz4", None), ("none", "none", None)):
        stores[name] = rewrite(daily, work / name.replace(" ", ""), COMPRESSION=codec, COMPRESSION_LEVEL=level)
    print("  sizes: " + ", ".join(f"{n} {mb(p):.1f} MB" for n, p in stores.items()))
    readers = {n: PolarsParquetDailyReader(p) for n, p in stores.items()}
    for name, query in queries(readers["zstd 3 (today)"], n_sessions).items():
        compare(f"codec {name}", {n: raw_read(r, query) for n, r in readers.items()}, "zstd 3 (today)")


def lever_decoder(store: Path, n_sessions: int) -> None:
    """polars' native Parquet decoder against pyarrow's, on the same files (no checks)."""
    reader = PolarsParquetDailyReader(store)
    canonical = [pl.col(f).cast(pl.Decimal(38 if f == "volume" else 18, 8)) for f in FIELDS]
    for name, (_, lo, hi) in queries(reader, n_sessions).items():
        files = [str(f) for f in store_files(store, "daily", lo, hi)]

        def arrow_cast(path: str) -> pl.DataFrame:
            frame = pl.from_arrow(pq.read_table(path, columns=COLUMNS))
            assert isinstance(frame, pl.DataFrame)
            return frame.with_columns(canonical)

        compare(f"decoder {name}", {
            "pyarrow read_table": each_file(lambda p: pq.read_table(p, columns=COLUMNS), files),
            "pyarrow from bytes (today's way)": each_file(lambda p: pq.ParquetFile(pa.BufferReader(Path(p).read_bytes())).read(columns=COLUMNS), files),
            "polars read_parquet": each_file(lambda p: pl.read_parquet(p, columns=COLUMNS), files),
            "polars + cast to canonical": each_file(lambda p: pl.read_parquet(p, columns=COLUMNS).with_columns(canonical), files),
            "pyarrow + from_arrow + cast": each_file(arrow_cast, files),
        }, "pyarrow read_table")


def lever_rowgroups(daily: pl.DataFrame, store: Path, n_sessions: int, work: Path) -> None:
    """Rows per row group: size, reads, and a value read by a new reader."""
    stores = {"16384 (today)": store}
    for rows in (4096, 65536, 1 << 30):
        stores[str(rows) if rows < 1 << 30 else "one per file"] = rewrite(daily, work / f"rg{rows}", ROW_GROUP_ROWS=rows)
    print("  sizes: " + ", ".join(f"{n} {mb(p):.1f} MB" for n, p in stores.items()))
    readers = {n: PolarsParquetDailyReader(p) for n, p in stores.items()}
    for name, query in queries(readers["16384 (today)"], n_sessions).items():
        compare(f"row groups {name}", {n: raw_read(r, query) for n, r in readers.items()}, "16384 (today)")
    sids = readers["16384 (today)"].sids()
    sid, when = sids[len(sids) // 2], synthetic.sessions(n_sessions)[-5].item()

    def value(folder: Path) -> Callable[[], object]:
        return lambda: PolarsParquetDailyReader(folder).get_value(sid, when, "close")

    compare("row groups value", {n: value(p) for n, p in stores.items()}, "16384 (today)", rounds=15)


if __name__ == "__main__":
    from levers_layout import lever_appends, lever_sidmajor, lever_yearfiles

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("levers", nargs="*", default=["crc", "cache", "codec", "decoder", "rowgroups", "sidmajor", "appends", "yearfiles"])
    parser.add_argument("--assets", type=int, default=3000)
    parser.add_argument("--sessions", type=int, default=2520)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rustybt-levers-"))
    try:
        daily = synthetic.daily_universe(args.assets, args.sessions, 0.2, seed=7)
        ParquetWriter(work / "today").write(daily, "1d")
        store = work / "today" / "daily_bars"
        print(f"{args.assets} assets × {args.sessions} sessions, {daily.height:,} bars; today's store {mb(store):.1f} MB", flush=True)
        for lever in args.levers:
            scratch = work / lever
            scratch.mkdir()
            print(f"\n{lever}", flush=True)
            if lever in ("crc", "decoder"):
                globals()[f"lever_{lever}"](store, args.sessions)
            elif lever == "cache":
                lever_cache(store, args.sessions, scratch)
            elif lever in ("codec", "rowgroups"):
                globals()[f"lever_{lever}"](daily, store, args.sessions, scratch)
            else:
                {"sidmajor": lever_sidmajor, "appends": lever_appends, "yearfiles": lever_yearfiles}[lever](daily, store, args.sessions, scratch)
            shutil.rmtree(scratch, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
