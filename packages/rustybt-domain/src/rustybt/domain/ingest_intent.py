"""Write intent of an ingest: a dataset is recorded ``pending`` before any bar file changes
and ``complete`` once the files and the catalog agree again.

A process killed between the two leaves the dataset ``pending``, so a verification names it
as incomplete; the next ingest of the same source, bundle, resolution and symbols resumes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rustybt.domain.assets import AssetType
from rustybt.domain.dataset import DatasetInfo
from rustybt.domain.date_range import DateRange
from rustybt.domain.ingest_incremental import extendable_dataset
from rustybt.domain.integrity import dataset_checksum
from rustybt.domain.ports.catalog import Catalog
from rustybt.domain.resolution import Resolution

PENDING = "pending"
COMPLETE = "complete"


@dataclass(frozen=True)
class Intent:
    """A dataset marked pending for one write.

    ``fresh``: the catalog records no bars for it yet (completing it records everything);
    ``registered``: this ingest created the record; ``was_complete``: it was complete before.
    """

    dataset_id: str
    fresh: bool
    registered: bool = False
    was_complete: bool = False


def resumable_dataset(
    catalog: Catalog, source: str, names: Sequence[str], resolution: Resolution, bundle: str | None
) -> DatasetInfo | None:
    """A dataset an interrupted ingest of exactly ``names`` left unfinished, if any."""
    for info in catalog.list_datasets(source=source, resolution=resolution, bundle=bundle):
        if info.bundle == bundle and info.status != COMPLETE and set(info.symbols) == set(names):
            return info
    return None


def dataset_to_extend(
    catalog: Catalog,
    source: str,
    names: Sequence[str],
    span: DateRange,
    resolution: Resolution,
    bundle: str | None,
    *,
    incremental: bool,
) -> DatasetInfo | None:
    """A dataset an interrupted ingest left pending with bars recorded (resumed whatever the
    mode), else — in incremental mode — a complete dataset this ingest extends."""
    resumed = resumable_dataset(catalog, source, names, resolution, bundle)
    if resumed is not None:
        return resumed if resumed.row_count > 0 else None
    return extendable_dataset(catalog, source, names, span, resolution, bundle) if incremental else None


def mark_pending(
    catalog: Catalog,
    existing: DatasetInfo | None,
    *,
    source: str,
    names: Sequence[str],
    span: DateRange,
    resolution: Resolution,
    root: str,
    asset_type: AssetType,
    exchange: str,
    bundle: str | None,
) -> Intent:
    """Record the intent to write: mark ``existing`` pending, or register a pending, empty dataset."""
    if existing is not None:
        was_complete = existing.status == COMPLETE
        if existing.status != PENDING:
            catalog.update_dataset(existing.dataset_id, status=PENDING)
        return Intent(existing.dataset_id, fresh=existing.row_count == 0, was_complete=was_complete)
    dataset_id = catalog.register_dataset(
        source,
        tuple(names),
        span.start,
        span.end,
        resolution,
        dataset_checksum({}),
        parquet_path=root,
        asset_type=asset_type,
        exchange=exchange,
        bundle=bundle,
        status=PENDING,
    )
    return Intent(dataset_id, fresh=True, registered=True)


def withdraw(catalog: Catalog, intent: Intent) -> None:
    """Undo ``mark_pending`` after a write that failed and changed no file; a dataset an
    earlier interrupted ingest left pending stays pending."""
    if intent.registered:
        catalog.remove_dataset(intent.dataset_id)
    elif intent.was_complete:
        catalog.update_dataset(intent.dataset_id, status=COMPLETE)


def withdraw_after(catalog: Catalog, intent: Intent, failure: Exception) -> None:
    """``withdraw`` after ``failure``; if the catalog cannot record that either (a full disk),
    the dataset stays pending — a verification names it, the next ingest resumes it — and
    ``failure``, the cause, gets a note saying so instead of being replaced."""
    try:
        withdraw(catalog, intent)
    except Exception as undo:
        note = getattr(failure, "add_note", None)
        if note is not None:
            note(f"dataset {intent.dataset_id} stays pending: withdrawing the write intent failed too ({undo})")


__all__ = [
    "COMPLETE",
    "PENDING",
    "Intent",
    "dataset_to_extend",
    "mark_pending",
    "resumable_dataset",
    "withdraw",
    "withdraw_after",
]
