"""Port: reading stored bars."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

import polars as pl

from rustybt.domain.instants import TimeLike
from rustybt.domain.resolution import Resolution


class BarReader(ABC):
    """Reads bars of one storage kind (daily: keyed by ``date``; minute: by ``timestamp``).

    Times given to a reader may be dates, datetimes (naive means UTC) or ISO strings. Times it
    returns are timezone-aware UTC ``datetime`` values (midnight for daily bars).
    """

    @property
    @abstractmethod
    def storage_kind(self) -> str:
        """``"daily"`` or ``"minute"``."""

    @property
    def time_column(self) -> str:
        """``"date"`` for daily bars, ``"timestamp"`` for minute bars."""
        return "date" if self.storage_kind == "daily" else "timestamp"

    @abstractmethod
    def load_raw_arrays(
        self,
        sids: Sequence[int],
        fields: Sequence[str],
        start_date: TimeLike,
        end_date: TimeLike,
    ) -> pl.LazyFrame:
        """Bars of ``sids`` between ``start_date`` and ``end_date`` (both inclusive).

        Columns: the time column, ``sid``, then ``fields`` in the order asked, with the
        storage dtypes (Decimal). Rows sorted by (time, sid). A range without data gives an
        empty frame with that schema. A bare date as ``end_date`` on a minute reader includes
        the whole day.

        Raises ``UnknownFieldError`` for a field not in open/high/low/close/volume,
        ``InvalidDateRangeError`` when start is after end, ``UnknownSidError`` for a sid that
        has no bar anywhere in the store, ``InvalidRequestError`` for an empty sid list.
        """

    @abstractmethod
    def get_last_traded_dt(self, asset_sid: int, dt: TimeLike) -> datetime | None:
        """Time of the last bar of ``asset_sid`` at or before ``dt``; ``None`` if there is none.

        Raises ``UnknownSidError`` for a sid that has no bar anywhere in the store.
        """

    @abstractmethod
    def get_value(self, sid: int, dt: TimeLike, field: str) -> Decimal | None:
        """The exact ``field`` of the bar of ``sid`` at ``dt``; ``None`` if no bar is there.

        Raises ``UnknownFieldError`` and ``UnknownSidError`` like ``load_raw_arrays``.
        """

    @abstractmethod
    def sids(self) -> list[int]:
        """Every sid with at least one bar, ascending."""

    @abstractmethod
    def first_available_dt(self) -> datetime | None:
        """Time of the earliest bar in the store; ``None`` when it is empty."""

    @abstractmethod
    def last_available_dt(self) -> datetime | None:
        """Time of the latest bar in the store; ``None`` when it is empty."""

    def resolution_hint(self) -> Resolution:
        """The natural resolution of the store (1d for daily, 1m for minute)."""
        return Resolution.D1 if self.storage_kind == "daily" else Resolution.M1
