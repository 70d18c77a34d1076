"""An exclusive, per-bundle write lock shared by every process writing the same bundle.

``fcntl.flock`` on ``<bundle>/.write.lock``: the kernel releases it when its holder exits,
even after a crash, so a stale lock file never blocks a later write. Readers never take it:
writers replace files by atomic renames, so a reader always sees whole files.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rustybt.domain.errors import StorageError

LOCK_NAME = ".write.lock"


@contextmanager
def bundle_write_lock(bundle_dir: Path, file_mode: int) -> Iterator[Path]:
    """Hold the exclusive write lock of ``bundle_dir`` (which must exist) for the block,
    waiting for another writer to finish; yields the lock file's path."""
    path = bundle_dir / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, file_mode)
    except OSError as err:
        raise StorageError(f"cannot open the write lock {path} of bundle {bundle_dir}: {err}") from err
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as err:
            raise StorageError(f"cannot lock {path} for writing bundle {bundle_dir}: {err}") from err
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the lock
