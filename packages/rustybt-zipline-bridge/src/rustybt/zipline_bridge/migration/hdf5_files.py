"""Read HDF5 bar files: zipline's own daily layout (h5py) or pandas ``HDFStore`` OHLCV frames.

zipline: groups ``/<country>/data/<field>`` of uint32 shaped (sids, days), each with a
``scaling_factor`` attribute, ``/<country>/index/{sid,day}`` and ``/<country>/lifetimes``.
HDFStore: one frame per key (the key names the symbol), a DatetimeIndex (or a ``date`` /
``timestamp`` column), float ``open/high/low/close/volume`` columns; a ``sid`` column when
several symbols share a key.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

from rustybt.domain.schemas import FIELDS
from rustybt.zipline_bridge.errors import BundleFormatError
from rustybt.zipline_bridge.migration.optional import require
from rustybt.zipline_bridge.migration.source_bars import SourceBars


def read_hdf5_file(path: Path) -> Iterator[SourceBars]:
    """The bars of one HDF5 file, whichever of the two layouts it has."""
    h5py = require("h5py")

    try:
        with h5py.File(path, "r") as h5:
            zipline_layout = [
                name for name, group in h5.items() if isinstance(group, h5py.Group) and {"data", "index"} <= set(group)
            ]
            if zipline_layout:
                yield from (_zipline_country(path, h5[name], name) for name in zipline_layout)
                return
    except OSError as err:
        raise BundleFormatError(f"{path}: not a readable HDF5 file ({err})", str(path)) from err
    yield _hdfstore(path)


def _zipline_country(path: Path, group: object, country: str) -> SourceBars:
    try:
        sids = np.asarray(group["index"]["sid"][:], dtype=np.int64)  # type: ignore[index]
        days = np.asarray(group["index"]["day"][:], dtype=np.int64)  # type: ignore[index]
        starts = np.asarray(group["lifetimes"]["start_date"][:], dtype=np.int64)  # type: ignore[index]
        ends = np.asarray(group["lifetimes"]["end_date"][:], dtype=np.int64)  # type: ignore[index]
        data = {f: group["data"][f] for f in FIELDS}  # type: ignore[index]
        values = {f: np.asarray(data[f][:], dtype=np.int64) for f in FIELDS}
        scales = {f: data[f].attrs["scaling_factor"] for f in FIELDS}
    except KeyError as err:
        raise BundleFormatError(f"{path}: group /{country} lacks {err}", str(path)) from err
    for f, scale in scales.items():
        if float(scale) != int(scale) or int(scale) <= 0:
            raise BundleFormatError(
                f"{path}: /{country}/data/{f} has scaling_factor {scale}; expected a positive integer", str(path)
            )
    # one row per (sid, day) inside the sid's lifetime; the index holds day positions
    sid_ix, day_ix = np.nonzero(np.ones((len(sids), len(days)), dtype=bool))
    alive = (day_ix >= starts[sid_ix]) & (day_ix <= ends[sid_ix])
    sid_ix, day_ix = sid_ix[alive], day_ix[alive]
    frame = pl.DataFrame(
        {
            "date": pl.Series(days[day_ix]).cast(pl.Datetime("ns")).cast(pl.Date),
            "sid": pl.Series(sids[sid_ix]),
            **{f: pl.Series(values[f][sid_ix, day_ix]) for f in FIELDS},
        }
    ).with_columns(
        price_scale=pl.lit(int(scales["close"]), pl.Int64), volume_scale=pl.lit(int(scales["volume"]), pl.Int64)
    )
    if len({int(scales[f]) for f in ("open", "high", "low", "close")}) != 1:
        raise BundleFormatError(
            f"{path}: price fields of /{country} have different scaling factors {scales}", str(path)
        )
    return SourceBars(kind="daily", frame=frame, path=f"{path}:/{country}", format="zipline-hdf5-daily")


def _hdfstore(path: Path) -> SourceBars:
    try:
        with pd.HDFStore(path, mode="r") as store:
            frames = [(key.strip("/"), store[key]) for key in store]
    except Exception as err:  # PyTables raises many kinds for foreign or damaged files
        raise BundleFormatError(f"{path}: not a zipline HDF5 file nor a pandas HDFStore ({err})", str(path)) from err
    parts = []
    symbols: dict[int, str] = {}
    for number, (key, frame) in enumerate(frames):
        frame = frame.reset_index()
        time_col = next((c for c in ("date", "timestamp", "index", "Date", "datetime") if c in frame.columns), None)
        missing = [f for f in FIELDS if f not in frame.columns]
        if time_col is None or missing:
            raise BundleFormatError(
                f"{path}: key /{key} lacks {'a time index' if time_col is None else ', '.join(missing)}", str(path)
            )
        stamps = pd.to_datetime(frame[time_col], utc=True)
        sid = frame["sid"].astype("int64") if "sid" in frame.columns else pd.Series(number, index=frame.index)
        if "sid" not in frame.columns:
            symbols[number] = key
        parts.append(pd.DataFrame({"timestamp": stamps, "sid": sid, **{f: frame[f].astype("float64") for f in FIELDS}}))
    if not parts:
        raise BundleFormatError(f"{path}: the HDFStore holds no frames", str(path))
    joined = pl.from_pandas(pd.concat(parts, ignore_index=True)).with_columns(
        pl.col("timestamp").dt.cast_time_unit("us")
    )
    daily = bool(joined.select((pl.col("timestamp").dt.truncate("1d") == pl.col("timestamp")).all()).item())
    if daily:
        joined = (
            joined.with_columns(pl.col("timestamp").dt.date().alias("date"))
            .drop("timestamp")
            .select("date", "sid", *FIELDS)
        )
    return SourceBars(
        kind="daily" if daily else "minute", frame=joined, path=str(path), format="pandas-hdfstore", sid_symbols=symbols
    )
