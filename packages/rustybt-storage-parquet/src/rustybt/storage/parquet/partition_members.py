"""The files of one partition and which of their rows are current.

A partition is the folder of its ``data.parquet``; the files ``data-s<N>.parquet`` beside it
hold its other price classes (``price_classes``). Each file records the write generation of
the partition. Normally every asset lives in exactly one file; an asset found in two files
(a crash between the renames of one write, or a reader racing a write) is read from the file
of the newest generation only, so a reader always sees each asset's bars of one whole write.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa

from rustybt.domain.errors import CorruptDataError, UnknownSidError
from rustybt.storage.parquet.file_index import FileIndex, FileSummary, int_column
from rustybt.storage.parquet.price_classes import SIBLING


def members(head: Path) -> list[Path]:
    """``head`` (a partition's ``data.parquet``) and the other class files of its partition."""
    try:
        names = sorted(entry.name for entry in os.scandir(head.parent) if SIBLING.match(entry.name) and entry.is_file())
    except FileNotFoundError:
        return [head]
    return [head, *(head.parent / name for name in names)]


def superseded(summaries: Sequence[FileSummary], overlapping: bool = True) -> list[np.ndarray | None]:
    """For each file, the sids whose rows a newer file of the partition replaces (``None``:
    every row of the file is current); ``overlapping=False`` when no sid is in two files."""
    if len(summaries) < 2 or not overlapping:
        return [None] * len(summaries)
    order = sorted(range(len(summaries)), key=lambda i: (-summaries[i].generation, i))
    newer = np.empty(0, dtype=np.int64)
    result: list[np.ndarray | None] = [None] * len(summaries)
    for i in order:
        sids = summaries[i].sids
        clash = np.intersect1d(sids, newer, assume_unique=True)
        result[i] = clash if len(clash) else None
        newer = np.union1d(newer, sids)
    return result


def drop_sids(table: pa.Table, sids: np.ndarray | None) -> pa.Table:
    """``table`` without the rows of ``sids``."""
    if sids is None or not len(sids) or not table.num_rows:
        return table
    return table.filter(pa.array(~np.isin(int_column(table.column("sid")), sids)))


def current_summaries(index: FileIndex, head: Path) -> tuple[list[Path], list[FileSummary], list[np.ndarray | None]]:
    """The partition's files, their summaries, and each one's superseded sids."""
    paths = members(head)
    summaries = index.summaries(paths)
    return paths, summaries, superseded(summaries, index.partition(paths).overlapping)


def check_known(index: FileIndex, sids: Sequence[int], heads: Sequence[Path], every_head: Callable[[], list[Path]], where: str) -> None:
    """``UnknownSidError`` unless every sid has a bar somewhere; looks at the partitions of
    ``heads`` first and at the rest of the store (``every_head()``) only for sids not found
    there. A damaged file outside ``heads`` is passed over (the query does not read it) unless
    a sid is found nowhere else: then its ``CorruptDataError`` is raised, since the sid may be
    in it."""
    missing = np.unique(np.asarray(sids, dtype=np.int64))
    for head in heads:
        missing = missing[~np.isin(missing, index.partition(members(head)).sids, assume_unique=True)]
        if not len(missing):
            return
    searched = set(heads)
    damaged: CorruptDataError | None = None
    for head in (p for p in every_head() if p not in searched):
        try:
            found = index.partition(members(head)).sids
        except CorruptDataError as err:
            damaged = damaged or err
            continue
        missing = missing[~np.isin(missing, found, assume_unique=True)]
        if not len(missing):
            return
    if damaged is not None:
        raise damaged
    raise UnknownSidError([int(s) for s in missing], where)
