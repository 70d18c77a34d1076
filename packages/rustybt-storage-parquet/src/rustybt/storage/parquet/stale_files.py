"""Removing what a killed writer left behind: temp files, and class files of a partition
whose ``data.parquet`` never arrived.

Only a process holding the bundle's write lock may do this: no other writer is then alive,
so every temp file in the bundle is stale. Readers never see these files (temp names are
hidden, and a partition is read through its ``data.parquet``), so removing them changes no
read.
"""

from __future__ import annotations

import os
from pathlib import Path

from rustybt.domain.errors import StorageError
from rustybt.domain.partitions import DATA_FILE, FOLDERS
from rustybt.storage.parquet.atomic import fsync_dir, is_temp_name
from rustybt.storage.parquet.bundle_lock import bundle_write_lock
from rustybt.storage.parquet.price_classes import SIBLING


def remove_temp_files_in(folder: Path) -> list[Path]:
    """Remove the stale files of one partition folder; the caller holds the write lock.
    Returns the paths removed."""
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    names = {entry.name for entry in entries if entry.is_file(follow_symlinks=False)}
    headless = DATA_FILE not in names
    stale = [folder / name for name in sorted(names) if is_temp_name(name) or (headless and SIBLING.match(name))]
    for path in stale:
        path.unlink(missing_ok=True)
    if stale:
        fsync_dir(folder)
    return stale


def remove_stale_temp_files(bundle_dir: str | Path, file_mode: int = 0o600) -> list[Path]:
    """Wait for the bundle's write lock, then remove every temp file a killed writer left in
    its partition folders (and class files of partitions without a ``data.parquet``).
    Returns the paths removed; a bundle that does not exist has none."""
    root = Path(bundle_dir)
    if not root.is_dir():
        return []
    removed: list[Path] = []
    try:
        with bundle_write_lock(root, file_mode):
            for folder_name in FOLDERS.values():
                base = root / folder_name
                for folder, _, files in os.walk(base):
                    if any(is_temp_name(name) or SIBLING.match(name) for name in files):
                        removed.extend(remove_temp_files_in(Path(folder)))
    except OSError as err:
        if isinstance(err, StorageError):
            raise
        raise StorageError(f"removing stale temp files under {root} failed after removing {len(removed)}: {err}") from err
    return removed
