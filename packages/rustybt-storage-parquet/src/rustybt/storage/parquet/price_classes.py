"""Which file of a partition each asset's rows go to: one file per price class.

A Parquet decimal column has one scale per file. Stored together, the few assets priced to
4 decimals (sub-dollar stocks) force scale 4 on every price of the file, and the 2-decimal
prices of all other assets then carry integers 100 times larger (measured on the synthetic
universe: 88 MB against 61 MB split). So each asset gets the class of the most decimals its
prices need in the partition (0, 2, 4, 6 or 8; a class holds every coarser price exactly),
and the rows of each class go to their own file: the largest class to ``data.parquet``, the
others to ``data-s<class>.parquet``. A class too small to pay for a file of its own joins the
next finer class.

Once a partition exists, an asset never leaves its file: a later bar that needs more decimals
raises the class of the file that holds it, and only new assets are routed by class. So the
files of one write can be renamed one after the other: a crash in between leaves each asset
whole, old or new. (Rewriting a partition of an older layout, one ``data.parquet``, moves
assets out of it into new class files, which are renamed before it; an asset then briefly in
both is read from the newer file, see ``partition_members``.)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from rustybt.domain.partitions import DATA_FILE
from rustybt.domain.schemas import PRICE_FIELDS
from rustybt.storage.parquet.narrow_decimals import CANONICAL_SCALE, common_zeros, unscaled_int64

CLASSES = (0, 2, 4, 6, 8)
MIN_CLASS_ROWS = 1024  # below this a separate file costs more (footer, page headers) than it saves
SIBLING = re.compile(r"^data-s([0-8])\.parquet$")


def sibling_name(price_class: int) -> str:
    """The file name of the rows of ``price_class`` when they are not the partition's largest class."""
    return f"data-s{price_class}.parquet"


def is_member_name(name: str) -> bool:
    """True for ``data.parquet`` and ``data-s<N>.parquet``."""
    return name == DATA_FILE or SIBLING.match(name) is not None


@dataclass(frozen=True)
class StoredFile:
    """A stored file of a partition: its price class (``None`` for older layouts, which
    record none) and its distinct sids."""

    price_class: int | None
    sids: np.ndarray


@dataclass(frozen=True)
class FilePlan:
    """The rows of one file of a partition: ``rows`` indexes the partition's frame."""

    name: str
    price_class: int
    rows: np.ndarray


