"""The bench's bars in zipline's own files: HDF5 daily bars (h5py) and bcolz daily and minute bars.

    frames = float_frames(reader)                  # field -> sessions × sids float64 DataFrames
    write_hdf5(path, frames); write_bcolz_daily(folder, frames)
    write_bcolz_minute(folder, minute_bars)        # one ctable per sid, 390 minutes a session

Both formats store prices as ``uint32(price × 1000)`` (3 decimals; NaN above ~4.29e6): the
writers are given float64 frames made from the exact store by the store's own float path.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

from rustybt.storage.parquet import PolarsParquetDailyReader

FIELDS = ["open", "high", "low", "close", "volume"]
HDF5_COUNTRY = "US"
HDF5_DATE_CHUNK = 30
CALENDAR = "XNYS"
ZIPLINE_MINUTE_LABEL = pd.Timedelta(minutes=1)  # zipline's label of a minute bar minus the store's


def float_frames(reader: PolarsParquetDailyReader) -> dict[str, pd.DataFrame]:
    """Field → DataFrame (sessions × sids, float64, NaN without a bar), as zipline's writers
    take them, built with the reader's own float path."""
    first, last = reader.first_available_dt(), reader.last_available_dt()
    if first is None or last is None:
        raise ValueError(f"no bars under {reader.parquet_dir}")
    bars = reader.load_float_arrays(reader.sids(), FIELDS, first, last)
    index = pd.DatetimeIndex(bars.times.astype("datetime64[ns]"))
    return {field: pd.DataFrame(bars[field], index=index, columns=[int(s) for s in bars.sids]) for field in FIELDS}


def write_hdf5(path: Path, frames: dict[str, pd.DataFrame]) -> None:
    """zipline's ``HDF5DailyBarWriter`` output of ``frames`` (LZF, chunks of 30 sessions)."""
    from zipline.data.hdf5_daily_bars import HDF5DailyBarWriter

    HDF5DailyBarWriter(str(path), date_chunk_size=HDF5_DATE_CHUNK).write(HDF5_COUNTRY, frames)


def open_hdf5(path: Path) -> object:
    """zipline's ``HDF5DailyBarReader`` of a file ``write_hdf5`` wrote."""
    from zipline.data.hdf5_daily_bars import HDF5DailyBarReader

    return HDF5DailyBarReader.from_path(str(path), HDF5_COUNTRY)


def bcolz_chunks(frames: dict[str, pd.DataFrame]) -> Iterator[tuple[int, pd.DataFrame]]:
    """(sid, bars from its first to its last traded session) for ``BcolzDailyBarWriter``."""
    sessions = frames["close"].index
    wide = {field: frames[field].to_numpy() for field in FIELDS}
    for j, sid in enumerate(frames["close"].columns):
        traded = np.flatnonzero(~np.isnan(wide["close"][:, j]))
        a, b = int(traded[0]), int(traded[-1]) + 1
        yield int(sid), pd.DataFrame({f: wide[f][a:b, j] for f in FIELDS}, index=sessions[a:b])


def write_bcolz_daily(folder: Path, frames: dict[str, pd.DataFrame]) -> None:
    """zipline's ``BcolzDailyBarWriter`` output of ``frames`` (one ctable, an ``id`` column)."""
    from zipline.data.bcolz_daily_bars import BcolzDailyBarWriter
    from zipline.utils.calendar_utils import get_calendar

    sessions = frames["close"].index
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        writer = BcolzDailyBarWriter(str(folder), get_calendar(CALENDAR), sessions[0], sessions[-1])
        writer.write(bcolz_chunks(frames), invalid_data_behavior="ignore")


def open_bcolz_daily(folder: Path) -> object:
    from zipline.data.bcolz_daily_bars import BcolzDailyBarReader

    return BcolzDailyBarReader(str(folder))


def write_bcolz_minute(folder: Path, minute: pl.DataFrame) -> None:
    """zipline's ``BcolzMinuteBarWriter`` output of storage-schema minute bars (one ctable per
    sid, 390 slots a session of the XNYS calendar). zipline labels a minute bar by its end
    (14:31 UTC is the first bar of a winter session), the store by its start: each bar moves
    one minute later (``ZIPLINE_MINUTE_LABEL``)."""
    from zipline.data.bcolz_minute_bars import BcolzMinuteBarWriter
    from zipline.utils.calendar_utils import get_calendar

    days = minute.get_column("timestamp").dt.date().unique().sort()
    sessions = pd.DatetimeIndex([pd.Timestamp(days[0]), pd.Timestamp(days[-1])])
    folder.mkdir(parents=True, exist_ok=True)
    writer = BcolzMinuteBarWriter(str(folder), get_calendar(CALENDAR), sessions[0], sessions[-1], 390)
    floats = minute.with_columns(pl.col(FIELDS).cast(pl.Float64)).sort("sid", "timestamp")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for (sid,), bars in floats.partition_by("sid", as_dict=True, maintain_order=True).items():
            index = pd.DatetimeIndex(bars.get_column("timestamp").to_numpy()).tz_localize("UTC") + ZIPLINE_MINUTE_LABEL
            writer.write_sid(int(sid), pd.DataFrame({f: bars.get_column(f).to_numpy() for f in FIELDS}, index=index), invalid_data_behavior="ignore")


def open_bcolz_minute(folder: Path) -> object:
    from zipline.data.bcolz_minute_bars import BcolzMinuteBarReader

    return BcolzMinuteBarReader(str(folder))


def minute_session_reader(folder: Path) -> object:
    """zipline's minute → session resampling reader over the bcolz minute bars in ``folder``."""
    from zipline.data.resample import MinuteResampleSessionBarReader
    from zipline.utils.calendar_utils import get_calendar

    return MinuteResampleSessionBarReader(get_calendar(CALENDAR), open_bcolz_minute(folder))
