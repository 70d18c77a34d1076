"""Read zipline's bcolz minute bars: a ctable per sid, ``minutes_per_day`` slots per session.

Slot ``k`` of a sid's table is minute ``k % minutes_per_day`` after the market open of session
``k // minutes_per_day`` (sessions of ``metadata.json``'s calendar); slots after an early
close are padding. Prices are stored times ``ohlc_ratio`` (per sid when given).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
from zipline.utils.calendar_utils import get_calendar

from rustybt.domain.schemas import FIELDS
from rustybt.zipline_bridge.errors import BundleFormatError
from rustybt.zipline_bridge.migration.optional import require
from rustybt.zipline_bridge.migration.source_bars import SourceBars


def read_bcolz_minute(root: Path) -> SourceBars:
    """Every stored minute of every sid under ``minute_equities.bcolz``."""
    bcolz = require("bcolz")

    meta_path = root / "metadata.json"
    try:
        meta = json.loads(meta_path.read_text())
        ratio = int(meta["ohlc_ratio"])
        per_sid = {int(k): int(v) for k, v in (meta.get("ohlc_ratios_per_sid") or {}).items()}
        per_day = int(meta["minutes_per_day"])
        calendar = get_calendar(meta.get("calendar_name", "XNYS"))
        start, end = pd.Timestamp(meta["start_session"]), pd.Timestamp(meta["end_session"])
    except (OSError, ValueError, KeyError) as err:
        raise BundleFormatError(f"{meta_path}: unreadable minute bundle metadata ({err})", str(meta_path)) from err
    sessions = calendar.sessions_in_range(start, end)
    opens = (
        calendar.first_minutes.loc[sessions]
        .dt.tz_convert("UTC")
        .dt.tz_localize(None)
        .to_numpy()
        .astype("datetime64[us]")
        .astype(np.int64)
    )
    closes = (
        calendar.last_minutes.loc[sessions]
        .dt.tz_convert("UTC")
        .dt.tz_localize(None)
        .to_numpy()
        .astype("datetime64[us]")
        .astype(np.int64)
    )
    parts = []
    for table_dir in sorted(root.glob("*/*/*.bcolz")):
        sid = int(table_dir.name.split(".")[0])
        try:
            table = bcolz.ctable(rootdir=str(table_dir), mode="r")
            columns = {f: np.asarray(table[f][:]).astype(np.int64) for f in FIELDS}
        except Exception as err:
            raise BundleFormatError(
                f"{table_dir}: cannot read the bcolz minute table of sid {sid} ({err})", str(table_dir)
            ) from err
        slots = np.arange(len(columns["close"]))
        day, offset = slots // per_day, slots % per_day
        if len(day) and day.max() >= len(sessions):
            raise BundleFormatError(
                f"{table_dir}: {len(slots)} slots run past the last session {end.date()}", str(table_dir)
            )
        stamps = opens[day] + offset * 60_000_000
        inside = stamps <= closes[day]
        parts.append(
            pl.DataFrame(
                {
                    "timestamp": pl.Series(stamps[inside]).cast(pl.Datetime("us")).dt.replace_time_zone("UTC"),
                    "sid": pl.Series(np.full(inside.sum(), sid, dtype=np.int64)),
                    **{f: pl.Series(columns[f][inside]) for f in FIELDS},
                    "price_scale": pl.Series(np.full(inside.sum(), per_sid.get(sid, ratio), dtype=np.int64)),
                    "volume_scale": pl.Series(np.ones(inside.sum(), dtype=np.int64)),
                }
            )
        )
    if not parts:
        raise BundleFormatError(f"{root} holds no per-sid minute tables", str(root))
    return SourceBars(
        kind="minute",
        frame=pl.concat(parts),
        path=str(root),
        format="bcolz-minute",
        calendar_name=calendar.name,
        start_session=str(start.date()),
        end_session=str(end.date()),
    )
