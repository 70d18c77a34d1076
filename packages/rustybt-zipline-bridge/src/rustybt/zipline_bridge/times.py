"""Time conversions at the zipline boundary: session labels and UTC minutes."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

TimeInput = pd.Timestamp | datetime | date | str | np.datetime64


def session_label(value: TimeInput) -> pd.Timestamp:
    """The tz-naive midnight label zipline uses for the session containing ``value`` (UTC date)."""
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.normalize()


def utc_minute(value: TimeInput) -> pd.Timestamp:
    """``value`` as a tz-aware UTC timestamp (naive input is read as UTC)."""
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def as_date(value: TimeInput) -> date:
    """The UTC calendar date of ``value``."""
    return session_label(value).date()


def naive_datetime64(values: pd.DatetimeIndex) -> np.ndarray:
    """Nanosecond int64 values of an index, tz dropped after converting to UTC."""
    if values.tz is not None:
        values = values.tz_convert("UTC").tz_localize(None)
    return values.as_unit("ns").asi8
