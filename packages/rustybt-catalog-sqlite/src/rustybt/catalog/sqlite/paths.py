"""Dataset locations kept relative to the catalog's root (the RustyBT home), so a home that is
copied, moved or mounted elsewhere reads and verifies its own files.

A location inside the root is stored relative to it (``bundles/eq``) and handed out absolute,
joined to the root the catalog was opened with. A location outside the root stays absolute:
``catalog verify`` names it. Without a root, locations are stored and handed out as given.
Upgrading a catalog that stored absolute paths: a path inside the root becomes relative; one
outside it whose last two parts are ``bundles/<its dataset's bundle>`` (the home's layout) is
taken to be that bundle of a home that was moved before the upgrade.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath

from sqlalchemy import Connection, select

from rustybt.catalog.sqlite import audit
from rustybt.catalog.sqlite.tables import datasets
from rustybt.domain.dataset import DatasetInfo

BUNDLES = "bundles"


class DatasetPaths:
    """Translates dataset locations between their stored and absolute forms."""

    def __init__(self, root: str | Path | None) -> None:
        self.root = os.path.abspath(os.fspath(root)) if root is not None else None

    def stored(self, location: str) -> str:
        """The form kept in the database: relative to the root when inside it."""
        if self.root is None or not location or "://" in location or not os.path.isabs(location):
            return location
        absolute = os.path.normpath(location)
        if _inside(absolute, self.root):
            return PurePosixPath(Path(os.path.relpath(absolute, self.root))).as_posix()
        return absolute

    def absolute(self, stored: str) -> str:
        """The form handed out: a relative stored location joined to the root."""
        if self.root is None or not stored or "://" in stored or os.path.isabs(stored):
            return stored
        return os.path.normpath(os.path.join(self.root, stored))

    def info(self, info: DatasetInfo) -> DatasetInfo:
        absolute = self.absolute(info.parquet_path)
        return info if absolute == info.parquet_path else replace(info, parquet_path=absolute)

    def infos(self, infos: Sequence[DatasetInfo]) -> list[DatasetInfo]:
        return [self.info(i) for i in infos]

    def relocations(self, conn: Connection) -> list[tuple[str, str, str]]:
        """(dataset id, stored absolute path, relative path) of every dataset stored with an
        absolute path this root can hold (see the module's note on upgrades)."""
        if self.root is None:
            return []
        rows = conn.execute(select(datasets.c.dataset_id, datasets.c.parquet_path, datasets.c.bundle)).all()
        moves = []
        for ident, location, bundle in rows:
            if not location or "://" in location or not os.path.isabs(location):
                continue
            relative = self.stored(location)
            if relative == os.path.normpath(location):
                parts = PurePosixPath(Path(location)).parts
                if not (bundle and len(parts) >= 2 and parts[-2:] == (BUNDLES, bundle)):
                    continue
                relative = f"{BUNDLES}/{bundle}"
            moves.append((str(ident), str(location), relative))
        return moves

    @staticmethod
    def relocate(conn: Connection, moves: Sequence[tuple[str, str, str]], at: int) -> None:
        for ident, old, new in moves:
            conn.execute(datasets.update().where(datasets.c.dataset_id == ident).values(parquet_path=new))
            audit.record(conn, at, "relocate", ident, parquet_path=new, was=old)


def _inside(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:  # different drives
        return False


__all__ = ["DatasetPaths"]
