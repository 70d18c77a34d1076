"""Staging one partition of a write: merge with what is stored, split by price class, encode,
write temp files. Runs in the writer's threads, one partition per task."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from rustybt.domain.partitions import DATA_FILE
from rustybt.domain.ports.bar_writer import PartitionWrite
from rustybt.domain.schemas import time_column
from rustybt.storage.parquet import atomic
from rustybt.storage.parquet.file_encode import encode_partition
from rustybt.storage.parquet.file_format import generation_of, price_class_of, read_partition_meta
from rustybt.storage.parquet.file_index import in_time_sid_order
from rustybt.storage.parquet.partition_members import drop_sids, members
from rustybt.storage.parquet.price_classes import StoredFile, plan_files

NEW = "__new"
REPLACING = "__replacing"


@dataclass(frozen=True)
class StagedPartition:
    """The temp files of one partition (siblings first, ``data.parquet`` last) and what each did."""

    files: tuple[atomic.StagedFile, ...]
    writes: tuple[PartitionWrite, ...]


def read_current(head: Path) -> tuple[pl.DataFrame | None, int, dict[str, StoredFile]]:
    """The current rows of a stored partition (canonical types; ``None`` when there is no
    partition), its newest generation, and its files."""
    if not head.is_file():
        return None, 0, {}
    paths = members(head)
    read = [read_partition_meta(path) for path in paths]
    generations = [generation_of(path, meta) for path, (_, meta) in zip(paths, read, strict=True)]
    tables = [table for table, _ in read]
    sids = [np.unique(t.column("sid").to_numpy()) for t in tables]
    if len(tables) > 1:
        newer = np.empty(0, dtype=np.int64)
        for i in sorted(range(len(tables)), key=lambda i: (-generations[i], i)):
            clash = np.intersect1d(sids[i], newer, assume_unique=True)
            if len(clash):
                tables[i] = drop_sids(tables[i], clash)
                sids[i] = np.setdiff1d(sids[i], clash, assume_unique=True)
            newer = np.union1d(newer, sids[i])
    files = {path.name: StoredFile(price_class_of(path, meta), ids) for path, (_, meta), ids in zip(paths, read, sids, strict=True)}
    frames = [pl.from_arrow(table) for table in tables]
    frame = pl.concat([f for f in frames if isinstance(f, pl.DataFrame)])
    return frame, max(generations), files


def stage_partition(
    bundle_dir: Path, relative: str, rows: pl.DataFrame, kind: str, file_mode: int, row_group_rows: int, split: bool = False
) -> StagedPartition:
    """Merge ``rows`` into the partition whose ``data.parquet`` is ``relative`` and stage its
    new files (not yet fsynced); nothing visible changes until the caller renames them.
    ``split``: new assets go to files by price class (``price_classes.plan_files``)."""
    head = bundle_dir / relative
    t = time_column(kind)
    existing, generation, files = read_current(head)
    if existing is not None:
        hits = existing.select("sid", t).with_columns(pl.lit(True).alias(REPLACING))
        marked = rows.with_columns(pl.lit(True).alias(NEW)).join(hits, on=["sid", t], how="left", maintain_order="left")
        kept = existing.join(rows.select("sid", t), on=["sid", t], how="anti").with_columns(pl.lit(False).alias(NEW), pl.lit(False).alias(REPLACING))
        merged = pl.concat([kept, marked.with_columns(pl.col(REPLACING).fill_null(False))]).sort(t, "sid")
        bars = merged.drop(NEW, REPLACING)
        new, replacing = merged.get_column(NEW).to_numpy(), merged.get_column(REPLACING).to_numpy()
    else:  # a new partition: every row is added
        bars = rows if _time_sid_sorted(rows, t) else rows.sort(t, "sid")
        new, replacing = np.ones(bars.height, dtype=bool), np.zeros(bars.height, dtype=bool)
    staged: list[atomic.StagedFile] = []
    writes: list[PartitionWrite] = []
    folder = relative.rsplit("/", 1)[0]
    try:
        table = bars.to_arrow()
        for plan in sorted(plan_files(bars, files or None, split=split), key=lambda p: p.name == DATA_FILE):
            part = table.take(pa.array(plan.rows)) if len(plan.rows) != bars.height else table
            data = encode_partition(part, kind, row_group_rows, price_class=plan.price_class, generation=generation + 1, presorted=True)
            staged.append(atomic.stage(head.with_name(plan.name), data, file_mode, sync=False))
            writes.append(
                PartitionWrite(
                    path=f"{folder}/{plan.name}",
                    rows_added=int((new[plan.rows] & ~replacing[plan.rows]).sum()),
                    rows_replaced=int(replacing[plan.rows].sum()),
                    rows_total=len(plan.rows),
                    checksum=hashlib.sha256(data).hexdigest(),
                    size_bytes=len(data),
                )
            )
    except BaseException:
        atomic.discard(staged)
        raise
    return StagedPartition(tuple(staged), tuple(writes))


def _time_sid_sorted(frame: pl.DataFrame, t: str) -> bool:
    stamps = frame.get_column(t).to_physical().to_numpy()
    return in_time_sid_order(stamps, frame.get_column("sid").to_numpy())
