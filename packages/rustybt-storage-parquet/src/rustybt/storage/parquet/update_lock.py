"""Exclusive update rights on a bundle across a write and the catalog updates after it.

The partition writer's own lock (``bundle_lock``) covers the file renames only; an ingest
records the new checksums in its catalog afterwards. Two ingests into one bundle must not
interleave there, or the catalog could record a shared file's older checksum last. This lock,
``.<bundle>.ingest.lock`` beside the bundle's folder (so a failed first ingest leaves no
empty bundle behind), is held from the write intent to the last catalog update.

``fcntl.flock``, so the kernel releases it when its holder dies and a killed ingest never
blocks the next one. flock locks belong to an open file, so a second ``open`` + ``flock`` in
the same process would wait for itself: the lock is reentrant per thread instead (a nested
block of the same thread passes; another thread waits like another process).
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rustybt.domain.errors import StorageError

LOCK_SUFFIX = ".ingest.lock"

_registry_guard = threading.Lock()
_thread_locks: dict[Path, threading.RLock] = {}
_depth: dict[Path, int] = {}


def update_lock_path(bundle_dir: Path) -> Path:
    """Where the update lock of ``bundle_dir`` lives."""
    return bundle_dir.parent / f".{bundle_dir.name}{LOCK_SUFFIX}"


@contextmanager
def bundle_update_lock(bundle_dir: Path, *, file_mode: int = 0o600, dir_mode: int = 0o700) -> Iterator[Path]:
    """Hold the update lock of ``bundle_dir`` for the block, waiting for a holder in another
    process or thread; yields the lock file's path. Creates the parent folder if missing."""
    path = update_lock_path(Path(bundle_dir).absolute())
    with _registry_guard:
        local = _thread_locks.setdefault(path, threading.RLock())
    with local:
        if _depth.get(path, 0):
            _depth[path] += 1
            try:
                yield path
            finally:
                _depth[path] -= 1
            return
        fd = _open(path, bundle_dir, file_mode, dir_mode)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError as err:
                raise StorageError(f"cannot lock {path} for an update of bundle {bundle_dir}: {err}") from err
            _depth[path] = 1
            try:
                yield path
            finally:
                _depth[path] = 0
        finally:
            os.close(fd)  # closing the descriptor releases the lock


def _open(path: Path, bundle_dir: Path, file_mode: int, dir_mode: int) -> int:
    try:
        path.parent.mkdir(mode=dir_mode, parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT, file_mode)
    except OSError as err:
        raise StorageError(f"cannot open the update lock {path} of bundle {bundle_dir}; nothing was changed: {err}") from err


__all__ = ["LOCK_SUFFIX", "bundle_update_lock", "update_lock_path"]
