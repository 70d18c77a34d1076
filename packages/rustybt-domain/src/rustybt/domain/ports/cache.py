"""Port: the bar cache, keyed by the spec's cache key."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from rustybt.domain.cache_key import CacheKey
from rustybt.domain.errors import InvalidRequestError
from rustybt.domain.instants import TimeLike
from rustybt.domain.resolution import Resolution


@dataclass
class TierStats:
    """Counters of one cache tier."""

    hits: int = 0
    misses: int = 0
    evictions: int = 0
    expirations: int = 0
    invalidations: int = 0
    corrupt: int = 0
    bytes: int = 0
    entries: int = 0

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


@dataclass
class CacheStats(Mapping[str, Any]):
    """Per-tier counters plus overall hits, misses and hit rate; readable as a dict."""

    tiers: dict[str, TierStats] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0

    @property
    def size_bytes(self) -> int:
        return sum(t.bytes for t in self.tiers.values())

    @property
    def entry_count(self) -> int:
        return max((t.entries for t in self.tiers.values()), default=0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "hits": self.hits,
            "misses": self.misses,
            "hit_rate": self.hit_rate,
            "size_bytes": self.size_bytes,
            "entry_count": self.entry_count,
            "tiers": {
                name: {**vars(t), "hit_rate": t.hit_rate} for name, t in self.tiers.items()
            },
        }

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_dict())

    def __len__(self) -> int:
        return len(self.to_dict())


class Cache(ABC):
    """A cache of bar frames.

    ``get``/``put`` take the spec's query parameters; ``get_entry``/``put_entry`` take a
    ``CacheKey`` (whose digest is memoized) or the digest itself. Entries remember the dataset
    checksum they were built from: asking with a different current checksum is a miss that
    drops the entry. A miss is ``None``, never an exception.
    """

    def get(
        self,
        symbols: Sequence[str],
        start_date: TimeLike,
        end_date: TimeLike,
        resolution: Resolution | str,
        source: str,
        *,
        checksum: str | None = None,
    ) -> pl.LazyFrame | None:
        """The cached frame for this query, or ``None`` on a miss."""
        return self.get_entry(CacheKey.of(symbols, start_date, end_date, resolution, source), checksum=checksum)

    def put(
        self,
        symbols: Sequence[str],
        start_date: TimeLike,
        end_date: TimeLike,
        resolution: Resolution | str,
        source: str,
        data: pl.LazyFrame | pl.DataFrame,
        *,
        checksum: str | None = None,
    ) -> str:
        """Cache ``data`` for this query and return the cache key."""
        key = CacheKey.of(symbols, start_date, end_date, resolution, source)
        self.put_entry(key, data, checksum=checksum)
        return key.digest

    @abstractmethod
    def get_entry(self, key: CacheKey | str, *, checksum: str | None = None) -> pl.LazyFrame | None:
        """The frame stored under ``key``; ``None`` on a miss, an expired entry, or when
        ``checksum`` is given and differs from the one the entry was stored with (the entry
        is then dropped)."""

    @abstractmethod
    def put_entry(self, key: CacheKey | str, data: pl.LazyFrame | pl.DataFrame, *, checksum: str | None = None) -> None:
        """Store ``data`` (materialized) under ``key``, replacing any previous entry.

        Every method taking a key raises ``InvalidRequestError`` for one that is neither a
        ``CacheKey`` nor its digest (``key_digest``); ``put_entry`` also for ``data`` that is
        not a frame of bars (``cache_frames.check_cached_frame``), storing nothing then."""

    @abstractmethod
    def invalidate(self, cache_key: CacheKey | str) -> bool:
        """Drop one entry from every tier; True if anything was dropped."""

    @abstractmethod
    def clear(self) -> None:
        """Drop every entry of every tier (the counters are kept)."""

    @abstractmethod
    def get_stats(self) -> CacheStats:
        """Hits and misses per tier, hit rate, evictions, bytes and entries per tier."""


def key_digest(key: CacheKey | str) -> str:
    """The hex digest of a key given either way; ``InvalidRequestError`` for anything else
    (a string that is not a 64-character lowercase hex digest, ``None``, a number, ...)."""
    if isinstance(key, CacheKey):
        return key.digest
    if isinstance(key, str) and len(key) == 64 and _HEX.fullmatch(key):
        return key
    shown = repr(key)[:40] if isinstance(key, str) else type(key).__name__
    raise InvalidRequestError(f"a cache key is a CacheKey or its 64-character hex digest, not {shown}")


_HEX = re.compile(r"[0-9a-f]{64}")
