"""Layout levers for ``levers.py``: sid-major order and encodings, appends as small files, year files.

Each builds its variant from the current files (canonical tables from ``read_partition``,
narrowed and encoded like ``file_encode`` with one option changed) in a temp folder.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from levers import COLUMNS, compare, mb, queries, say
from pairing import abba_rounds
from peers_build import next_sessions, session_like
from peers_sides import store_files

from rustybt.storage.parquet import ParquetWriter, PolarsParquetDailyReader
from rustybt.storage.parquet.file_encode import _narrowed, encode_partition
from rustybt.storage.parquet.file_format import DECIMAL_FIELDS, arrow_schema, read_partition
from rustybt.storage.parquet.narrow_decimals import is_narrow

ROW_GROUP = 16_384


def encode(table: pa.Table, decimals: str, keys: str = "PLAIN", dictionary: list[str] | None = None) -> bytes:
    """``table`` narrowed and written like ``file_encode`` (ZSTD 3, decimals as integers),
    with ``decimals`` as the narrow decimals' encoding and ``keys`` as date's and sid's."""
    narrow, _ = _narrowed(table.cast(arrow_schema("daily")))
    encodings = {name: decimals if is_narrow(narrow.schema.field(name).type) else "PLAIN" for name in DECIMAL_FIELDS}
    for key in ("date", "sid"):
        if not dictionary or key not in dictionary:
            encodings[key] = keys
    sink = io.BytesIO()
    pq.write_table(
        narrow,
        sink,
        row_group_size=ROW_GROUP,
        compression="zstd",
        compression_level=3,
        store_decimal_as_integer=True,
        use_dictionary=dictionary or False,
        column_encoding=encodings,
        write_statistics=["date", "sid"],
    )
    return sink.getvalue()


def date_order(table: pa.Table) -> np.ndarray:
    """The (date, sid) order of a table in (sid, date) order: a stable sort on the date alone."""
    return np.argsort(table.column("date").combine_chunks().cast(pa.int32()).to_numpy(), kind="stable")


def lever_sidmajor(daily: pl.DataFrame, store: Path, n_sessions: int, work: Path) -> None:
    """(sid, date) order with byte-stream-split or delta encodings: size, and the read with
    the transposition back to (date, sid) order that every query returns."""
    files = store_files(store, "daily", None, None)
    tables = [read_partition(f) for f in files]
    variants: dict[str, tuple[str, str, str, list[str] | None]] = {
        "date-major, today's encodings (rewritten)": ("date", "BYTE_STREAM_SPLIT", "PLAIN", None),
        "date-major, DELTA decimals and keys": ("date", "DELTA_BINARY_PACKED", "DELTA_BINARY_PACKED", None),
        "sid-major, BYTE_STREAM_SPLIT": ("sid", "BYTE_STREAM_SPLIT", "PLAIN", None),
        "sid-major, BSS, sid dictionary (RLE)": ("sid", "BYTE_STREAM_SPLIT", "DELTA_BINARY_PACKED", ["sid"]),
        "sid-major, DELTA decimals and keys": ("sid", "DELTA_BINARY_PACKED", "DELTA_BINARY_PACKED", None),
    }
    folders: dict[str, Path] = {}
    for i, (name, (major, decimals, keys, dictionary)) in enumerate(variants.items()):
        folder = work / f"v{i}"
        folder.mkdir()
        for n, table in enumerate(tables):
            order = [("sid", "ascending"), ("date", "ascending")] if major == "sid" else [("date", "ascending"), ("sid", "ascending")]
            (folder / f"{n:04d}.parquet").write_bytes(encode(table.sort_by(order), decimals, keys, dictionary))
        folders[name] = folder
    print(f"  sizes: today {mb(store):.1f} MB; " + ", ".join(f"{n} {mb(p):.1f} MB" for n, p in folders.items()), flush=True)

    def read(folder: Path, transpose: bool) -> Callable[[], object]:
        paths = sorted(folder.iterdir())

        def go() -> object:
            out = [pq.read_table(p, columns=COLUMNS) for p in paths]
            return [t.take(date_order(t)) for t in out] if transpose else out
        return go

    compare("sid-major full read", {
        "today's files, bare read": lambda: [pq.read_table(f, columns=COLUMNS) for f in files],
        **{f"{n}, bare": read(p, False) for n, p in folders.items()},
        **{f"{n} + to (date, sid)": read(p, True) for n, p in folders.items() if "sid-major" in n},
    }, "today's files, bare read", rounds=7, budget=60.0)


