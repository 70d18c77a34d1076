"""Finding partition files: only ``year=YYYY/month=MM(/day=DD)/data.parquet`` inside a span.

The listing walks the hive folders and keeps the ones whose keys fall inside the span, so a
query for one quarter of a ten-year store never opens the other files. Anything else in the
tree (temp files, ``.bak`` copies, notes) is ignored. Files come back in date order.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

from rustybt.domain.partitions import DATA_FILE, PARTITION_KEYS

_KEY = {name: re.compile(rf"^{name}=(\d{{{2 if name != 'year' else 4}}})$") for name in ("year", "month", "day")}


def _children(folder: str, key: str, lo: tuple[int, ...], hi: tuple[int, ...], prefix: tuple[int, ...]) -> list[tuple[int, str]]:
    """``(value, path)`` of the ``key=NN`` sub-folders of ``folder`` whose keys (``prefix``
    plus the value) lie within ``lo``..``hi`` (compared on as many keys), ascending."""
    pattern = _KEY[key]
    n = len(prefix) + 1
    found: list[tuple[int, str]] = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    for entry in entries:
        match = pattern.match(entry.name)
        if match is None:
            continue
        value = int(match.group(1))
        if lo[:n] <= (*prefix, value) <= hi[:n] and entry.is_dir():
            found.append((value, entry.path))
    found.sort()
    return found


def partition_files(base: Path, kind: str, first: date | None = None, last: date | None = None) -> list[Path]:
    """Data files of the partitions of ``kind`` under ``base`` between the days ``first`` and
    ``last`` (inclusive; ``None`` means unbounded), in date order."""
    depth = PARTITION_KEYS[kind]
    lo = (first.year, first.month, first.day) if first else (0, 0, 0)
    hi = (last.year, last.month, last.day) if last else (9999, 99, 99)
    files: list[Path] = []

    def walk(folder: str, level: int, prefix: tuple[int, ...]) -> None:
        if level == len(depth):
            data = os.path.join(folder, DATA_FILE)
            if os.path.isfile(data):
                files.append(Path(data))
            return
        for value, child in _children(folder, depth[level], lo, hi, prefix):
            walk(child, level + 1, (*prefix, value))

    walk(os.fspath(base), 0, ())
    return files


def partition_key(path: Path, kind: str) -> tuple[int, ...]:
    """``(year, month[, day])`` of a partition file found by ``partition_files``."""
    folders = path.parent.parts[-len(PARTITION_KEYS[kind]) :]
    return tuple(int(part.split("=", 1)[1]) for part in folders)
