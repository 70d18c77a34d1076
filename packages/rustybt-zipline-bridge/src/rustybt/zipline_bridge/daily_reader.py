"""zipline's session bar reader interface over any ``BarReader`` holding daily bars."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property

import numpy as np
import pandas as pd
from typing_extensions import override
from zipline.data.bar_reader import NoDataAfterDate, NoDataBeforeDate, NoDataOnDate
from zipline.data.session_bars import CurrencyAwareSessionBarReader
from zipline.utils.calendar_utils import TradingCalendar

from rustybt.domain.errors import InvalidRequestError
from rustybt.domain.ports.bar_reader import BarReader
from rustybt.domain.schemas import FIELDS
from rustybt.zipline_bridge.block_cache import BlockSource, CachedFloatBlocks
from rustybt.zipline_bridge.float_block import empty_block
from rustybt.zipline_bridge.times import TimeInput, naive_datetime64, session_label


class ZiplineDailyBarReader(BlockSource, CurrencyAwareSessionBarReader):
    """Daily bars of a ``BarReader`` served the way zipline's ``BcolzDailyBarReader`` serves them.

    ``load_raw_arrays`` gives float64 arrays shaped (sessions, assets): NaN prices and 0
    volume where an asset has no bar. Sessions span the calendar from ``start_session``
    (default: the first stored bar) to ``end_session`` (default: the last stored bar).
    ``get_value`` and ``get_last_traded_dt`` take an ``Asset`` or an int sid and answer from
    spot arrays kept in memory, as bcolz keeps its spot columns: the first use reads from the
    year before the asked session to the end (further back only when a question needs it),
    for every sid at once while sessions x sids stays under ``spot_cells``.
    """

    def __init__(
        self,
        reader: BarReader,
        calendar: TradingCalendar,
        *,
        start_session: TimeInput | None = None,
        end_session: TimeInput | None = None,
        first_trading_day: TimeInput | None = None,
        currencies: Mapping[int, str] | None = None,
        default_currency: str = "USD",
        spot_cells: int = 5_000_000,
    ) -> None:
        if reader.storage_kind != "daily":
            raise InvalidRequestError(
                f"a daily zipline reader needs a daily BarReader, not a {reader.storage_kind!r} one"
            )
        self._reader = reader
        self._calendar = calendar
        start = start_session if start_session is not None else reader.first_available_dt()
        end = end_session if end_session is not None else reader.last_available_dt()
        if start is None or end is None:
            self._sessions = pd.DatetimeIndex([])
        else:
            self._sessions = calendar.sessions_in_range(session_label(start), session_label(end))
        self._sessions_ns = naive_datetime64(self._sessions)
        self._first_trading_day = (
            session_label(first_trading_day)
            if first_trading_day is not None
            else (self._sessions[0] if len(self._sessions) else None)
        )
        self._currencies = dict(currencies or {})
        self._default_currency = default_currency
        self._spot_cells = spot_cells
        self._cached: CachedFloatBlocks | None = None
        self._index_of: dict[object, int] = {}  # session index per time asked, as zipline repeats them
        self.sids_read: set[int] = set()
        self._spots: dict[int, dict[str, np.ndarray]] = {}
        self._spans: dict[int, tuple[int, int]] = {}
        self._loaded_from: dict[int, int] = {}

    @cached_property
    def _known(self) -> frozenset[int]:
        """Sids with bars in the store, listed on first use (opening a bundle stays cheap)."""
        return frozenset(self._reader.sids())

    @property
    def bar_reader(self) -> BarReader:
        """The store this reader reads."""
        return self._reader

    @property
    @override
    def sessions(self) -> pd.DatetimeIndex:
        return self._sessions

    @property
    @override
    def last_available_dt(self) -> pd.Timestamp:
        return self._sessions[-1]

    @property
    @override
    def trading_calendar(self) -> TradingCalendar:
        return self._calendar

    @property
    @override
    def first_trading_day(self) -> pd.Timestamp | None:
        return self._first_trading_day

    def _session_index(self, day: TimeInput) -> int:
        try:
            return self._index_of[day]
        except (KeyError, TypeError):  # TypeError: an unhashable input
            pass
        label = session_label(day)
        idx = int(np.searchsorted(self._sessions_ns, label.value))
        if idx >= len(self._sessions_ns) or self._sessions_ns[idx] != label.value:
            raise NoDataOnDate(f"day={label.date()} is not a session of this reader ({self._calendar.name})")
        if len(self._index_of) < 100_000:
            self._index_of[day] = idx
        return idx

    @override
    def load_raw_arrays(
        self, columns: Sequence[str], start_date: TimeInput, end_date: TimeInput, assets: Sequence[int]
    ) -> list[np.ndarray]:
        lo, hi = self._session_index(start_date), self._session_index(end_date)
        sids = [int(a) for a in assets]
        self.sids_read.update(s for s in sids if s in self._known)
        if sids and len(self._sessions) * len(self._known) <= self._spot_cells:
            return self._from_spots(sids, columns, lo, hi)
        block = self._load_block(sids, list(columns), self._sessions_ns[lo : hi + 1], self._known)
        return [block[c] for c in columns]

    def _from_spots(self, sids: Sequence[int], columns: Sequence[str], lo: int, hi: int) -> list[np.ndarray]:
        """Sessions ``lo``..``hi`` cut from the spot arrays (read once for every sid, then kept)."""
        for sid in dict.fromkeys(sids):
            if sid in self._known:
                self._spot(sid, lo)
        out = []
        for column in columns:
            block = empty_block(hi - lo + 1, len(sids), column)
            for j, sid in enumerate(sids):
                spot = self._spots.get(sid)
                if spot is not None:
                    block[:, j] = spot[column][lo : hi + 1]
            out.append(block)
        return out

    def _window_start(self, idx: int) -> int:
        """First session of the year before session ``idx``: spot reads start there."""
        year_before = pd.Timestamp(year=self._sessions[idx].year - 1, month=1, day=1)
        return int(np.searchsorted(self._sessions_ns, year_before.value))

    def _spot(self, sid: int, need: int) -> dict[str, np.ndarray]:
        """``sid``'s bars over every session, read from at least session ``need`` on."""
        if sid in self._known:
            self.sids_read.add(sid)
        start = self._loaded_from.get(sid)
        if start is not None and start <= need:
            return self._spots[sid]
        start = 0 if start is not None else self._window_start(need)
        batch = [sid]
        if len(self._sessions) * len(self._known) <= self._spot_cells:
            batch = sorted(self._known | {sid})  # one read for every sid: per-read cost dominates
        block = self._load_block(batch, FIELDS, self._sessions_ns[start:], self._known)
        for column, key in enumerate(batch):
            if self._loaded_from.get(key, len(self._sessions)) <= start:
                continue
            values = {}
            for f, a in block.items():
                full = np.zeros(len(self._sessions)) if f == "volume" else np.full(len(self._sessions), np.nan)
                full[start:] = a[:, column]
                values[f] = full
            self._spots[key], self._loaded_from[key] = values, start
            present = np.flatnonzero(~np.isnan(values["close"]) | (values["volume"] != 0))
            self._spans[key] = (int(present[0]), int(present[-1])) if len(present) else (len(self._sessions), -1)
        return self._spots[sid]

    def _sid_day_index(self, sid: int, day: TimeInput) -> int:
        idx = self._session_index(day)
        self._spot(sid, idx)
        if idx < self._spans[sid][0] and self._loaded_from[sid] > 0:
            self._spot(sid, 0)  # bars may exist before the window read so far
        first, last = self._spans[sid]
        if idx < first:
            raise NoDataBeforeDate(f"No data on or before day={session_label(day).date()} for sid={sid}")
        if idx > last:
            raise NoDataAfterDate(f"No data on or after day={session_label(day).date()} for sid={sid}")
        return idx

    @override
    def get_value(self, sid: object, dt: TimeInput, field: str) -> float:
        if field not in FIELDS:
            raise KeyError(field)
        key = int(sid)  # type: ignore[call-overload]
        idx = self._sid_day_index(key, dt)
        return float(self._spots[key][field][idx])

    @override
    def get_last_traded_dt(self, asset: object, day: TimeInput) -> pd.Timestamp:
        sid = int(asset)  # type: ignore[call-overload]
        try:
            idx = self._session_index(day)
        except NoDataOnDate:
            return pd.NaT
        while True:
            volume = self._spot(sid, idx)["volume"]
            first, last = self._spans[sid]
            low = max(first, self._loaded_from[sid])
            traded = np.flatnonzero(volume[low : min(idx, last) + 1]) if idx >= low else np.empty(0, dtype=np.int64)
            if len(traded):
                return self._sessions[low + int(traded[-1])]
            if self._loaded_from[sid] == 0:
                return pd.NaT
            self._spot(sid, 0)  # look further back than the window read so far

    @override
    def currency_codes(self, sids: Sequence[int]) -> np.ndarray:
        codes = [self._currencies.get(int(s), self._default_currency) if int(s) in self._known else None for s in sids]
        return np.array(codes, dtype=object)
