"""What a tier keeps per key, and the base class of every tier."""

from __future__ import annotations

import threading
import time
from abc import abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import polars as pl
from typing_extensions import override

from rustybt.domain.cache_frames import check_cached_frame
from rustybt.domain.cache_key import CacheKey
from rustybt.domain.instants import TimeLike
from rustybt.domain.ports.cache import Cache, TierStats, key_digest
from rustybt.domain.resolution import Resolution

Clock = Callable[[], float]
DEFAULT_TTL_SECONDS = 7 * 24 * 3600
MB = 1024 * 1024


@dataclass(frozen=True)
class CachedFrame:
    """A materialized frame with the dataset checksum it was built from and when it was stored.

    ``lazy`` is created once, so a hit hands out the same ``LazyFrame`` without copying data.
    """

    frame: pl.DataFrame
    checksum: str | None
    stored_at: float
    lazy: pl.LazyFrame = field(init=False, repr=False, compare=False)
    nbytes: int = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lazy", self.frame.lazy())
        object.__setattr__(self, "nbytes", int(self.frame.estimated_size()))

    @classmethod
    def of(cls, data: pl.LazyFrame | pl.DataFrame, checksum: str | None, stored_at: float) -> CachedFrame:
        frame = data.collect() if isinstance(data, pl.LazyFrame) else data
        return cls(frame, checksum, stored_at)


class KeyMemo:
    """Digests of recently seen query parameters, so a repeated ``get`` does not rehash 500 symbols."""

    def __init__(self, capacity: int = 1024) -> None:
        self._capacity = capacity
        self._digests: dict[tuple[object, ...], CacheKey] = {}
        self._lock = threading.Lock()

    def key(
        self,
        symbols: Sequence[str],
        start_date: TimeLike,
        end_date: TimeLike,
        resolution: Resolution | str,
        source: str,
    ) -> CacheKey:
        try:
            memo: tuple[object, ...] | None = (tuple(symbols), start_date, end_date, str(resolution), source)
            found = self._digests.get(memo)  # type: ignore[arg-type]
        except TypeError:  # an unhashable argument: compute without memoizing
            memo, found = None, None
        if found is not None:
            return found
        key = CacheKey.of(symbols, start_date, end_date, resolution, source)
        if memo is not None:
            _ = key.digest
            with self._lock:
                if len(self._digests) >= self._capacity:
                    self._digests.pop(next(iter(self._digests)))
                self._digests[memo] = key
        return key


class Tier(Cache):
    """A cache tier: the ``Cache`` port plus ``fetch``/``store`` of whole entries.

    ``fetch`` and ``store`` keep an entry's checksum and storage time, so a two-tier cache can
    promote an entry without resetting its TTL. Subclasses count into ``self._stats``.
    """

    def __init__(self, ttl_seconds: float | None, clock: Clock | None) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock: Clock = clock or time.time
        self._stats = TierStats()
        self._memo = KeyMemo()

    @abstractmethod
    def fetch(self, key: CacheKey | str, *, checksum: str | None = None) -> CachedFrame | None:
        """The whole entry under ``key`` (counted as a hit), or ``None`` (counted as a miss)."""

    @abstractmethod
    def store(self, key: CacheKey | str, entry: CachedFrame) -> None:
        """Store ``entry`` under ``key`` as it is (its ``stored_at`` is kept)."""

    def expired(self, stored_at: float) -> bool:
        """True when an entry stored at ``stored_at`` is older than the TTL."""
        return self.ttl_seconds is not None and self._clock() - stored_at > self.ttl_seconds

    def now(self) -> float:
        return self._clock()

    @override
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
        return self.get_entry(self._memo.key(symbols, start_date, end_date, resolution, source), checksum=checksum)

    @override
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
        key = self._memo.key(symbols, start_date, end_date, resolution, source)
        self.put_entry(key, data, checksum=checksum)
        return key.digest

    @override
    def get_entry(self, key: CacheKey | str, *, checksum: str | None = None) -> pl.LazyFrame | None:
        entry = self.fetch(key, checksum=checksum)
        return None if entry is None else entry.lazy

    @override
    def put_entry(self, key: CacheKey | str, data: pl.LazyFrame | pl.DataFrame, *, checksum: str | None = None) -> None:
        key_digest(key)
        self.store(key, CachedFrame(check_cached_frame(data), checksum, self._clock()))
