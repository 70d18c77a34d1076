"""Bars read from a zipline bundle, before conversion: raw scaled integers or floats."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from rustybt.domain.schemas import FIELDS


@dataclass
class SourceBars:
    """One bar file of a zipline bundle, as read.

    ``frame`` has the time column (``date`` or ``timestamp``), ``sid``, the five fields and,
    for scaled files, ``price_scale`` and ``volume_scale``: the stored integer divided by its
    scale is the value. Float files (pandas HDFStore) have no scale columns. Rows whose every
    field is 0 (zipline's padding for "no bar") are already left out and counted in
    ``empty_rows``.
    """

    kind: str
    frame: pl.DataFrame
    path: str
    format: str
    calendar_name: str | None = None
    start_session: str | None = None
    end_session: str | None = None
    first_trading_day: str | None = None
    empty_rows: int = 0
    sid_symbols: dict[int, str] = field(default_factory=dict)
    notes: dict[str, object] = field(default_factory=dict)

    @property
    def time_column(self) -> str:
        return "date" if self.kind == "daily" else "timestamp"

    @property
    def scaled(self) -> bool:
        return "price_scale" in self.frame.columns

    def drop_padding(self) -> SourceBars:
        """Leave out rows whose every field is 0 and count them."""
        padding = pl.all_horizontal([pl.col(f) == 0 for f in FIELDS])
        kept = self.frame.filter(~padding)
        self.empty_rows += self.frame.height - kept.height
        self.frame = kept
        return self
