"""Per-sid daily bars kept in memory over the session axis, filled range by range as asked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from rustybt.domain.schemas import FIELDS
from rustybt.zipline_bridge.float_block import empty_block


class SpotTable:
    """Each sid's OHLCV over every session of a reader (float64, NaN prices and 0 volume
    where nothing was read or no bar exists), with the one contiguous session range
    ``[lo, hi)`` read so far per sid, and the first and last session holding a bar in it.
    """

    def __init__(self, n_sessions: int) -> None:
        self._n = n_sessions
        self.values: dict[int, dict[str, np.ndarray]] = {}
        self._ranges: dict[int, tuple[int, int]] = {}
        self._spans: dict[int, tuple[int, int, int, int]] = {}

    def range_of(self, sid: int) -> tuple[int, int]:
        """``[lo, hi)`` read for ``sid`` (empty: ``(0, 0)``)."""
        return self._ranges.get(sid, (0, 0))

    def covers(self, sid: int, a: int, b: int) -> bool:
        lo, hi = self._ranges.get(sid, (0, 0))
        return lo < hi and lo <= a and b <= hi

    def missing(self, sid: int, a: int, b: int) -> list[tuple[int, int]]:
        """The session ranges to read so that ``sid``'s range covers ``[a, b)`` and stays one range."""
        lo, hi = self._ranges.get(sid, (0, 0))
        if lo >= hi:
            return [(a, b)]
        parts = []
        if a < lo:
            parts.append((a, lo))
        if b > hi:
            parts.append((hi, b))
        return parts

    def fill(self, sids: Sequence[int], a: int, b: int, block: Mapping[str, np.ndarray]) -> None:
        """Store ``block[field][:, j]`` (sessions ``a``..``b - 1``) as the bars of ``sids[j]``."""
        for j, sid in enumerate(sids):
            spot = self.values.get(sid)
            if spot is None:
                spot = self.values[sid] = {f: empty_block(self._n, 1, f)[:, 0] for f in FIELDS}
            for f in FIELDS:
                spot[f][a:b] = block[f][:, j]
            lo, hi = self._ranges.get(sid, (a, a))
            self._ranges[sid] = (min(lo, a), max(hi, b)) if lo < hi else (a, b)
            self._spans.pop(sid, None)

    def span(self, sid: int) -> tuple[int, int]:
        """First and last session with a bar of ``sid`` in its range; ``(n, -1)`` when none."""
        bounds = self._spans.get(sid)
        return (bounds[2], bounds[3]) if bounds is not None else self.bounds(sid)[2:]

    def bounds(self, sid: int) -> tuple[int, int, int, int]:
        """``sid``'s range ``lo, hi`` and the ``first, last`` sessions with a bar in it."""
        found = self._spans.get(sid)
        if found is not None:
            return found
        lo, hi = self._ranges.get(sid, (0, 0))
        spot = self.values.get(sid)
        first, last = self._n, -1
        if spot is not None and lo < hi:
            present = np.flatnonzero(~np.isnan(spot["close"][lo:hi]) | (spot["volume"][lo:hi] != 0))
            if len(present):
                first, last = lo + int(present[0]), lo + int(present[-1])
        found = self._spans[sid] = (lo, hi, first, last)
        return found
