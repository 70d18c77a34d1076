"""Incremental update: which stored dataset a new ingest extends, and what it still lacks.

A complete dataset of the same source, resolution and bundle holding exactly the requested
symbols, whose range overlaps or touches the requested one, is extended: only the parts of
the range it lacks are fetched.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from rustybt.domain.dataset import COMPLETE, DatasetInfo
from rustybt.domain.date_range import DateRange
from rustybt.domain.instants import shifted
from rustybt.domain.ports.catalog import Catalog
from rustybt.domain.resolution import Resolution

_TICK = timedelta(microseconds=1)


def extendable_dataset(
    catalog: Catalog,
    source: str,
    names: Sequence[str],
    span: DateRange,
    resolution: Resolution,
    bundle: str | None,
) -> DatasetInfo | None:
    """The dataset an ingest of ``names`` over ``span`` extends, if any."""
    step = resolution.duration
    for info in catalog.list_datasets(source=source, resolution=resolution, bundle=bundle):
        if info.bundle != bundle or info.status != COMPLETE or set(info.symbols) != set(names):
            continue
        if span.start <= shifted(info.end_date, step) and span.end >= shifted(info.start_date, -step):
            return info
    return None


def missing_pieces(existing: DatasetInfo, span: DateRange) -> tuple[DateRange, ...]:
    """The parts of ``span`` outside the dataset's range, in time order."""
    pieces: list[DateRange] = []
    if span.start < existing.start_date:
        pieces.append(DateRange(span.start, min(span.end, shifted(existing.start_date, -_TICK))))
    if span.end > existing.end_date:
        pieces.append(DateRange(max(span.start, shifted(existing.end_date, _TICK)), span.end))
    return tuple(pieces)


__all__ = ["extendable_dataset", "missing_pieces"]
