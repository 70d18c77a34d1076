"""Shaping the frames of an ingest: symbols as a ``pl.Enum``, the standard columns, sids,
each symbol's span and the partitions a write touches, without hashing text per row."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from rustybt.domain.schemas import STANDARD_OHLCV_SCHEMA


def keyed_by_symbol(frame: pl.DataFrame, names: Sequence[str]) -> pl.DataFrame:
    """``frame`` with its symbol column as a ``pl.Enum`` (the asked symbols first), so that
    per-symbol work (rules, sids, ranges) compares integers instead of hashing text."""
    if isinstance(frame.schema["symbol"], pl.Enum):
        return frame
    text = frame.get_column("symbol").cast(pl.String)
    seen = text.drop_nulls().unique(maintain_order=True).to_list()
    categories = pl.Enum(list(dict.fromkeys([*names, *seen])))
    return frame.with_columns(text.cast(categories))


def sid_column(symbol: pl.DataType, sids: dict[str, int]) -> pl.Expr:
    """Each row's sid, from the symbol's ``pl.Enum`` index when it has one: an offset when the
    catalog numbered the symbols in that order (a new dataset), else a lookup. Both work chunk
    by chunk, so the column lines up with the others (a misaligned one costs a full copy)."""
    if not isinstance(symbol, pl.Enum):
        return pl.col("symbol").replace_strict(sids, return_dtype=pl.Int64)
    index = {name: i for i, name in enumerate(symbol.categories.to_list())}
    pairs = sorted((index[name], sid) for name, sid in sids.items())
    physical = pl.col("symbol").to_physical().cast(pl.Int64)
    offset = pairs[0][1] - pairs[0][0] if pairs else 0
    if all(sid - i == offset for i, sid in pairs):
        return physical + offset
    return physical.replace_strict([i for i, _ in pairs], [sid for _, sid in pairs], return_dtype=pl.Int64)


def standard_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """The standard OHLCV columns in their dtypes, the symbol left as the ``pl.Enum`` it is."""
    schema = pl.Schema({**STANDARD_OHLCV_SCHEMA, "symbol": frame.schema["symbol"]})
    return frame.select(STANDARD_OHLCV_SCHEMA.names()).cast(schema)


def symbol_spans(frame: pl.DataFrame) -> pl.DataFrame:
    """``symbol``, ``first``, ``last``, ``bars`` per symbol, in order of first appearance. When
    each symbol's rows are one run (as sources deliver them) the runs are aggregated as slices."""
    spans = (pl.col("timestamp").min().alias("first"), pl.col("timestamp").max().alias("last"), pl.len().alias("bars"))
    runs = frame.select("symbol", "timestamp", pl.col("symbol").rle_id().set_sorted().alias("__run"))
    if runs.is_empty() or runs.get_column("__run")[-1] + 1 != runs.get_column("symbol").n_unique():
        return frame.group_by("symbol", maintain_order=True).agg(*spans)
    return runs.group_by("__run", maintain_order=True).agg(pl.col("symbol").first(), *spans).drop("__run")


__all__ = ["keyed_by_symbol", "sid_column", "standard_columns", "symbol_spans"]
