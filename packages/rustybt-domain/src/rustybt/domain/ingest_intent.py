"""Write intent of an ingest: a dataset is recorded ``pending`` before any bar file changes
and ``complete`` once the files and the catalog agree again.

A process killed between the two leaves the dataset ``pending``, so a verification names it
as incomplete; the next ingest of the same source, bundle, resolution and symbols resumes it.

Datasets of one store share partition files (same month, other symbols). A write that replaces
such a file changes what the other datasets' checksums cover, so every complete dataset whose
recorded files lie in a partition the write touches is marked pending too, before any file
changes, and completed again once the catalog has their new checksums. A kill in between
leaves them pending: a verification names them with the interrupted dataset, never as
damaged, and the re-run of the interrupted ingest (which rewrites the same partitions)
completes them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import polars as pl

from rustybt.domain.assets import AssetType
from rustybt.domain.dataset import COMPLETE, PENDING, DatasetInfo
from rustybt.domain.date_range import DateRange
from rustybt.domain.ingest_incremental import extendable_dataset
from rustybt.domain.integrity import dataset_checksum
from rustybt.domain.partitions import partition_file_expr
from rustybt.domain.ports.catalog import Catalog
from rustybt.domain.resolution import Resolution
from rustybt.domain.schemas import time_column


@dataclass(frozen=True)
class Intent:
    """A dataset marked pending for one write.

    ``fresh``: the catalog records no bars for it yet (completing it records everything);
    ``registered``: this ingest created the record; ``was_complete``: it was complete before;
    ``sharers``: other datasets whose files the write touches, to complete with it;
    ``marked``: those of them this write marked pending (complete before it).
    """

    dataset_id: str
    fresh: bool
    registered: bool = False
    was_complete: bool = False
    sharers: tuple[str, ...] = ()
    marked: tuple[str, ...] = ()


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
    partitions: Collection[str] = (),
) -> Intent:
    """Record the intent to write: mark ``existing`` pending, or register a pending, empty
    dataset; then mark pending the datasets sharing the ``partitions`` (folders relative to
    ``root``, from ``touched_partitions``) the write will change."""
    if existing is not None:
        was_complete = existing.status == COMPLETE
        if existing.status != PENDING:
            catalog.update_dataset(existing.dataset_id, status=PENDING)
        resumed = not was_complete
        sharers, marked = _mark_sharers(catalog, root, partitions, existing.dataset_id, include_pending=resumed)
        fresh = existing.row_count == 0
        return Intent(existing.dataset_id, fresh, was_complete=was_complete, sharers=sharers, marked=marked)
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
    sharers, marked = _mark_sharers(catalog, root, partitions, dataset_id, include_pending=False)
    return Intent(dataset_id, fresh=True, registered=True, sharers=sharers, marked=marked)


def touched_partitions(stored: pl.DataFrame, kind: str) -> frozenset[str]:
    """Partition folders (relative to the store's root) that writing ``stored``, a frame in the
    storage schema of ``kind`` (``daily`` or ``minute``), changes."""
    time = pl.col(time_column(kind))
    # distinct times first (few), then their partitions: truncating every row costs ~10x more
    starts = stored.select(time.unique().dt.truncate("1mo" if kind == "daily" else "1d").unique())
    files = starts.select(partition_file_expr(kind)).to_series().to_list()
    return frozenset(str(f).rpartition("/")[0] for f in files)


def _in_partitions(path: str, partitions: Collection[str]) -> bool:
    folder, _, _ = path.rpartition("/")
    return folder in partitions


def _mark_sharers(
    catalog: Catalog, root: str, partitions: Collection[str], own: str, *, include_pending: bool
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Mark pending every other complete dataset under ``root`` with a recorded file in
    ``partitions``. Return the ones this write is to complete — those it marked, plus, when it
    resumes an interrupted write (which left them pending), those already pending — and the
    ones it marked."""
    if not partitions:
        return (), ()
    sharers: list[str] = []
    marked: list[str] = []
    for info in catalog.list_datasets():
        if info.dataset_id == own or info.parquet_path != root:
            continue
        if not any(_in_partitions(p, partitions) for p in info.file_checksums):
            continue
        if info.status == COMPLETE:
            catalog.update_dataset(info.dataset_id, status=PENDING)
            marked.append(info.dataset_id)
        elif not include_pending:
            continue
        sharers.append(info.dataset_id)
    return tuple(sorted(sharers)), tuple(sorted(marked))


def complete_sharers(catalog: Catalog, intent: Intent) -> None:
    """Complete the datasets sharing the written partitions, once the catalog holds the new
    checksums of their files (``Catalog.update_file_checksums`` recomputed their checksums)."""
    for dataset_id in intent.sharers:
        catalog.update_dataset(dataset_id, status=COMPLETE)


def withdraw(catalog: Catalog, intent: Intent) -> None:
    """Undo ``mark_pending`` after a write that failed and changed no file; a dataset an
    earlier interrupted ingest left pending stays pending, and so do the datasets sharing its
    files that were pending before this write."""
    for dataset_id in intent.marked:
        catalog.update_dataset(dataset_id, status=COMPLETE)
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
    "complete_sharers",
    "dataset_to_extend",
    "mark_pending",
    "resumable_dataset",
    "touched_partitions",
    "withdraw",
    "withdraw_after",
]