def sid_classes(frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct sids (ascending), each row's sid as an index into them, and the price
    class of each (the fewest decimals, among ``CLASSES``, that hold all its prices).

    Class by class, from the coarsest, only the rows of sids whose first bar fits the class
    are checked: a whole-number price of a 2-decimal stock costs one look, not a pass."""
    ids = frame.get_column("sid").to_numpy()
    if not len(ids):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    distinct, first, rank = np.unique(ids, return_index=True, return_inverse=True)
    count = len(distinct)
    values = []
    for name in PRICE_FIELDS:
        column = unscaled_int64(frame.get_column(name).to_arrow())
        if column is None:  # a price beyond int64 units: canonical scale, one class
            return distinct, rank, np.full(count, CANONICAL_SCALE, dtype=np.int64)
        values.append(column)
    classes = np.full(count, CANONICAL_SCALE, dtype=np.int64)
    undecided = np.ones(count, dtype=bool)
    for coarse in CLASSES[:-1]:  # does every price of the sid have at most `coarse` decimals?
        unit = 10 ** (CANONICAL_SCALE - coarse)
        candidates = undecided.copy()
        for column in values:
            candidates &= column[first] % unit == 0
        if not candidates.any():
            continue
        rows = candidates[rank]
        inexact = np.zeros(int(rows.sum()), dtype=bool)
        for column in values:
            inexact |= column[rows] % unit != 0
        misses = np.bincount(rank[rows], weights=inexact, minlength=count)
        fits = candidates & (misses == 0)
        classes[fits] = coarse
        undecided &= ~fits
        if not undecided.any():
            break
    return distinct, rank, classes


def finest_class(frame: pl.DataFrame) -> int:
    """The price class holding every price of ``frame``: the largest of its assets' classes
    (``sid_classes``), found without grouping by asset."""
    decimals = 0
    for name in PRICE_FIELDS:
        column = unscaled_int64(frame.get_column(name).to_arrow())
        if column is None:
            return CANONICAL_SCALE
        decimals = max(decimals, CANONICAL_SCALE - common_zeros(column))
    return next(c for c in CLASSES if c >= decimals)


def plan_files(frame: pl.DataFrame, existing: Mapping[str, StoredFile] | None = None, *, split: bool = True) -> list[FilePlan]:
    """The files of one partition holding ``frame`` (all its rows, any order), given the
    files it has now (``existing``, by name; ``None`` for a new partition). With
    ``split=False`` no class file is created: a new partition is one ``data.parquet`` of its
    finest class, and new assets of an existing one join its ``data.parquet`` (raising its
    class); assets already in class files stay there."""
    if not split and not existing:
        return [FilePlan(DATA_FILE, finest_class(frame), np.arange(frame.height))]
    distinct, rank, classes = sid_classes(frame)
    if not existing or any(f.price_class is None for f in existing.values()):
        return _fresh(rank, classes, MIN_CLASS_ROWS if split else None)
    names = sorted(existing, key=lambda name: name != DATA_FILE)
    file_class = [int(existing[name].price_class or 0) for name in names]
    home = np.full(len(distinct), -1, dtype=np.int64)
    for i, name in enumerate(names):
        sids = existing[name].sids
        at = np.searchsorted(distinct, sids)
        found = at < len(distinct)
        found[found] = distinct[at[found]] == sids[found]
        home[at[found]] = i
    for i in range(len(names)):  # a file's class rises to hold the finest asset it keeps
        held = classes[home == i]
        if len(held):
            file_class[i] = max(file_class[i], int(held.max()))
    new = home < 0
    row_count = np.bincount(rank, minlength=len(distinct))
    if not split:
        if DATA_FILE not in names:
            names.insert(0, DATA_FILE)
            file_class.insert(0, 0)
            home[home >= 0] += 1
        if new.any():
            home[new] = 0
            file_class[0] = max(file_class[0], int(classes[new].max()))
    for c in CLASSES if split else ():
        arriving = new & (classes == c)
        if not arriving.any():
            continue
        same = [i for i, k in enumerate(file_class) if k == c]
        finer = sorted((k, i) for i, k in enumerate(file_class) if k > c)
        if same:
            target = same[0]
        elif int(row_count[arriving].sum()) < MIN_CLASS_ROWS and finer:
            target = finer[0][1]
        else:
            name = sibling_name(c)
            if name in names:  # that file's class has risen above c: it still holds c exactly
                target = names.index(name)
            else:
                names.append(name)
                file_class.append(c)
                target = len(names) - 1
        home[arriving] = target
    row_home = home[rank]
    return [FilePlan(name, file_class[i], np.flatnonzero(row_home == i)) for i, name in enumerate(names)]


def _fresh(rank: np.ndarray, classes: np.ndarray, min_rows: int | None) -> list[FilePlan]:
    """The files of a partition written from scratch: one per class, classes of fewer than
    ``min_rows`` rows (every class but the finest when ``None``) joined to the next finer
    one, the largest in ``data.parquet``."""
    row_class = classes[rank]
    counts = np.bincount(row_class, minlength=CANONICAL_SCALE + 1)
    sizes = {c: int(counts[c]) for c in CLASSES if counts[c]}
    present = sorted(sizes)
    merged: dict[int, int] = {}  # class -> the class whose file holds it
    for c in reversed(present):  # small classes join the next finer class that has its own file
        finer = [d for d in present if d > c and merged[d] == d]
        merged[c] = c if (min_rows is not None and sizes[c] >= min_rows) or not finer else finer[0]
    groups: dict[int, list[int]] = {}
    for c, target in merged.items():
        groups.setdefault(target, []).append(c)
    rows = {target: np.flatnonzero(np.isin(row_class, members)) for target, members in groups.items()}
    if not rows:
        return [FilePlan(DATA_FILE, CANONICAL_SCALE, np.empty(0, dtype=np.int64))]
    largest = max(rows, key=lambda c: (len(rows[c]), -c))
    return [FilePlan(DATA_FILE if c == largest else sibling_name(c), c, r) for c, r in sorted(rows.items())]
