"""zipline's minute bar reader interface over any ``BarReader`` holding minute bars."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from typing_extensions import override
from zipline.data.bar_reader import NoDataOnDate
from zipline.data.bcolz_minute_bars import MinuteBarReader
from zipline.utils.calendar_utils import TradingCalendar

from rustybt.domain.errors import InvalidRequestError
from rustybt.domain.ports.bar_reader import BarReader
from rustybt.domain.schemas import FIELDS
from rustybt.zipline_bridge.block_cache import BlockSource, CachedFloatBlocks
from rustybt.zipline_bridge.times import TimeInput, naive_datetime64, utc_minute


class ZiplineMinuteBarReader(BlockSource, MinuteBarReader):
    """Minute bars of a ``BarReader`` served the way zipline's ``BcolzMinuteBarReader`` serves them.

    Works on any calendar, 24/7 included (bcolz is fixed at 390 minutes a day).
    ``load_raw_arrays`` gives float64 arrays shaped (market minutes, assets) with NaN
    prices and 0 volume where no bar is stored. ``get_value`` reads one session at a time,
    for every sid at once while there are at most ``batch_sids`` of them, and keeps it.
    """

    def __init__(self, reader: BarReader, calendar: TradingCalendar, *, batch_sids: int = 2000) -> None:
        if reader.storage_kind != "minute":
            raise InvalidRequestError(
                f"a minute zipline reader needs a minute BarReader, not a {reader.storage_kind!r} one"
            )
        self._reader = reader
        self._calendar = calendar
        self._known = frozenset(reader.sids())
        self._cached: CachedFloatBlocks | None = None
        self.sids_read: set[int] = set()
        first, last = reader.first_available_dt(), reader.last_available_dt()
        if first is None or last is None:
            self._sessions = pd.DatetimeIndex([])
        else:
            self._sessions = calendar.sessions_in_range(
                calendar.minute_to_session(utc_minute(first), direction="next"),
                calendar.minute_to_session(utc_minute(last), direction="previous"),
            )
        self._batch_sids = batch_sids
        self._current: tuple[pd.Timestamp, np.ndarray] | None = None
        self._days: dict[int, tuple[pd.Timestamp, np.ndarray, dict[str, np.ndarray]]] = {}

    @property
    def bar_reader(self) -> BarReader:
        """The store this reader reads."""
        return self._reader

    @property
    def sessions(self) -> pd.DatetimeIndex:
        """Every session between the first and the last stored minute."""
        return self._sessions

    @property
    @override
    def last_available_dt(self) -> pd.Timestamp:
        return self._calendar.session_close(self._sessions[-1])

    @property
    @override
    def trading_calendar(self) -> TradingCalendar:
        return self._calendar

    @property
    @override
    def first_trading_day(self) -> pd.Timestamp | None:
        return self._sessions[0] if len(self._sessions) else None

    def _minutes(self, start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
        return self._calendar.minutes_in_range(start, end)

    @override
    def load_raw_arrays(
        self, fields: Sequence[str], start_dt: TimeInput, end_dt: TimeInput, sids: Sequence[int]
    ) -> list[np.ndarray]:
        minutes = self._minutes(utc_minute(start_dt), utc_minute(end_dt))
        self.sids_read.update(int(s) for s in sids if int(s) in self._known)
        block = self._load_block([int(s) for s in sids], list(fields), naive_datetime64(minutes), self._known)
        return [block[f] for f in fields]

    def _session_of(self, minute: pd.Timestamp) -> tuple[pd.Timestamp, np.ndarray]:
        """The session of a market minute and its minutes (ns); the last answer is kept."""
        stamp = minute.tz_localize(None).value
        current = self._current
        if current is not None and current[1][0] <= stamp <= current[1][-1]:
            return current
        if not self._calendar.is_open_on_minute(minute, ignore_breaks=True):
            raise NoDataOnDate(f"{minute} is not a market minute of {self._calendar.name}")
        session = self._calendar.minute_to_session(minute)
        self._current = (session, naive_datetime64(self._calendar.session_minutes(session)))
        return self._current

    def _day(self, sid: int, minute: pd.Timestamp) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        session, minutes = self._session_of(minute)
        if sid in self._known:
            self.sids_read.add(sid)
        cached = self._days.get(sid)
        if cached is None or cached[0] != session:
            batch = sorted(self._known | {sid}) if len(self._known) <= self._batch_sids else [sid]
            block = self._load_block(batch, FIELDS, minutes, self._known)
            for column, key in enumerate(batch):
                self._days[key] = (session, minutes, {f: a[:, column].copy() for f, a in block.items()})
            cached = self._days[sid]
        return cached[1], cached[2]

    @override
    def get_value(self, sid: object, dt: TimeInput, field: str) -> float:
        if field not in FIELDS:
            raise KeyError(field)
        key = int(sid)  # type: ignore[call-overload]
        stamp = dt.value if isinstance(dt, pd.Timestamp) and dt.tzinfo is not None else utc_minute(dt).value
        cached = self._days.get(key)
        if cached is not None and cached[1][0] <= stamp <= cached[1][-1]:
            minutes, values = cached[1], cached[2]
        else:
            minutes, values = self._day(key, utc_minute(dt))
        idx = int(minutes.searchsorted(stamp))
        if minutes[idx] != stamp:  # inside the session's span but not a market minute (a break)
            raise NoDataOnDate(f"{utc_minute(dt)} is not a market minute of {self._calendar.name}")
        return float(values[field][idx])

    @override
    def get_last_traded_dt(self, asset: object, dt: TimeInput) -> pd.Timestamp:
        sid = int(asset)  # type: ignore[call-overload]
        if sid not in self._known:
            return pd.NaT
        moment = utc_minute(dt)
        while True:
            found = self._reader.get_last_traded_dt(sid, moment.to_pydatetime())
            if found is None:
                return pd.NaT
            stamp = utc_minute(found)
            volume = self._reader.get_value(sid, found, "volume")
            if volume is not None and volume != 0:
                return stamp
            moment = stamp - pd.Timedelta(microseconds=1)
