"""Which daily bars to read for a question, read together, and kept in a ``SpotTable``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cached_property

import numpy as np

from rustybt.domain.errors import UnknownSidError
from rustybt.domain.schemas import FIELDS
from rustybt.zipline_bridge.daily_spots import SpotTable

LoadBlock = Callable[[Sequence[int], Sequence[str], np.ndarray, frozenset[int]], dict[str, np.ndarray]]


class SpotReads:
    """Fills a ``SpotTable`` over ``sessions_ns`` from ``load_block`` (a reader's float blocks).

    Reads cover whole calendar months (a partition is read whole anyway) and, while sessions
    x sids stays under ``spot_cells``, every sid of the batch at once: the cost of a read is
    mostly per file. The batch is ``listed`` (the bundle's assets) when given, else every sid
    with bars in the store (``all_sids``, which lists the whole store); a listed sid the store
    has no bar of reads as missing. The first read of a batch runs from the first session asked
    to the end of the expected sessions (``expect``), or to the last session.
    """

    def __init__(
        self,
        sessions_ns: np.ndarray,
        load_block: LoadBlock,
        all_sids: Callable[[], Iterable[int]],
        *,
        listed: Iterable[int] | None = None,
        spot_cells: int,
    ) -> None:
        self._ns = sessions_ns
        self._months = sessions_ns.astype("datetime64[ns]").astype("datetime64[M]").astype(np.int64)
        self._load_block = load_block
        self._all_sids = all_sids
        self._listed = frozenset(int(s) for s in listed) if listed is not None else None
        self._absent: frozenset[int] = frozenset()
        self._member_set: frozenset[int] | None = None
        self._spot_cells = spot_cells
        self.table = SpotTable(len(sessions_ns))
        self._expected: tuple[int, int] | None = None

    @cached_property
    def known(self) -> frozenset[int]:
        """Every sid with bars in the store (lists the whole store: used only when needed)."""
        return frozenset(int(s) for s in self._all_sids())

    def _members(self) -> frozenset[int]:
        """The sids read together: listed ones the store was not found to lack, or all it holds."""
        if self._listed is None:
            return self.known
        if self._member_set is None:
            self._member_set = self._listed - self._absent
        return self._member_set

    def batching(self) -> bool:
        return len(self._ns) * len(self._members()) <= self._spot_cells

    def has_bars(self, sid: int) -> bool:
        """Whether the store holds a bar of ``sid`` (from what was read when it tells)."""
        if sid in self._absent:
            return False
        _lo, _hi, first, last = self.table.bounds(sid)
        return first <= last or sid in self.known

    def read(self, sids: Sequence[int], a: int, b: int, fields: Sequence[str] = FIELDS) -> dict[str, np.ndarray]:
        """``fields`` of ``sids`` over sessions ``a``..``b - 1``; a sid without any bar reads as missing."""
        known = frozenset(sids) - self._absent if self._listed is not None else self.known
        while True:
            try:
                return self._load_block(sids, fields, self._ns[a:b], known)
            except UnknownSidError as err:
                gone = frozenset(err.sids) & known
                if not gone:
                    raise
                self._absent |= gone
                self._member_set = None
                known -= gone

    def expect(self, lo: int, hi: int) -> None:
        """A backtest runs over sessions ``lo``..``hi - 1``: the first read reaches ``hi``."""
        self._expected = (lo, hi) if lo < hi else None

    def _months_of(self, a: int, b: int) -> tuple[int, int]:
        """``[a, b)`` widened to whole calendar months."""
        months = self._months
        return (
            int(np.searchsorted(months, months[a], side="left")),
            int(np.searchsorted(months, months[b - 1], side="right")),
        )

    def cover(self, sid: int, a: int, b: int) -> None:
        """Read what ``sid``'s spot arrays lack of sessions ``a``..``b - 1``."""
        table = self.table
        if table.covers(sid, a, b):
            return
        batch, plan = [sid], sid  # a sid outside the batch gets its own arrays
        members = self._members()
        if sid in members and self.batching():
            batch = sorted(members)
            plan = batch[0]  # every sid of the batch holds the same range
        lo, hi = table.range_of(plan)
        if lo >= hi:
            b = max(b, self._expected[1]) if self._expected is not None else len(self._ns)
        for x, y in table.missing(plan, *self._months_of(a, b)):
            if y > x:
                table.fill(batch, x, y, self.read(batch, x, y))
