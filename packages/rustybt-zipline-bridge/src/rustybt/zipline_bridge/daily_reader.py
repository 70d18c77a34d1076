"""zipline's session bar reader interface over any ``BarReader`` holding daily bars."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

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
from rustybt.zipline_bridge.spot_reads import SpotReads
from rustybt.zipline_bridge.times import TimeInput, naive_datetime64, session_label


class ZiplineDailyBarReader(BlockSource, CurrencyAwareSessionBarReader):
    """Daily bars of a ``BarReader`` served the way zipline's ``BcolzDailyBarReader`` serves them.

    ``load_raw_arrays`` gives float64 arrays shaped (sessions, assets): NaN prices and 0
    volume where an asset has no bar. Sessions span the calendar from ``start_session``
    (default: the first stored bar) to ``end_session`` (default: the last stored bar).
    ``get_value`` and ``get_last_traded_dt`` take an ``Asset`` or an int sid and answer from
    spot arrays kept in memory, as bcolz keeps its spot columns: the first use reads from the
    month of the asked session to the end of the sessions a backtest expects
    (``expect_sessions``; the last session otherwise), further only when a question needs
    it, for every sid at once while sessions x sids stays under ``spot_cells``. Those sids
    are ``listed_sids`` (a bundle's assets) when given, so no read lists the whole store;
    otherwise every sid the store holds.
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
        listed_sids: Iterable[int] | None = None,
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
        self._cached: CachedFloatBlocks | None = None
        self._index_of: dict[object, int] = {}  # session index per time asked, as zipline repeats them
        self.sids_read: set[int] = set()
        self._spots = SpotReads(
            self._sessions_ns, self._load_block, reader.sids, listed=listed_sids, spot_cells=spot_cells
        )
        self._table = self._spots.table

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
        if sids and self._spots.batching():
            out = self._from_spots(sids, columns, lo, hi)
        else:
            block = self._spots.read(sids, lo, hi + 1, list(columns))
            out = [block[c] for c in columns]
        self.sids_read.update(s for s in dict.fromkeys(sids) if self._spots.has_bars(s))
        return out

    def _from_spots(self, sids: Sequence[int], columns: Sequence[str], lo: int, hi: int) -> list[np.ndarray]:
        """Sessions ``lo``..``hi`` cut from the spot arrays (read once for every sid, then kept)."""
        for sid in dict.fromkeys(sids):
            self._spots.cover(sid, lo, hi + 1)
        values = self._table.values
        out = []
        for column in columns:
            block = empty_block(hi - lo + 1, len(sids), column)
            for j, sid in enumerate(sids):
                spot = values.get(sid)
                if spot is not None:
                    block[:, j] = spot[column][lo : hi + 1]
            out.append(block)
        return out

    def expect_sessions(self, first: TimeInput, last: TimeInput) -> None:
        """The sessions a backtest runs over: the first read (whole months, every sid while
        sessions x sids stays under ``spot_cells``) runs from the first session asked to the
        last of them; later reads add only what a question needs beyond that."""
        lo = int(np.searchsorted(self._sessions_ns, session_label(first).value))
        hi = int(np.searchsorted(self._sessions_ns, session_label(last).value, side="right"))
        self._spots.expect(lo, hi)

    def _sid_day_index(self, sid: int, day: TimeInput) -> int:
        idx = self._session_index(day)
        table, cover = self._table, self._spots.cover
        cover(sid, idx, idx + 1)
        first, last = table.span(sid)
        lo, hi = table.range_of(sid)
        if idx < first and lo > 0:
            cover(sid, 0, hi)  # bars may exist before the range read so far
            first, last = table.span(sid)
        if idx > last and hi < len(self._sessions):
            cover(sid, idx, len(self._sessions))  # or after it
            first, last = table.span(sid)
        if self._spots.has_bars(sid):
            self.sids_read.add(sid)
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
        return float(self._table.values[key][field][idx])

    def stored_value(self, sid: int, day: TimeInput, field: str) -> float | None:
        """``get_value(sid, day, field)`` when that is a number; ``None`` where it would be NaN
        or raise (no bar on or before / after ``day``, not a session)."""
        idx = self._index_of.get(day) if isinstance(day, pd.Timestamp) else None
        spot = self._table.values.get(sid)
        if idx is not None and spot is not None:
            lo, hi, first, last = self._table.bounds(sid)
            if lo <= idx < hi and first <= idx <= last:  # inside the bars read: the answer is final
                self.sids_read.add(sid)
                value = float(spot[field][idx])
                return None if value != value else value
        try:
            idx = self._sid_day_index(sid, day)
        except NoDataOnDate:
            return None
        value = float(self._table.values[sid][field][idx])
        return None if value != value else value

    @override
    def get_last_traded_dt(self, asset: object, day: TimeInput) -> pd.Timestamp:
        sid = int(asset)  # type: ignore[call-overload]
        try:
            idx = self._session_index(day)
        except NoDataOnDate:
            return pd.NaT
        table = self._table
        self._spots.cover(sid, idx, idx + 1)
        if self._spots.has_bars(sid):
            self.sids_read.add(sid)
        while True:
            volume = table.values[sid]["volume"]
            first, last = table.span(sid)
            lo, hi = table.range_of(sid)
            low = max(first, lo)
            traded = np.flatnonzero(volume[low : min(idx, last) + 1]) if idx >= low else np.empty(0, dtype=np.int64)
            if len(traded):
                return self._sessions[low + int(traded[-1])]
            if lo == 0:
                return pd.NaT
            self._spots.cover(sid, 0, hi)  # look further back than the range read so far

    @override
    def currency_codes(self, sids: Sequence[int]) -> np.ndarray:
        has_bars = self._spots.has_bars
        codes = [self._currencies.get(int(s), self._default_currency) if has_bars(int(s)) else None for s in sids]
        return np.array(codes, dtype=object)
