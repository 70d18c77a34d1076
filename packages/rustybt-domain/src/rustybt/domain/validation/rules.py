"""The validation rules of the spec, as pure polars expressions over a bar frame.

Works on the standard schema (``symbol``, ``timestamp``) and on the storage schemas
(``sid``, ``date``/``timestamp``). Row numbers in the report are positions in the frame given.

| rule | group | default severity |
|---|---|---|
| high_gte_low, high_gte_open_close, low_lte_open_close, volume_non_negative | ohlcv_checks | error |
| no_negative_prices (unless allow_negative_prices), no_zero_prices (unless allow_zero_prices) | ohlcv_checks | error |
| sorted_ascending, no_duplicate_timestamps, no_future_bars | temporal_consistency | error |
| no_nulls | completeness | error |
| no_gaps | completeness | warning (error with reject_gaps) |
| price_outlier, volume_spike | outlier_detection | warning (error with reject_outliers) |

Every rule is evaluated on every row. The row-wise rules (and, when each symbol's bars are
adjacent and in time order, the neighbour rules too) are evaluated together in one parallel
pass; the outlier rules in a second one over the few columns they read (sorted first, with
per-symbol windows, when a symbol's bars are not adjacent and in time order).
"""

from __future__ import annotations

from datetime import datetime, timezone

import polars as pl

from rustybt.domain.resolution import Resolution
from rustybt.domain.validation.config import ValidationConfig
from rustybt.domain.validation.evaluate import ROW, Rule, evaluate
from rustybt.domain.validation.gaps import find_gaps
from rustybt.domain.validation.layout import FrameLayout, detect_layout, previous, same_key_as_previous
from rustybt.domain.validation.outliers import outlier_rules
from rustybt.domain.validation.report import RuleViolation, Severity, ValidationReport

_REQUIRED = ("open", "high", "low", "close", "volume")


def validate_bars(
    frame: pl.DataFrame,
    config: ValidationConfig | None = None,
    *,
    resolution: Resolution | str | None = None,
    now: datetime | None = None,
    expected_times: pl.Series | None = None,
    use_layout: bool = True,
) -> ValidationReport:
    """Run every enabled rule over ``frame`` and return the report (never raises for bad data).

    ``now`` bounds the no-future rule (default: the current UTC time). Gaps are looked for
    against ``expected_times`` (the bar times a calendar expects) when given, else against a
    continuous grid of ``resolution`` between each symbol's first and last bar.
    ``use_layout=False`` ignores the frame's order and always uses per-symbol windows (the
    same report, more slowly).
    """
    config = config or ValidationConfig()
    key = "symbol" if "symbol" in frame.columns else "sid"
    time = "timestamp" if "timestamp" in frame.columns else "date"
    data = frame.with_row_index(ROW)
    now = now or datetime.now(timezone.utc)
    layout = detect_layout(frame, key, time) if use_layout else FrameLayout()
    groups: list[str] = []
    rules: list[Rule] = []
    if config.completeness:
        groups.append("no_nulls")
        rules += _no_nulls(frame.columns, key, time)
    if config.ohlcv_checks:
        groups.append("ohlcv")
        rules += _ohlcv() + _price_signs(config)
    if config.temporal_consistency:
        groups.append("temporal")
        rules += _temporal(key, time, layout, now)
    check_gaps = config.completeness and (expected_times is not None or resolution is not None)
    if check_gaps:
        groups.append("no_gaps")
    outliers = None
    if config.outlier_detection:
        groups.append("outliers")
        severity = Severity.ERROR if config.reject_outliers else Severity.WARNING
        outliers = outlier_rules(key, layout if layout.ordered else FrameLayout(), config, severity)
    violations = evaluate(data, key, rules)
    if check_gaps:
        severity = Severity.ERROR if config.reject_gaps else Severity.WARNING
        violations += find_gaps(data, key, time, layout, resolution, expected_times, severity)
    if outliers is not None:
        # Only the columns the outlier rules read, in one piece: their derived columns then line
        # up with them, where next to a frame read in many pieces they would force a full copy.
        # The decimals become the floats the rules compute with first: half the bytes to copy.
        floats = (pl.col("close").cast(pl.Float64), pl.col("volume").cast(pl.Float64))
        if layout.ordered:
            narrow = data.select(ROW, key, *floats).rechunk()
        else:
            narrow = data.select(ROW, key, time, *floats).sort(key, time, maintain_order=True)
        violations += evaluate(narrow, key, outliers.rules, outliers.stages)
    return ValidationReport(tuple(violations), frame.height, tuple(groups))


def _no_nulls(columns: list[str], key: str, time: str) -> list[Rule]:
    return [
        Rule("no_nulls", Severity.ERROR, f"{column} is null", pl.col(column).is_null())
        for column in (key, time, *_REQUIRED)
        if column in columns
    ]


def _ohlcv() -> list[Rule]:
    o, h, low, c, v = (pl.col(n) for n in _REQUIRED)
    return [
        Rule("high_gte_low", Severity.ERROR, "high < low", h < low),
        Rule("high_gte_open_close", Severity.ERROR, "high < max(open, close)", h < pl.max_horizontal(o, c)),
        Rule("low_lte_open_close", Severity.ERROR, "low > min(open, close)", low > pl.min_horizontal(o, c)),
        Rule("volume_non_negative", Severity.ERROR, "volume is negative", v < 0),
    ]


def _price_signs(config: ValidationConfig) -> list[Rule]:
    """Prices above zero, unless the config allows negative or zero ones."""
    prices = [pl.col(n) for n in _REQUIRED[:4]]
    rules = []
    if not config.allow_negative_prices:
        rules.append(Rule("no_negative_prices", Severity.ERROR, "a price is negative", pl.any_horizontal(p < 0 for p in prices)))
    if not config.allow_zero_prices:
        rules.append(Rule("no_zero_prices", Severity.ERROR, "a price is zero", pl.any_horizontal(p == 0 for p in prices)))
    return rules


def _temporal(key: str, time: str, layout: FrameLayout, now: datetime) -> list[Rule]:
    t, k = pl.col(time), pl.col(key)
    limit: object = now if time == "timestamp" else now.date()
    if layout.ordered:  # a symbol's duplicates are then adjacent
        duplicate = same_key_as_previous(key) & (t == t.shift(1))
    else:
        duplicate = ~pl.struct(k, t).is_first_distinct()
    return [
        Rule("sorted_ascending", Severity.ERROR, "time goes backwards", t < previous(time, key, layout)),
        Rule("no_duplicate_timestamps", Severity.ERROR, "duplicate time for the same symbol", duplicate),
        Rule("no_future_bars", Severity.ERROR, f"bar is after now ({now.isoformat()})", t > pl.lit(limit)),
    ]


__all__ = ["RuleViolation", "validate_bars"]
