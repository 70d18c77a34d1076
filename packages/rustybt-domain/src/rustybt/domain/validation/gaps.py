"""The ``no_gaps`` rule: bars missing against a calendar or a continuous grid."""

from __future__ import annotations

import polars as pl

from rustybt.domain.resolution import Resolution
from rustybt.domain.validation.evaluate import ROW
from rustybt.domain.validation.layout import FrameLayout, same_key_as_previous
from rustybt.domain.validation.report import RuleViolation, Severity


def find_gaps(
    data: pl.DataFrame,
    key: str,
    time: str,
    layout: FrameLayout,
    resolution: Resolution | str | None,
    expected_times: pl.Series | None,
    severity: Severity,
) -> list[RuleViolation]:
    """One violation per symbol listing every expected time it lacks.

    Against a continuous grid, a frame whose consecutive bars of a symbol are all one step
    (or zero) apart covers its grid exactly, which one pass over the times proves.
    """
    if expected_times is None and resolution is not None and layout.ordered:
        step = int(Resolution.parse(resolution).duration.total_seconds() * 1_000_000)
        spacing = pl.col(time).diff().dt.total_microseconds()
        off_grid = same_key_as_previous(key) & (spacing != step) & (spacing != 0)
        if not data.select(off_grid.any()).item():
            return []
    present = data.select(key, time, ROW).drop_nulls().sort(key, time)
    if present.is_empty():
        return []
    if expected_times is not None:
        grid = pl.DataFrame({time: expected_times}).unique().sort(time)
        if grid.schema[time] != present.schema[time]:
            grid = grid.with_columns(pl.col(time).cast(present.schema[time]))
        bounds = present.group_by(key, maintain_order=True).agg(
            pl.col(time).min().alias("first"), pl.col(time).max().alias("last")
        )
        expected = bounds.join(grid, how="cross").filter(pl.col(time).is_between(pl.col("first"), pl.col("last")))
    elif resolution is not None:
        every = Resolution.parse(resolution).polars_every
        ranges = present.group_by(key, maintain_order=True).agg(
            pl.datetime_ranges(pl.col(time).min(), pl.col(time).max(), every)
            if time == "timestamp"
            else pl.date_ranges(pl.col(time).min(), pl.col(time).max(), every)
        )
        expected = ranges.explode(ranges.columns[1]).rename({ranges.columns[1]: time})
    else:
        return []
    missing = expected.join(present, on=[key, time], how="anti")
    if missing.is_empty():
        return []
    out = []
    for (sym,), group in missing.sort(time).group_by([key], maintain_order=True):
        times = group.get_column(time).to_list()
        out.append(
            RuleViolation(
                "no_gaps",
                severity,
                None if sym is None else str(sym),
                (),
                len(times),
                "bars missing against the expected sequence",
                tuple(str(t) for t in times),
            )
        )
    return out


__all__ = ["find_gaps"]
