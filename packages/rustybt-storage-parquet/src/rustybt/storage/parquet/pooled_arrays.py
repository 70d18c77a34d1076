"""numpy arrays in Arrow's memory pool, for the large temporaries of reads.

Arrow's pool keeps freed memory for the next request. A large numpy temporary instead goes
back to the system when freed, and the next one pays a page fault per 4 KiB (measured: ~2,000
for a partition of 200k rows, a third of a merge; two thirds of a minute-to-daily rollup of a
1000-asset session).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa


def pooled(n: int, dtype: type[np.generic]) -> np.ndarray:
    """An uninitialised array of ``n`` items from Arrow's memory pool."""
    item = np.dtype(dtype).itemsize
    return np.frombuffer(pa.allocate_buffer(n * item), dtype=dtype)[:n]


def joined(parts: Sequence[np.ndarray], dtype: type[np.generic] = np.int64) -> np.ndarray:
    """``parts`` end to end in one pooled array (the only part itself when there is one)."""
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts, out=pooled(sum(len(p) for p in parts), dtype))


__all__ = ["joined", "pooled"]
