"""Crash-safe file replacement: temp file in the target folder, fsync, rename, fsync the folder.

A temp file's name starts with ``.`` and ends with ``.tmp``, so readers (which look only for
``data.parquet``) never see it. ``stage`` writes a file under a temp name; ``commit`` renames
a batch of staged files into place; ``discard`` removes staged files after a failure;
``sync_files`` fsyncs a batch staged with ``sync=False`` concurrently.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

TEMP_PREFIX = "."
TEMP_SUFFIX = ".tmp"
SYNC_THREADS = 16  # fsyncs in flight at once; they wait on the disk, not on a core


@dataclass(frozen=True)
class StagedFile:
    """A complete file under a temp name (fsynced, or to be by ``sync_files``), waiting to replace ``target``."""

    temp: Path
    target: Path


def is_temp_name(name: str) -> bool:
    """True for the names ``stage`` gives temp files."""
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)


def make_dirs(path: Path, mode: int, *, sync: bool = True) -> list[Path]:
    """Create ``path`` and missing parents with exactly ``mode`` (whatever the umask); return
    the folders created, outermost first. ``sync=False``: the caller fsyncs their parents
    (``commit`` does, given them)."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=mode)
        except FileExistsError:
            continue
        os.chmod(folder, mode)
        if sync:
            fsync_dir(folder.parent)
    return list(reversed(missing))


def remove_empty_dirs(folders: Iterable[Path]) -> None:
    """Remove the folders ``make_dirs`` created, innermost first, when they are still empty."""
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        try:
            folder.rmdir()
        except OSError:
            continue


def stage(target: Path, data: bytes, mode: int, *, sync: bool = True) -> StagedFile:
    """Write ``data`` to a new temp file beside ``target`` with ``mode``, and fsync it
    (``sync=False``: the caller fsyncs it, e.g. with ``sync_files``, before ``commit``)."""
    temp = target.with_name(f"{TEMP_PREFIX}{target.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        if sync:
            os.fsync(fd)
    except BaseException:
        os.close(fd)
        temp.unlink(missing_ok=True)
        raise
    os.close(fd)
    return StagedFile(temp, target)


def sync_files(staged: Sequence[StagedFile], threads: int = SYNC_THREADS) -> None:
    """fsync every staged temp file, several at once: concurrent fsyncs share the file
    system's journal commits instead of waiting for one each."""
    _fsync_all([item.temp for item in staged], threads)


def commit(staged: Sequence[StagedFile], created: Iterable[Path] = ()) -> None:
    """Rename every staged file onto its target, then fsync each folder touched once: the
    targets' folders and the parents of the folders in ``created`` (made with
    ``make_dirs(sync=False)``).

    Each rename is atomic: a reader sees the old file or the new one, never a mix.
    """
    for item in staged:
        os.replace(item.temp, item.target)
    folders = {item.target.parent for item in staged} | {folder.parent for folder in created}
    _fsync_all(sorted(folders, key=lambda p: len(p.parts), reverse=True), SYNC_THREADS)


def _fsync_all(paths: Sequence[Path], threads: int) -> None:
    if len(paths) <= 1:
        for path in paths:
            _fsync_path(path)
        return
    with ThreadPoolExecutor(max_workers=min(threads, len(paths)), thread_name_prefix="parquet-fsync") as pool:
        for _ in pool.map(_fsync_path, paths):
            pass


def _fsync_path(path: Path) -> None:
    """fsync a file or a folder by path."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def discard(staged: Iterable[StagedFile]) -> None:
    """Remove staged temp files (after a failure); never touches the targets."""
    for item in staged:
        item.temp.unlink(missing_ok=True)


def fsync_dir(folder: Path) -> None:
    """Make a rename or creation inside ``folder`` durable."""
    _fsync_path(folder)
