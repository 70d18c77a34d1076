"""The peer bench's minute workloads: one session of every asset, and minute → daily bars.

RustyBT's minute store, ArcticDB's long and wide minute layouts and zipline's bcolz minute
bars (one ctable per sid) hold the same bars (``peers_build.build_minute``). The rollup is the
daily bars (first open, highest high, lowest low, last close, summed volume) of every asset
over every stored session: RustyBT's ``aggregate_store``, ArcticDB's own resampling in the
wide layout (its group-by has no first/last, so the long layout is grouped by pandas after
the read), and zipline's ``MinuteResampleSessionBarReader`` over bcolz.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import polars as pl
from pairing import abba_rounds
from peers_build import build_minute
from peers_sides import FIELDS, FLOORS, Opened, Paths, Side, floor_sides, store_files
from peers_table import Goal, Row, arctic_and_floor
from zipline_files import ZIPLINE_MINUTE_LABEL

from rustybt.storage.parquet import aggregate_store

MINUTES = 390
VS_ARCTIC = Goal("arctic", 1.0)


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """First minute of ``first`` and last minute of ``last`` (sessions open 14:30 UTC)."""
    start = datetime(first.year, first.month, first.day, 14, 30, tzinfo=timezone.utc)
    end = datetime(last.year, last.month, last.day, 14, 30, tzinfo=timezone.utc) + timedelta(minutes=MINUTES - 1)
    return start, end


def session_sides(opened: Opened, sids: list[int], day: date) -> dict[str, Side]:
    lo, hi = _bounds(day, day)
    shift = ZIPLINE_MINUTE_LABEL
    ids = np.asarray(sids, dtype=np.int64)
    sides: dict[str, Side] = {
        "rustybt_decimal": lambda: opened.minute.load_raw_arrays(sids, FIELDS, day, day).collect(),
        "rustybt_float": lambda: opened.minute.load_float_arrays(sids, FIELDS, day, day),
        "arctic_long": lambda: opened.arctic_minute.read_long(lo, hi),
        "arctic_wide": lambda: opened.arctic_minute.read_wide(lo, hi),
        "bcolz": lambda: opened.bcolz_minute.load_raw_arrays(FIELDS, pd.Timestamp(lo) + shift, pd.Timestamp(hi) + shift, ids),
    }
    return {**sides, **floor_sides(store_files(opened.minute.parquet_dir, "minute", day, day), ["timestamp", "sid", *FIELDS])}


def rollup_sides(opened: Opened, sids: list[int], first: date, last: date) -> dict[str, Side]:
    lo, hi = _bounds(first, last)
    ids = np.asarray(sids, dtype=np.int64)
    sides: dict[str, Side] = {
        "rustybt": lambda: aggregate_store(opened.minute, "1d", start=first, end=last).collect(),
        "arctic_long": lambda: opened.arctic_minute.rollup_long(lo, hi),
        "arctic_wide": lambda: opened.arctic_minute.rollup_wide(lo, hi),
        "bcolz": lambda: opened.bcolz_sessions.load_raw_arrays(FIELDS, pd.Timestamp(first), pd.Timestamp(last), ids),
    }
    return {**sides, **floor_sides(store_files(opened.minute.parquet_dir, "minute", first, last), ["timestamp", "sid", *FIELDS])}


def minute_rows(minute: pl.DataFrame, paths: Paths, rounds: int, budget: float) -> list[Row]:
    build_minute(minute, paths)
    opened = Opened(paths)
    sids = opened.minute.sids()
    days = minute.get_column("timestamp").dt.date().unique().sort()
    first, last = days[0], days[-1]

    times = abba_rounds(session_sides(opened, sids, last), rounds, budget=budget)
    arctic, floor, note = arctic_and_floor(times, FLOORS)
    refs = {"arctic": arctic, "bcolz": times["bcolz"], "floor": floor}
    goals = (VS_ARCTIC, Goal("floor", 1.5))
    label = f"one minute session × {len(sids)} assets"
    rows = [
        Row(f"{label}: Decimal frame", "s", times["rustybt_decimal"], refs, note, goals),
        Row(f"{label}: float64 arrays", "s", times["rustybt_float"], refs, "", goals),
    ]
    print(f"  {label} done ({len(times['bcolz'])} rounds)", flush=True)

    times = abba_rounds(rollup_sides(opened, sids, first, last), rounds, budget=budget)
    arctic, floor, note = arctic_and_floor(times, FLOORS)
    refs = {"arctic": arctic, "bcolz": times["bcolz"], "floor": floor}
    label = f"minute → daily, {len(sids)} assets × {len(days)} sessions"
    rows.append(Row(label, "s", times["rustybt"], refs, note + " (reading the minute files)", (VS_ARCTIC, Goal("floor", 1.2))))
    print(f"  {label} done ({len(times['bcolz'])} rounds)", flush=True)
    return rows


