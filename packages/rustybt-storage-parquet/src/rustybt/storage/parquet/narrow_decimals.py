"""The narrowest lossless decimal type of a column, and the exact way back to the canonical one.

A price with 2 decimals stored as ``DECIMAL(18, 8)`` carries six zero digits in every value;
as ``DECIMAL(p, 2)`` with the smallest ``p`` it is a small ``INT32``/``INT64`` that compresses
far better. ``narrow`` picks, for one column of one file, the smallest scale ``s ≤ 8`` at which
every value is exact and the smallest precision ``p`` that holds them, keeping ``p + 8 - s ≤
18`` so that the way back (``widen``: multiply the unscaled integers by ``10**(8 - s)``) never
leaves int64. A column that does not fit (e.g. a volume above ~1e10 with 8 decimals) keeps its
canonical type.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from rustybt.storage.parquet.pooled_arrays import joined

CANONICAL_SCALE = 8
MAX_NARROW_PRECISION = 18
PROBE = 512


def unscaled_int64(column: pa.Array | pa.ChunkedArray) -> np.ndarray | None:
    """The unscaled integers of a decimal128 column as int64, or ``None`` if one does not fit."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    parts: list[np.ndarray] = []
    for chunk in chunks:
        if chunk.null_count:
            return None
        words = np.frombuffer(chunk.buffers()[1], dtype=np.int64).reshape(-1, 2)[chunk.offset : chunk.offset + len(chunk)]
        low = words[:, 0]
        if chunk.type.precision > 18 and not np.array_equal(words[:, 1], low >> 63):
            return None
        parts.append(low)
    if not parts:
        return np.empty(0, dtype=np.int64)
    return joined(parts)


def common_zeros(values: np.ndarray) -> int:
    """The largest ``d`` ≤ 8 such that every value is a multiple of ``10**d``: tried from 8
    down, each candidate on a small probe first, so a failing one rarely costs a full pass."""
    if not len(values):
        return CANONICAL_SCALE
    probe = values[:PROBE]
    for d in range(CANONICAL_SCALE, 0, -1):
        unit = 10**d
        if np.any(probe % unit):
            continue
        if not np.any(values % unit):
            return d
    return 0


def _digits(value: int) -> int:
    return len(str(abs(value))) if value else 1


def narrow(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """``column`` (decimal128 with scale 8) as ``decimal128(p, s)`` with the smallest exact
    scale and precision, or unchanged when no narrower type holds every value."""
    if column.type.scale != CANONICAL_SCALE:
        raise TypeError(f"expected a decimal column with scale {CANONICAL_SCALE}, got {column.type}")
    values = unscaled_int64(column)
    if values is None:
        return column
    drop = common_zeros(values)
    scaled = values // 10**drop if drop else values
    biggest = max(int(scaled.max()), -int(scaled.min())) if len(scaled) else 0
    scale = CANONICAL_SCALE - drop
    precision = max(_digits(biggest), scale, 1)
    if precision + drop > MAX_NARROW_PRECISION:
        return column
    return from_unscaled(scaled, pa.decimal128(precision, scale))


def from_unscaled(values: np.ndarray, dtype: pa.Decimal128Type) -> pa.Array:
    """A decimal128 array of ``dtype`` whose unscaled integers are ``values`` (int64)."""
    buffer = pa.allocate_buffer(len(values) * 16)
    words = np.frombuffer(buffer, dtype=np.int64).reshape(-1, 2)
    words[:, 0] = values
    np.right_shift(values, 63, out=words[:, 1])
    return pa.Array.from_buffers(dtype, len(values), [None, buffer])


def is_narrow(dtype: pa.DataType) -> bool:
    """True for a decimal type ``narrow`` may produce (``widen`` accepts it)."""
    if not pa.types.is_decimal128(dtype):
        return False
    scale, precision = int(dtype.scale), int(dtype.precision)
    return 0 <= scale <= CANONICAL_SCALE and precision + CANONICAL_SCALE - scale <= MAX_NARROW_PRECISION


def widen(column: pa.ChunkedArray | pa.Array, target: pa.Decimal128Type) -> pa.ChunkedArray:
    """A column of a narrow type back in ``target`` (scale 8), exactly: unscaled × 10**(8 - s),
    written straight into one new Arrow buffer."""
    if isinstance(column, pa.Array):
        column = pa.chunked_array([column])
    if column.type == target:
        return column
    factor = 10 ** (CANONICAL_SCALE - column.type.scale)
    buffer = pa.allocate_buffer(len(column) * 16)  # Arrow's pool reuses memory: no fresh pages to fault in
    out = np.frombuffer(buffer, dtype=np.int64).reshape(-1, 2)
    at = 0
    for chunk in column.chunks:
        words = np.frombuffer(chunk.buffers()[1], dtype=np.int64).reshape(-1, 2)[chunk.offset : chunk.offset + len(chunk)]
        np.multiply(words[:, 0], factor, out=out[at : at + len(chunk), 0])
        at += len(chunk)
    np.right_shift(out[:, 0], 63, out=out[:, 1])
    return pa.chunked_array([pa.Array.from_buffers(target, len(out), [None, buffer])], type=target)
