"""Dataset checksums derived from per-file checksums."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping


def dataset_checksum(file_checksums: Mapping[str, str]) -> str:
    """SHA-256 over the sorted ``path:sha256`` lines of a dataset's files.

    Changes whenever any file of the dataset changes, is added or removed; that is what
    invalidates cache entries built from the dataset.
    """
    lines = "\n".join(f"{path}:{digest}" for path, digest in sorted(file_checksums.items()))
    return hashlib.sha256(lines.encode()).hexdigest()
