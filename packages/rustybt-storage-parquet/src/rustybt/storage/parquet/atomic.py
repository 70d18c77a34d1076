"""Crash-safe file replacement: temp file in the target folder, fsync, rename, fsync the folder.

A temp file's name starts with ``.`` and ends with ``.tmp``, so readers (which look only for
``data.parquet``) never see it. ``stage`` writes a file under a temp name; ``commit`` renames
a batch of staged files into place; ``discard`` removes staged files after a failure.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

TEMP_PREFIX = "."
TEMP_SUFFIX = ".tmp"


@dataclass(frozen=True)
class StagedFile:
    """A complete, fsynced file under a temp name, waiting to replace ``target``."""

    temp: Path
    target: Path


def is_temp_name(name: str) -> bool:
    """True for the names ``stage`` gives temp files."""
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)


def make_dirs(path: Path, mode: int) -> list[Path]:
    """Create ``path`` and missing parents with exactly ``mode`` (whatever the umask); return
    the folders created, outermost first."""
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
        fsync_dir(folder.parent)
    return list(reversed(missing))


def remove_empty_dirs(folders: Iterable[Path]) -> None:
    """Remove the folders ``make_dirs`` created, innermost first, when they are still empty."""
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        try:
            folder.rmdir()
        except OSError:
            continue


def stage(target: Path, data: bytes, mode: int) -> StagedFile:
    """Write ``data`` to a new temp file beside ``target`` with ``mode``, and fsync it."""
    temp = target.with_name(f"{TEMP_PREFIX}{target.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        temp.unlink(missing_ok=True)
        raise
    os.close(fd)
    return StagedFile(temp, target)


def commit(staged: Sequence[StagedFile]) -> None:
    """Rename every staged file onto its target, then fsync each folder touched.

    Each rename is atomic: a reader sees the old file or the new one, never a mix.
    """
    for item in staged:
        os.replace(item.temp, item.target)
    for folder in sorted({item.target.parent for item in staged}):
        fsync_dir(folder)


def discard(staged: Iterable[StagedFile]) -> None:
    """Remove staged temp files (after a failure); never touches the targets."""
    for item in staged:
        item.temp.unlink(missing_ok=True)


def fsync_dir(folder: Path) -> None:
    """Make a rename or creation inside ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
