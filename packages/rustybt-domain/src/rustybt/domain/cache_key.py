"""The cache key of the spec: SHA-256 of JSON with sorted symbols, ISO dates, resolution, source.

The digest is computed once per ``CacheKey`` object and memoized, so a hot-cache hit that
reuses its request object costs a dict lookup, not a hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from rustybt.domain.assets import check_symbol
from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import InvalidRequestError
from rustybt.domain.instants import TimeLike, iso_z, to_utc
from rustybt.domain.resolution import Resolution


@dataclass(frozen=True)
class CacheKey:
    """The parameters of a bar query, and their deterministic digest (``.digest``)."""

    symbols: tuple[str, ...]
    start_date: datetime
    end_date: datetime
    resolution: Resolution
    source: str

    @classmethod
    def of(
        cls,
        symbols: Iterable[str],
        start_date: TimeLike,
        end_date: TimeLike,
        resolution: str | Resolution,
        source: str,
    ) -> CacheKey:
        if isinstance(symbols, (str, bytes)) or not isinstance(symbols, Iterable):
            raise InvalidRequestError(f"a cache key needs a list of symbols, not {type(symbols).__name__}")
        names = tuple(sorted({check_symbol(s) for s in symbols}))
        if not names:
            raise InvalidRequestError("a cache key needs at least one symbol")
        if not isinstance(source, str) or not source:
            raise InvalidRequestError("a cache key needs a non-empty source")
        DateRange.of(start_date, end_date)  # a start after the end is an InvalidDateRangeError
        first, last = to_utc(start_date, name="start_date"), to_utc(end_date, name="end_date")
        return cls(names, first, last, Resolution.parse(resolution), source)

    def params(self) -> dict[str, object]:
        """The JSON document that is hashed."""
        return {
            "symbols": sorted(self.symbols),
            "start_date": iso_z(self.start_date),
            "end_date": iso_z(self.end_date),
            "resolution": str(self.resolution),
            "source": self.source,
        }

    @cached_property
    def digest(self) -> str:
        """SHA-256 hex digest of ``json.dumps(params, sort_keys=True)``."""
        text = json.dumps(self.params(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def __str__(self) -> str:
        return self.digest


def generate_cache_key(
    symbols: Iterable[str],
    start_date: TimeLike,
    end_date: TimeLike,
    resolution: str | Resolution,
    source: str,
) -> str:
    """The spec's ``_generate_cache_key``: a 64-character SHA-256 hex digest."""
    return CacheKey.of(symbols, start_date, end_date, resolution, source).digest
