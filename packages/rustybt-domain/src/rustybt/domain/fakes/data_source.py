"""In-memory data source: serves bars given to it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from rustybt.domain.bar import Bar, bars_frame
from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import InvalidResolutionError, SymbolNotFoundError
from rustybt.domain.ports.data_source import DataSource
from rustybt.domain.resolution import Resolution


class InMemoryDataSource(DataSource):
    """Serves fixed bars per symbol, at the one resolution they were given at."""

    def __init__(self, bars: Mapping[str, Sequence[Bar]] | None = None, *, name: str = "memory", resolution: Resolution | str = Resolution.D1) -> None:
        self._bars = {s: sorted(b) for s, b in (bars or {}).items()}
        self._name = name
        self._resolution = Resolution.parse(resolution)
        self.requests: list[tuple[tuple[str, ...], DateRange, Resolution]] = []

    @property
    def source_name(self) -> str:
        return self._name

    def supported_resolutions(self) -> tuple[Resolution, ...]:
        return (self._resolution,)

    async def fetch(self, symbols: Sequence[str], span: DateRange, resolution: Resolution) -> pl.DataFrame:
        resolution = Resolution.parse(resolution)
        if resolution is not self._resolution:
            raise InvalidResolutionError(f"{self._name} only has {self._resolution} bars, not {resolution}")
        missing = [s for s in symbols if s not in self._bars]
        if missing:
            raise SymbolNotFoundError(missing, self._name)
        self.requests.append((tuple(symbols), span, resolution))
        return bars_frame(b for s in symbols for b in self._bars[s] if b.ts in span)
