"""One ingest at a time per bundle, across processes.

The partition writer serializes the file writes of a bundle, but an ingest records the new
checksums in the catalog after the writer released its lock: two ingests into one bundle could
then record a shared file's checksums in the wrong order (the older last), and a dataset would
read as damaged. Holding ``.<bundle>.ingest.lock`` beside the bundle's folder (so a failed first
ingest leaves no empty bundle behind) from the write intent to the last catalog update avoids
that. ``fcntl.flock``: the kernel releases it when its holder dies, so a killed
ingest never blocks the next one.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rustybt.domain.errors import StorageError

LOCK_SUFFIX = ".ingest.lock"


@contextmanager
def exclusive_ingest(bundle_dir: Path, *, file_mode: int = 0o600, dir_mode: int = 0o700) -> Iterator[Path]:
    """Hold the ingest lock of ``bundle_dir`` for the block, waiting for an ingest of another
    process to finish; yields the lock file's path. Creates the parent folder if missing."""
    path = bundle_dir.parent / f".{bundle_dir.name}{LOCK_SUFFIX}"
    try:
        bundle_dir.parent.mkdir(mode=dir_mode, parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, file_mode)
    except OSError as err:
        raise StorageError(
            f"cannot open the ingest lock {path} of bundle {bundle_dir}; nothing was changed: {err}"
        ) from err
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as err:
            raise StorageError(f"cannot lock {path} for an ingest into bundle {bundle_dir}: {err}") from err
        yield path
    finally:
        os.close(fd)


__all__ = ["LOCK_SUFFIX", "exclusive_ingest"]
