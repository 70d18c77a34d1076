"""Building the peer bench's stores: the same bars written by RustyBT, ArcticDB and zipline.

Every store is built once, before any timing, from one synthetic universe; each peer gets its
native input (float64 pandas frames for ArcticDB and zipline) prepared here too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import polars as pl
from peers_arctic import ArcticStore, long_frame, minute_wide_frames, wide_frames
from peers_sides import Paths
from zipline_files import float_frames, write_bcolz_daily, write_bcolz_minute, write_hdf5

from rustybt.storage.parquet import ParquetWriter, PolarsParquetDailyReader


@dataclass
class Inputs:
    """Each writer's native input of the daily universe."""

    daily: pl.DataFrame  # storage schema, (date, sid) order: RustyBT
    frames: dict[str, pd.DataFrame]  # field -> sessions × sids float64: zipline HDF5 and bcolz
    long: pd.DataFrame  # ArcticDB long layout
    wide: dict[str, pd.DataFrame]  # ArcticDB wide layout


def paths_under(work: Path) -> Paths:
    return Paths(
        bundle=str(work / "rustybt"),
        arctic=str(work / "arctic"),
        arctic_minute=str(work / "arctic_minute"),
        hdf5=str(work / "daily.h5"),
        bcolz=str(work / "daily.bcolz"),
        bcolz_minute=str(work / "minute.bcolz"),
    )


def build_daily(daily: pl.DataFrame, paths: Paths) -> Inputs:
    """Write ``daily`` into every store of ``paths``; the peers' inputs, for the write rounds."""
    ParquetWriter(paths.bundle).write(daily, "1d")
    frames = float_frames(PolarsParquetDailyReader(Path(paths.bundle) / "daily_bars"))
    inputs = Inputs(daily, frames, long_frame(daily), wide_frames(frames))
    arctic = ArcticStore(Path(paths.arctic))
    arctic.write_long(inputs.long)
    arctic.write_wide(inputs.wide)
    write_hdf5(Path(paths.hdf5), frames)
    write_bcolz_daily(Path(paths.bcolz), frames)
    return inputs


def build_minute(minute: pl.DataFrame, paths: Paths) -> None:
    """Write minute bars into RustyBT, ArcticDB (both layouts) and zipline's bcolz minute bars."""
    ParquetWriter(paths.bundle).write(minute, "1m")
    arctic = ArcticStore(Path(paths.arctic_minute))
    arctic.write_long(long_frame(minute))
    arctic.write_wide(minute_wide_frames(minute))
    write_bcolz_minute(Path(paths.bcolz_minute), minute)


def next_sessions(after: date, count: int) -> list[date]:
    """The ``count`` XNYS sessions after ``after`` (the sessions appends add)."""
    import exchange_calendars as xcals

    calendar = xcals.get_calendar("XNYS", start=after.isoformat(), end=(pd.Timestamp(after) + pd.Timedelta(days=3 * count + 10)).date().isoformat())
    return [d.date() for d in calendar.sessions if d.date() > after][:count]


def session_like(daily: pl.DataFrame, day: date) -> pl.DataFrame:
    """The last session's bars of ``daily`` dated ``day`` (an append's input)."""
    last = daily.get_column("date").max()
    return daily.filter(pl.col("date") == last).with_columns(pl.lit(day, pl.Date).alias("date"))


def wide_session(session: pl.DataFrame) -> dict[str, pd.DataFrame]:
    """One session's bars as one-row wide frames (ArcticDB's wide append)."""
    day = pd.DatetimeIndex([pd.Timestamp(session.get_column("date")[0])])
    floats = session.with_columns(pl.col(["open", "high", "low", "close", "volume"]).cast(pl.Float64))
    sids = [str(s) for s in floats.get_column("sid")]
    return {f: pd.DataFrame([floats.get_column(f).to_numpy()], index=day, columns=sids) for f in ["open", "high", "low", "close", "volume"]}


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"
