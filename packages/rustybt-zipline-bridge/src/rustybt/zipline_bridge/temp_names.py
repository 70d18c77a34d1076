"""Temp file names for files the bridge replaces atomically (write beside, then rename).

One name per writer (hidden, process id, random part), so two processes preparing the same
bundle never write into each other's temp file, and readers listing the folder skip it.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path


def temp_beside(path: Path) -> Path:
    """A fresh, hidden temp path in ``path``'s folder, for writing then renaming onto ``path``."""
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")


__all__ = ["temp_beside"]
