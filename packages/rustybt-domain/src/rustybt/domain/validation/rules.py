"""The validation rules of the spec, as pure polars expressions over a bar frame.

Works on the standard schema (``symbol``, ``timestamp``) and on the storage schemas
(``sid``, ``date``/``timestamp``). Row numbers in the report are positions in the frame given.

| rule | group | default severity |
|---|---|---|
| high_gte_low, high_gte_open_close, low_lte_open_close, volume_non_negative | ohlcv_checks | error |
| sorted_ascending, no_duplicate_timestamps, no_future_bars | temporal_consistency | error |
| no_nulls | completeness | error |
| no_gaps | completeness | warning (error with reject_gaps) |
| price_outlier, volume_spike | outlier_detection | warning (error with reject_outliers) |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import polars as pl

from rustybt.domain.resolution import Resolution
from rustybt.domain.validation.config import ValidationConfig
from rustybt.domain.validation.report import RuleViolation, Severity, ValidationReport

ROW = "__row"
_REQUIRED = ("open", "high", "low", "close", "volume")


@dataclass(frozen=True)
class _Frame:
    data: pl.DataFrame  # with ROW
    key: str
    time: str


def validate_bars(
    frame: pl.DataFrame,
    config: ValidationConfig | None = None,
    *,
    resolution: Resolution | str | None = None,
    now: datetime | None = None,
    expected_times: pl.Series | None = None,
) -> ValidationReport:
    """Run every enabled rule over ``frame`` and return the report (never raises for bad data).

    ``now`` bounds the no-future rule (default: the current UTC time). Gaps are looked for
    against ``expected_times`` (the bar times a calendar expects) when given, else against a
    continuous grid of ``resolution`` between each symbol's first and last bar.
    """
    config = config or ValidationConfig()
    key = "symbol" if "symbol" in frame.columns else "sid"
    time = "timestamp" if "timestamp" in frame.columns else "date"
    data = _Frame(frame.with_row_index(ROW), key, time)
    now = now or datetime.now(timezone.utc)
    checks: list[tuple[str, Callable[[], list[RuleViolation]]]] = []
    if config.completeness:
        checks.append(("no_nulls", lambda: _no_nulls(data)))
    if config.ohlcv_checks:
        checks.append(("ohlcv", lambda: _ohlcv(data)))
    if config.temporal_consistency:
        checks.append(("temporal", lambda: _temporal(data, now)))
    if config.completeness and (expected_times is not None or resolution is not None):
        severity = Severity.ERROR if config.reject_gaps else Severity.WARNING
        checks.append(("no_gaps", lambda: _gaps(data, resolution, expected_times, severity)))
    if config.outlier_detection:
        severity = Severity.ERROR if config.reject_outliers else Severity.WARNING
        checks.append(("outliers", lambda: _outliers(data, config, severity)))
    violations: list[RuleViolation] = []
    for _, check in checks:
        violations.extend(check())
    return ValidationReport(tuple(violations), frame.height, tuple(name for name, _ in checks))


def _grouped(
    data: _Frame, mask: pl.Expr, rule: str, severity: Severity, message: str
) -> list[RuleViolation]:
    hits = (
        data.data.filter(mask.fill_null(False))
        .group_by(data.key, maintain_order=True)
        .agg(pl.col(ROW))
    )
    return [
        RuleViolation(rule, severity, None if sym is None else str(sym), tuple(rows), len(rows), message)
        for sym, rows in hits.iter_rows()
    ]


def _no_nulls(data: _Frame) -> list[RuleViolation]:
    out: list[RuleViolation] = []
    for column in (data.key, data.time, *_REQUIRED):
        if column not in data.data.columns:
            continue
        out += _grouped(data, pl.col(column).is_null(), "no_nulls", Severity.ERROR, f"{column} is null")
    return out


def _ohlcv(data: _Frame) -> list[RuleViolation]:
    o, h, low, c, v = (pl.col(n) for n in _REQUIRED)
    return [
        *_grouped(data, h < low, "high_gte_low", Severity.ERROR, "high < low"),
        *_grouped(data, h < pl.max_horizontal(o, c), "high_gte_open_close", Severity.ERROR, "high < max(open, close)"),
        *_grouped(data, low > pl.min_horizontal(o, c), "low_lte_open_close", Severity.ERROR, "low > min(open, close)"),
        *_grouped(data, v < 0, "volume_non_negative", Severity.ERROR, "volume is negative"),
    ]


def _temporal(data: _Frame, now: datetime) -> list[RuleViolation]:
    t = pl.col(data.time)
    key = pl.col(data.key)
    limit: object = now if data.time == "timestamp" else now.date()
    return [
        *_grouped(data, t < t.shift(1).over(key), "sorted_ascending", Severity.ERROR, "time goes backwards"),
        *_grouped(
            data,
            ~pl.struct(key, t).is_first_distinct(),
            "no_duplicate_timestamps",
            Severity.ERROR,
            "duplicate time for the same symbol",
        ),
        *_grouped(data, t > pl.lit(limit), "no_future_bars", Severity.ERROR, f"bar is after now ({now.isoformat()})"),
    ]


def _gaps(
    data: _Frame,
    resolution: Resolution | str | None,
    expected_times: pl.Series | None,
    severity: Severity,
) -> list[RuleViolation]:
    present = data.data.select(data.key, data.time, ROW).drop_nulls().sort(data.key, data.time)
    if present.is_empty():
        return []
    if expected_times is not None:
        grid = pl.DataFrame({data.time: expected_times}).unique().sort(data.time)
        if grid.schema[data.time] != present.schema[data.time]:
            grid = grid.with_columns(pl.col(data.time).cast(present.schema[data.time]))
        bounds = present.group_by(data.key, maintain_order=True).agg(
            pl.col(data.time).min().alias("first"), pl.col(data.time).max().alias("last")
        )
        expected = bounds.join(grid, how="cross").filter(
            pl.col(data.time).is_between(pl.col("first"), pl.col("last"))
        )
        missing = expected.join(present, on=[data.key, data.time], how="anti")
    else:
        step = Resolution.parse(resolution).duration if resolution is not None else None
        assert step is not None
        every = Resolution.parse(resolution).polars_every if resolution is not None else "1d"
        ranges = present.group_by(data.key, maintain_order=True).agg(
            pl.datetime_ranges(pl.col(data.time).min(), pl.col(data.time).max(), every)
            if data.time == "timestamp"
            else pl.date_ranges(pl.col(data.time).min(), pl.col(data.time).max(), every)
        )
        expected = ranges.explode(ranges.columns[1]).rename({ranges.columns[1]: data.time})
        missing = expected.join(present, on=[data.key, data.time], how="anti")
    if missing.is_empty():
        return []
    out = []
    for (sym,), group in missing.sort(data.time).group_by([data.key], maintain_order=True):
        times = group.get_column(data.time).to_list()
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


def _outliers(data: _Frame, config: ValidationConfig, severity: Severity) -> list[RuleViolation]:
    key = pl.col(data.key)
    ordered = data.data.sort(data.key, data.time, maintain_order=True)
    close = pl.col("close").cast(pl.Float64)
    ret = close / close.shift(1).over(key) - 1.0
    volume = pl.col("volume").cast(pl.Float64)
    scored = ordered.with_columns(
        _zscore(ret, key).abs().alias("__ret_z"),
        _zscore(volume, key).alias("__vol_z"),
    )
    frame = _Frame(scored, data.key, data.time)
    return [
        *_grouped(
            frame,
            pl.col("__ret_z") > config.outlier_std_threshold,
            "price_outlier",
            severity,
            f"close-to-close change beyond {config.outlier_std_threshold} standard deviations",
        ),
        *_grouped(
            frame,
            pl.col("__vol_z") > config.volume_spike_std_threshold,
            "volume_spike",
            severity,
            f"volume beyond {config.volume_spike_std_threshold} standard deviations",
        ),
    ]


def _zscore(values: pl.Expr, key: pl.Expr) -> pl.Expr:
    """(x - mean) / std within each symbol; 0 where the spread is zero or undefined."""
    std = values.std().over(key)
    z = (values - values.mean().over(key)) / std
    return pl.when(std.is_not_null() & (std > 0) & std.is_finite()).then(z.fill_nan(0.0)).otherwise(0.0)
