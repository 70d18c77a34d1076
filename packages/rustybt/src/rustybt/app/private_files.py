"""Everything under the home is private to its owner: folders 0700, files 0600 (bars, the
catalog, zipline's bundle files, reports, cache, secrets)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rustybt.domain.errors import StorageError

FILE_MODE, DIR_MODE = 0o600, 0o700


@contextmanager
def private_umask() -> Iterator[None]:
    """New files and folders private while the block runs (restored after it)."""
    before = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(before)


def make_private(root: Path) -> None:
    """``root`` and everything below it 0700 (folders) / 0600 (files); links are left alone."""
    if not root.exists() or root.is_symlink():
        return
    os.chmod(root, DIR_MODE if root.is_dir() else FILE_MODE)
    if not root.is_dir():
        return
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, DIR_MODE)
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, FILE_MODE)


def private_dir(path: Path) -> Path:
    """``path`` created as a private folder (and its missing parents), returned."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    os.chmod(path, DIR_MODE)
    return path


def write_private_text(path: Path, text: str) -> None:
    """``text`` written to ``path`` (mode 0600, its missing folders 0700) through a temp file
    renamed over it; ``StorageError`` naming the path when that cannot be done."""
    temp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except (OSError, ValueError) as err:
        with contextlib.suppress(OSError, ValueError):
            temp.unlink(missing_ok=True)
        raise StorageError(f"cannot write {path}: {getattr(err, 'strerror', None) or err}") from err


__all__ = ["DIR_MODE", "FILE_MODE", "make_private", "private_dir", "private_umask", "write_private_text"]
