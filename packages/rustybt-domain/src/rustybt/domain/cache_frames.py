"""What a cache keyed by bar queries holds: frames of bars, in any of the shapes the product
reads them in (the standard schema, a storage schema, or a reader's float blocks)."""

from __future__ import annotations

import polars as pl

from rustybt.domain.errors import InvalidRequestError
from rustybt.domain.schemas import FIELDS

_KEYS = {"symbol": "text", "sid": "integer", "timestamp": "datetime", "date": "date"}


def _kind(dtype: pl.DataType) -> str:
    if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
        return "text"
    if dtype.is_integer():
        return "integer"
    if isinstance(dtype, pl.Datetime):
        return "datetime"
    if dtype == pl.Date:
        return "date"
    if dtype.is_numeric():
        return "number"
    return str(dtype)


def check_cached_frame(data: object) -> pl.DataFrame:
    """``data`` materialized, if it is a frame of bars: every OHLCV field as numbers, and no
    column but ``symbol`` (text), ``sid`` (integer), ``timestamp`` (datetime) or ``date``.
    ``InvalidRequestError`` naming what is wrong otherwise."""
    if isinstance(data, pl.LazyFrame):
        try:
            data = data.collect()
        except pl.exceptions.PolarsError as err:
            raise InvalidRequestError(f"the frame to cache cannot be computed: {' '.join(str(err).split())[:200]}") from err
    if not isinstance(data, pl.DataFrame):
        raise InvalidRequestError(f"a cache entry is a polars DataFrame or LazyFrame of bars, not {type(data).__name__}")
    missing = [f for f in FIELDS if f not in data.columns]
    if missing:
        raise InvalidRequestError(f"a cached frame of bars needs the columns {', '.join(FIELDS)}; it lacks {', '.join(missing)}")
    for name, dtype in data.schema.items():
        kind = _kind(dtype)
        wanted = "number" if name in FIELDS else _KEYS.get(name)
        if wanted is None:
            raise InvalidRequestError(f"a cached frame of bars holds only {', '.join([*FIELDS, *_KEYS])}; it has column {name!r}")
        if kind != wanted and not (wanted == "number" and kind == "integer"):
            raise InvalidRequestError(f"column {name!r} of a cached frame of bars must be {wanted}, not {dtype}")
    return data


__all__ = ["check_cached_frame"]
