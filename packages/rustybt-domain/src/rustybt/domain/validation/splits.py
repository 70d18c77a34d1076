"""Split checks: prices that jump by a split ratio with no split recorded, and recorded splits
the prices do not show.

A split of ``value`` new shares per old one (zipline's and yfinance's convention: 7 for AAPL's
7-for-1 of 2014-06-09, 0.1 for a 1-for-10 reverse split) divides the price by ``value``
overnight: the previous close over the open is ``value``. Bars already adjusted for a split
show no such jump on its day.

* ``suspected_split``: the previous close over the open lies within ``TOLERANCE`` of a common
  split ratio (``COMMON_SPLITS``) and no split of the symbol is recorded that day;
* ``split_not_in_prices``: a split is recorded, the symbol has bars on both sides of it, and
  the first bar on or after its day does not jump by its ratio (the prices were adjusted, or
  the split is wrong).

Both are warnings: they flag, never reject. Each names the day and the ratio.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import polars as pl

from rustybt.domain.validation.layout import FrameLayout, detect_layout, previous
from rustybt.domain.validation.report import RuleViolation, Severity

TOLERANCE = 0.03
_FORWARD = (Fraction(3, 2), *(Fraction(n) for n in (2, 3, 4, 5, 6, 7, 8, 10, 15, 20, 50)))
_REVERSE = tuple(Fraction(1, n) for n in (2, 3, 4, 5, 8, 10, 15, 20, 25, 50, 100))
COMMON_SPLITS: tuple[Fraction, ...] = (*_FORWARD, *_REVERSE)
SPLIT_RULES = ("suspected_split", "split_not_in_prices")


def split_label(value: float | Fraction) -> str:
    """``7:1`` for 7 new shares per old one, ``1:10`` for a tenth, ``3:2`` for 1.5."""
    ratio = Fraction(value).limit_denominator(1000)
    return f"{ratio.numerator}:{ratio.denominator}"


def near_split(ratio: float) -> Fraction | None:
    """The common split ratio ``ratio`` lies within ``TOLERANCE`` of, if any."""
    if not ratio > 0:
        return None
    for split in COMMON_SPLITS:
        if abs(ratio / float(split) - 1) <= TOLERANCE:
            return split
    return None


def split_flags(bars: pl.DataFrame, splits: pl.DataFrame) -> list[RuleViolation]:
    """The two split rules over ``bars`` (``symbol``, ``timestamp``, ``open``, ``close``; rows
    are numbered as given) against ``splits`` (``symbol``, ``date``, ``value``: new shares per
    old one). One violation per (rule, symbol); ``details`` say day and ratio. The overnight
    ratios are computed in one pass; only the few rows near a split ratio, and the recorded
    splits, are looked at one by one."""
    if bars.is_empty():
        return []
    layout = detect_layout(bars, "symbol", "timestamp")
    data = bars.select("symbol", "timestamp", pl.col("open").cast(pl.Float64), pl.col("close").cast(pl.Float64)).with_row_index("__row")
    if not layout.ordered:  # the previous bar of a symbol is then the previous row of a sorted copy
        data = data.sort("symbol", "timestamp", maintain_order=True)
        layout = FrameLayout(grouped=True, ordered=True)
    prev = previous("close", "symbol", layout)
    ratio = pl.when((pl.col("open") > 0) & (prev > 0)).then(prev / pl.col("open"))
    # one comparison per row finds the few jumps a split could explain (3:2 up, 1:2 down at the least)
    jump = (ratio >= float(min(_FORWARD)) * (1 - TOLERANCE)) | (ratio <= float(max(_REVERSE)) * (1 + TOLERANCE))
    rows = data.with_columns(prev.alias("__prev"), ratio.alias("__ratio"))
    candidates = rows.filter(jump.fill_null(False)).with_columns(pl.col("timestamp").cast(pl.Date).alias("__day"))
    near = pl.any_horizontal(((pl.col("__ratio") / float(r) - 1).abs() <= TOLERANCE) for r in COMMON_SPLITS)
    recorded = _recorded(splits)
    suspected: dict[str, list[tuple[int, str]]] = {}
    picked = candidates.filter(near).select("__row", pl.col("symbol").cast(pl.String), "__day", "open", "__prev", "__ratio")
    for row, symbol, day, open_, prev_close, ratio in picked.iter_rows():
        if day in recorded.get(symbol, {}):
            continue
        split = near_split(ratio)
        suspected.setdefault(symbol, []).append((row, f"{day}: close {prev_close:g} then open {open_:g}, ratio {ratio:.4g} ≈ {split_label(split or ratio)}"))
    unmatched: dict[str, list[tuple[int, str]]] = {}
    for symbol, days in recorded.items():
        mine = rows.filter(pl.col("symbol").cast(pl.String) == symbol).with_columns(pl.col("timestamp").cast(pl.Date).alias("__day"))
        for day, value in sorted(days.items()):
            after = mine.filter(pl.col("__day") >= day).head(1)
            if after.is_empty() or after.get_column("__prev")[0] is None:
                continue  # no bar on both sides of it
            row, when, open_, prev_close, ratio = after.select("__row", "__day", "open", "__prev", "__ratio").row(0)
            if ratio is None or abs(ratio / value - 1) > TOLERANCE:
                shown = "undefined" if ratio is None else f"{ratio:.4g}"
                unmatched.setdefault(symbol, []).append(
                    (row, f"{day}: split {split_label(value)} recorded, but close {prev_close:g} then open {open_:g} on {when} is ratio {shown}")
                )
    return _violations("suspected_split", "overnight price jump by a common split ratio, no split recorded that day", suspected) + _violations(
        "split_not_in_prices", "a recorded split the prices do not show (already adjusted?)", unmatched
    )


def _recorded(splits: pl.DataFrame) -> dict[str, dict[date, float]]:
    found: dict[str, dict[date, float]] = {}
    if splits.is_empty():
        return found
    for symbol, day, value in splits.select("symbol", "date", pl.col("value").cast(pl.Float64)).iter_rows():
        if value and value > 0:
            found.setdefault(str(symbol), {})[day] = value
    return found


def _violations(rule: str, message: str, hits: dict[str, list[tuple[int, str]]]) -> list[RuleViolation]:
    return [
        RuleViolation(rule, Severity.WARNING, symbol, tuple(r for r, _ in found), len(found), message, tuple(d for _, d in found))
        for symbol, found in hits.items()
    ]


__all__ = ["COMMON_SPLITS", "SPLIT_RULES", "TOLERANCE", "near_split", "split_flags", "split_label"]
