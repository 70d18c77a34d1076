"""How a bar frame is laid out, so per-symbol rules can compare neighbouring rows.

When every symbol's rows are adjacent (no null key or time), "the previous bar of the same
symbol" is simply the previous row when its key matches: no per-symbol window, no sort.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class FrameLayout:
    """``grouped``: each key's rows form one run and no key or time is null.
    ``ordered``: grouped, and times never go backwards within a run."""

    grouped: bool = False
    ordered: bool = False


def detect_layout(frame: pl.DataFrame, key: str, time: str) -> FrameLayout:
    """The layout of ``frame`` found in one parallel pass over ``key`` and ``time``."""
    if frame.is_empty():
        return FrameLayout()
    k, t = pl.col(key), pl.col(time)
    nulls, changes, keys, backwards = frame.select(
        (k.null_count() + t.null_count()).alias("nulls"),
        k.ne_missing(k.shift(1)).sum().alias("changes"),  # the first row counts as a change
        k.n_unique().alias("keys"),
        (k.eq(k.shift(1)) & (t < t.shift(1))).any().alias("backwards"),
    ).row(0)
    grouped = nulls == 0 and changes == keys
    return FrameLayout(grouped, grouped and not backwards)


def ascending(first: str | pl.Expr, second: str | pl.Expr, *, strict_second: bool = True) -> pl.Expr:
    """True (aggregated over the frame) when the rows ascend by ``first``, then by ``second``
    within equal ``first`` values (strictly, or not when ``strict_second`` is false); columns
    by name or as expressions. Each row is compared with the one above: a difference could
    wrap around. Null comparisons are passed over."""
    a = pl.col(first) if isinstance(first, str) else first
    b = pl.col(second) if isinstance(second, str) else second
    step = b > b.shift(1) if strict_second else b >= b.shift(1)
    return ((a > a.shift(1)) | ((a == a.shift(1)) & step)).all()


def same_key_as_previous(key: str) -> pl.Expr:
    """True where the row above holds the same key (false on the first row)."""
    k = pl.col(key)
    return k.eq(k.shift(1)).fill_null(False)


def previous(column: str, key: str, layout: FrameLayout) -> pl.Expr:
    """The value of ``column`` in the same key's previous row (null on its first row)."""
    if layout.grouped:
        return pl.when(same_key_as_previous(key)).then(pl.col(column).shift(1))
    return pl.col(column).shift(1).over(key)


__all__ = ["FrameLayout", "ascending", "detect_layout", "previous", "same_key_as_previous"]
