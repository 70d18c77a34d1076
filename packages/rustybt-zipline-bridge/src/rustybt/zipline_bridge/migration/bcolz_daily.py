"""Read zipline's bcolz daily bars: one ctable, an ``id`` column, prices x1000 as uint32.

zipline reads this table by position: row ``first_row[sid] + k`` is served at session
``calendar_offset[sid] + k`` of the table's calendar, whatever its ``day`` column says. When
the calendar changed after ingestion (e.g. closures added later) the two disagree, and
zipline serves those bars at the positional session. The migration keeps what zipline
serves (``positional=True``, the default) and reports every row whose ``day`` differs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
from zipline.utils.calendar_utils import get_calendar

from rustybt.domain.schemas import FIELDS
from rustybt.zipline_bridge.errors import BundleFormatError
from rustybt.zipline_bridge.migration.optional import require
from rustybt.zipline_bridge.migration.source_bars import SourceBars

PRICE_SCALE = 1000
_COLUMNS = (*FIELDS, "day", "id")


def read_bcolz_daily(path: Path, *, positional: bool = True) -> SourceBars:
    """Every row of ``daily_equities.bcolz`` with its scales; raises ``BundleFormatError``."""
    bcolz = require("bcolz")

    try:
        table = bcolz.ctable(rootdir=str(path), mode="r")
        attrs = dict(table.attrs.attrs)
        missing = [c for c in _COLUMNS if c not in table.names]
        if missing:
            raise BundleFormatError(f"{path}: bcolz daily table lacks column(s) {', '.join(missing)}", str(path))
        columns = {c: np.asarray(table[c][:]) for c in _COLUMNS}
    except BundleFormatError:
        raise
    except Exception as err:  # bcolz raises bare OSError/ValueError/KeyError for damaged tables
        raise BundleFormatError(f"{path}: cannot read the bcolz daily table ({err})", str(path)) from err
    day_seconds = columns["day"].astype("int64")
    notes: dict[str, object] = {}
    if positional and {"first_row", "last_row", "calendar_offset", "calendar_name"} <= attrs.keys():
        day_seconds, notes = _positional_days(path, attrs, day_seconds, columns["id"].astype("int64"))
    frame = pl.DataFrame(
        {
            "date": pl.from_epoch(pl.Series(day_seconds), time_unit="s").cast(pl.Date),
            "sid": pl.Series(columns["id"].astype("int64")),
            **{f: pl.Series(columns[f].astype("int64")) for f in FIELDS},
        }
    ).with_columns(price_scale=pl.lit(PRICE_SCALE, pl.Int64), volume_scale=pl.lit(1, pl.Int64))
    first_day = attrs.get("first_trading_day")
    return SourceBars(
        kind="daily",
        frame=frame,
        path=str(path),
        format="bcolz-daily",
        calendar_name=attrs.get("calendar_name"),
        start_session=_ns_date(attrs.get("start_session_ns")),
        end_session=_ns_date(attrs.get("end_session_ns")),
        first_trading_day=str(pd.Timestamp(first_day, unit="s").date()) if first_day is not None else None,
        notes=notes,
    )


def _positional_days(
    path: Path, attrs: dict, days: np.ndarray, ids: np.ndarray
) -> tuple[np.ndarray, dict[str, object]]:
    """The session zipline serves each row at, and the rows whose ``day`` column disagrees."""
    calendar = get_calendar(attrs["calendar_name"])
    sessions = calendar.sessions_in_range(
        pd.Timestamp(attrs["start_session_ns"]), pd.Timestamp(attrs["end_session_ns"])
    )
    session_seconds = sessions.as_unit("s").asi8
    served = days.copy()
    for key, first in attrs["first_row"].items():
        last, offset = attrs["last_row"][key], attrs["calendar_offset"][key]
        count = last - first + 1
        if offset + count > len(session_seconds) or (ids[first : last + 1] != int(key)).any():
            raise BundleFormatError(
                f"{path}: rows {first}..{last} of sid {key} do not fit the table's calendar", str(path)
            )
        served[first : last + 1] = session_seconds[offset : offset + count]
    moved = np.flatnonzero(served != days)
    examples = [
        {
            "sid": int(ids[i]),
            "day": str(pd.Timestamp(days[i], unit="s").date()),
            "served_at": str(pd.Timestamp(served[i], unit="s").date()),
        }
        for i in moved[:20]
    ]
    return served, {"rows_served_at_another_session": len(moved), "examples": examples}


def _ns_date(value: int | None) -> str | None:
    return str(pd.Timestamp(value).date()) if value is not None else None