def _write_small(folder: Path, name: str, data: bytes) -> None:
    temp = folder / f".{name}.tmp"
    with open(temp, "wb") as sink:
        sink.write(data)
        sink.flush()
        os.fsync(sink.fileno())
    os.replace(temp, folder / name)
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def lever_appends(daily: pl.DataFrame, store: Path, n_sessions: int, work: Path) -> None:
    """One session appended by merging into its month file (today) or as a small file of its
    own; then a month of small files read against one file, and the compaction."""
    days = next_sessions(daily.get_column("date").max(), 21)
    bars = [session_like(daily, day) for day in days]
    shutil.copytree(store, work / "merge" / "daily_bars")
    writer = ParquetWriter(work / "merge")
    small = work / "small"
    small.mkdir()
    turn = {"merge": iter(range(len(days))), "small": iter(range(len(days)))}

    def append_small() -> None:
        k = next(turn["small"])
        _write_small(small, f"{k:02d}.parquet", encode_partition(bars[k], "daily"))

    times = abba_rounds({
        "merge into the month file (today)": lambda: writer.write(bars[next(turn["merge"])], "1d"),
        "a small file of its own": append_small,
    }, 9, warm=False)
    say("append", times, "merge into the month file (today)")
    pieces = sorted(small.glob("*.parquet"))
    month = store_files(work / "merge" / "daily_bars", "daily", days[0], days[0])
    compare(f"read a month of {len(pieces)} sessions", {
        "one month file": lambda: [pq.read_table(f, columns=COLUMNS) for f in month],
        f"{len(pieces)} small files": lambda: [pq.read_table(f, columns=COLUMNS) for f in pieces],
    }, "one month file", rounds=9)
    target = work / "compacted.parquet"
    compare("compaction", {
        "read + encode + write one file": lambda: _write_small(work, target.name, encode_partition(pa.concat_tables([read_partition(f) for f in pieces]), "daily", presorted=True)),
        "append one small file (reference)": lambda: _write_small(small, "again.parquet", encode_partition(bars[0], "daily")),
    }, "append one small file (reference)", rounds=9)


def lever_yearfiles(daily: pl.DataFrame, store: Path, n_sessions: int, work: Path) -> None:
    """One file per year instead of one per month: size, and reads pruned by row-group
    statistics (``pq.read_table(filters=...)``) on both layouts."""
    files = store_files(store, "daily", None, None)
    years: dict[int, list[pa.Table]] = {}
    for f in files:
        years.setdefault(int(f.parent.parent.name.split("=")[1]), []).append(read_partition(f))
    folder = work / "years"
    folder.mkdir()
    for year, parts in years.items():
        (folder / f"{year}.parquet").write_bytes(encode_partition(pa.concat_tables(parts), "daily", presorted=True))
    print(f"  sizes: month files {mb(store):.1f} MB ({len(files)} files), year files {mb(folder):.1f} MB ({len(years)} files)", flush=True)
    reader = PolarsParquetDailyReader(store)
    for name, (sids, lo, hi) in queries(reader, n_sessions).items():
        def pruned(paths: list[Path], a: date = lo, b: date = hi, top: int | None = max(sids) if name == "30x500" else None) -> Callable[[], object]:
            filters = [("date", ">=", a), ("date", "<=", b)] + ([("sid", "<=", top)] if top is not None else [])
            return lambda: [pq.read_table(p, columns=COLUMNS, filters=filters) for p in paths]

        month_files = store_files(store, "daily", lo, hi)
        year_files = [folder / f"{y}.parquet" for y in years if lo.year <= y <= hi.year]
        compare(f"layout {name}", {"month files": pruned(month_files), "year files": pruned(year_files)}, "month files")
    sid, when = reader.sids()[len(reader.sids()) // 2], queries(reader, n_sessions)["full"][2]
    point = [("date", "=", when), ("sid", "=", sid)]
    month_file = store_files(store, "daily", when, when)[0]
    compare("layout one value", {
        "month file": lambda: pq.read_table(month_file, columns=["close"], filters=point),
        "year file": lambda: pq.read_table(folder / f"{when.year}.parquet", columns=["close"], filters=point),
    }, "month file", rounds=15)
