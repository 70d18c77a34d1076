"""The stores of the peer bench and the calls each side of a workload makes.

A side is a name and a call without arguments; the bench times them in paired rounds, and
``peers_rss`` runs one of them in a fresh process. Stores are opened lazily, so a process
imports and opens only what the sides it builds need.

    opened = Opened(paths)
    sides = read_sides(opened, sids, first, last, ["rustybt_decimal", "hdf5"])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from itertools import cycle
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from peers_arctic import ArcticStore

    from rustybt.storage.parquet import PolarsParquetDailyReader, PolarsParquetMinuteReader

FIELDS = ["open", "high", "low", "close", "volume"]

Side = Callable[[], object]

# The sides of a daily read, in the order the rounds run them.
DAILY_READERS = ["rustybt_decimal", "rustybt_float", "arctic_long", "arctic_wide", "hdf5", "bcolz", "pyarrow", "polars", "duckdb"]
FLOORS = ["pyarrow", "polars", "duckdb"]  # bare reads of the project's files, no conversion or check
STORE_OF = {  # the ``Opened`` store each daily read side uses (None: files only)
    "rustybt_decimal": "daily",
    "rustybt_float": "daily",
    "arctic_long": "arctic",
    "arctic_wide": "arctic",
    "hdf5": "hdf5",
    "bcolz": "bcolz",
    **dict.fromkeys(FLOORS),
}


@dataclass(frozen=True)
class Paths:
    """Where each store of the bench lives (strings, so ``peers_rss``'s plan travels as JSON)."""

    bundle: str  # RustyBT bundle folder: daily_bars/, minute_bars/
    arctic: str  # ArcticDB (LMDB) of the daily bars, long and wide libraries
    arctic_minute: str  # ArcticDB of the minute bars
    hdf5: str  # zipline HDF5 daily bars
    bcolz: str  # zipline bcolz daily bars
    bcolz_minute: str  # zipline bcolz minute bars


class Opened:
    """The stores of ``paths``, each opened on first use."""

    def __init__(self, paths: Paths) -> None:
        self.paths = paths

    @cached_property
    def daily(self) -> PolarsParquetDailyReader:
        from rustybt.storage.parquet import PolarsParquetDailyReader

        return PolarsParquetDailyReader(Path(self.paths.bundle) / "daily_bars")

    @cached_property
    def minute(self) -> PolarsParquetMinuteReader:
        from rustybt.storage.parquet import PolarsParquetMinuteReader

        return PolarsParquetMinuteReader(Path(self.paths.bundle) / "minute_bars")

    @cached_property
    def arctic(self) -> ArcticStore:
        from peers_arctic import ArcticStore

        return ArcticStore(Path(self.paths.arctic))

    @cached_property
    def arctic_minute(self) -> ArcticStore:
        from peers_arctic import ArcticStore

        return ArcticStore(Path(self.paths.arctic_minute))

    @staticmethod
    def _zipline(opener: str, path: str) -> Any:  # zipline's readers are untyped
        import zipline_files

        return getattr(zipline_files, opener)(Path(path))

    @cached_property
    def hdf5(self) -> Any:
        return self._zipline("open_hdf5", self.paths.hdf5)

    @cached_property
    def bcolz(self) -> Any:
        return self._zipline("open_bcolz_daily", self.paths.bcolz)

    @cached_property
    def bcolz_minute(self) -> Any:
        return self._zipline("open_bcolz_minute", self.paths.bcolz_minute)

    @cached_property
    def bcolz_sessions(self) -> Any:
        return self._zipline("minute_session_reader", self.paths.bcolz_minute)


def store_files(folder: Path, kind: str, first: date, last: date) -> list[Path]:
    """Every partition file of ``folder`` between two days (the files a floor reads)."""
    from rustybt.storage.parquet.layout import partition_files
    from rustybt.storage.parquet.partition_members import members

    return [member for head in partition_files(folder, kind, first, last) for member in members(head)]


def floor_sides(files: Sequence[Path], columns: Sequence[str]) -> dict[str, Side]:
    """Bare reads of ``files`` into Arrow/polars, no conversion and no checks: pyarrow and
    polars file by file (the narrow decimal types differ between files), DuckDB in one query."""
    import polars as pl
    import pyarrow.parquet as pq

    names = [str(f) for f in files]
    cols = list(columns)
    select = ", ".join(f'"{c}"' for c in cols)
    return {
        "pyarrow": lambda: [pq.read_table(f, columns=cols) for f in names],
        "polars": lambda: [pl.read_parquet(f, columns=cols) for f in names],
        "duckdb": lambda: duckdb_table(f"SELECT {select} FROM read_parquet({names!r}, union_by_name = true)"),
    }


def duckdb_table(query: str) -> object:
    """The result of ``query`` as an Arrow table, materialised (``.arrow()`` would return a
    lazy reader that reads nothing until consumed)."""
    import duckdb

    relation = duckdb.sql(query)
    assert relation is not None, "a SELECT returns rows"
    return relation.to_arrow_table()


def _day(when: date | datetime) -> pd.Timestamp:
    return pd.Timestamp(when.date() if isinstance(when, datetime) else when)


def read_sides(
    opened: Opened, sids: Sequence[int], first: date, last: date, names: Sequence[str] = DAILY_READERS, *, every: bool = False
) -> dict[str, Side]:
    """Daily reads of ``sids`` × [first, last], five fields, into each side's native result
    (``every``: ``sids`` are all the store's, which ArcticDB reads without a filter)."""
    ids = np.asarray(sids, dtype=np.int64)
    lo, hi = _day(first), _day(last)
    factories: dict[str, Callable[[], Side]] = {
        "rustybt_decimal": lambda: lambda: opened.daily.load_raw_arrays(sids, FIELDS, first, last).collect(),
        "rustybt_float": lambda: lambda: opened.daily.load_float_arrays(sids, FIELDS, first, last),
        "arctic_long": lambda: lambda: opened.arctic.read_long(first, last, None if every else sids),
        "arctic_wide": lambda: lambda: opened.arctic.read_wide(first, last, None if every else sids),
        "hdf5": lambda: lambda: opened.hdf5.load_raw_arrays(FIELDS, lo, hi, ids),
        "bcolz": lambda: lambda: opened.bcolz.load_raw_arrays(FIELDS, lo, hi, ids),
    }
    wanted_floors = [n for n in names if n in FLOORS]
    floors = floor_sides(store_files(opened.daily.parquet_dir, "daily", first, last), ["date", "sid", *FIELDS]) if wanted_floors else {}
    return {name: factories[name]() if name in factories else floors[name] for name in names}


def value_sides(paths: Paths, sids: Sequence[int], when: date, warm: Opened | None, batch: int) -> dict[str, Side]:
    """``batch`` single values (close of a different sid each call, one session; every sid
    must have a bar that session): on the readers of ``warm`` when given (open, caches
    kept), else from a store opened for the call."""
    day = _day(when)

    def many(get: Callable[[int], object]) -> Side:
        turn = cycle(sids)  # every side asks for the same sids in the same order
        return lambda: [get(next(turn)) for _ in range(batch)]

    def fresh() -> Opened:
        return warm or Opened(paths)

    sides = {
        "rustybt": many(lambda s: fresh().daily.get_value(s, when, "close")),
        "arctic_long": many(lambda s: fresh().arctic.value_long(s, when, "close")),
        "arctic_wide": many(lambda s: fresh().arctic.value_wide(s, when, "close")),
        "hdf5": many(lambda s: fresh().hdf5.get_value(s, day, "close")),
        "bcolz": many(lambda s: fresh().bcolz.get_value(s, day, "close")),
    }
    if warm is None:  # the floor of a value read from scratch: reading its partition file
        import pyarrow.parquet as pq

        files = store_files(Path(paths.bundle) / "daily_bars", "daily", when, when)
        sides["pyarrow"] = many(lambda s: [pq.read_table(f, columns=["date", "sid", "close"]) for f in files])
    return sides
