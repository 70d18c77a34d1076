"""What an ingest says about the quality of the bars it stores: missing bars (gaps) counted
one way for the summary, the catalog and the report, and split flags; both become the issues
the catalog keeps with the dataset.

Gaps follow ``validation.gaps``: a bar time the calendar expects between a symbol's first and
last bar that has no bar. ``ExpectedTimes`` supplies the calendar's times; without it an
intraday resolution is a continuous grid and daily bars are not counted (``None``: a daily
calendar is not known).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from rustybt.domain.dataset import SymbolRange
from rustybt.domain.dataset_issues import FLAG, ISSUE_SCHEMA, REJECTED, empty_issues
from rustybt.domain.resolution import Resolution
from rustybt.domain.validation import RuleViolation, Severity, ValidationReport
from rustybt.domain.validation.evaluate import ROW
from rustybt.domain.validation.gaps import find_gaps
from rustybt.domain.validation.layout import detect_layout
from rustybt.domain.validation.splits import SPLIT_RULES, split_flags

ExpectedTimes = Callable[[Resolution, datetime, datetime], "pl.Series | None"]
"""The bar times a calendar expects from the first to the last time given (inclusive), UTC;
``None`` for a continuous grid at the resolution."""


class GapCounter:
    """Counts missing bars of one resolution the one way every part of the product does."""

    def __init__(self, resolution: Resolution, expected_times: ExpectedTimes | None) -> None:
        self.resolution = resolution
        self.expected_times = expected_times

    @property
    def counts(self) -> bool:
        """Whether gaps are counted at all (a calendar is known, or the grid is continuous)."""
        return self.expected_times is not None or self.resolution.is_intraday

    def violations(self, frame: pl.DataFrame, severity: Severity = Severity.WARNING) -> list[RuleViolation]:
        """``no_gaps`` of ``frame`` (``symbol``, ``timestamp``): one per symbol missing bars."""
        if not self.counts or frame.is_empty():
            return []
        if self.resolution.storage_kind == "daily":  # stored by day: a bar at 05:00 UTC is that day's bar
            frame = frame.with_columns(pl.col("timestamp").dt.truncate("1d"))
        times = frame.get_column("timestamp")
        first, last = times.min(), times.max()
        assert isinstance(first, datetime) and isinstance(last, datetime)
        expected = self.expected_times(self.resolution, first, last) if self.expected_times is not None else None
        data = frame.select("symbol", "timestamp").with_row_index(ROW)
        layout = detect_layout(data, "symbol", "timestamp")
        grid = self.resolution if expected is None else None
        return find_gaps(data, "symbol", "timestamp", layout, grid, expected, severity)

    def between(self, symbol: str, before: datetime, after: datetime) -> int:
        """Bars missing strictly between two bars of ``symbol`` (the seam of an extension)."""
        if after <= before:
            return 0
        frame = pl.DataFrame({"symbol": [symbol, symbol], "timestamp": [before, after]})
        frame = frame.with_columns(pl.col("timestamp").dt.cast_time_unit("us").dt.convert_time_zone("UTC"))
        return sum(v.count for v in self.violations(frame))


@dataclass(frozen=True)
class IngestQuality:
    """What an ingest learnt about the rows it keeps: how it counts gaps, the gaps of each
    symbol (``None``: not counted) and the issues to keep with the dataset."""

    counter: GapCounter
    gaps: Mapping[str, int] | None
    issues: pl.DataFrame


def counts_by_symbol(violations: Sequence[RuleViolation]) -> dict[str, int]:
    found: dict[str, int] = {}
    for v in violations:
        if v.rule == "no_gaps" and v.symbol is not None:
            found[v.symbol] = found.get(v.symbol, 0) + v.count
    return found


def with_gaps(ranges: Sequence[SymbolRange], gaps: Mapping[str, int] | None) -> tuple[SymbolRange, ...]:
    """``ranges`` carrying their gap counts (``None`` when gaps were not counted)."""
    return tuple(
        SymbolRange(r.symbol, r.start, r.end, r.bar_count, gaps=None if gaps is None else gaps.get(r.symbol, 0)) for r in ranges
    )


def merged_with_seams(old: Sequence[SymbolRange], new: Sequence[SymbolRange], counter: GapCounter) -> tuple[SymbolRange, ...]:
    """Per-symbol ranges after ``new`` bars were added beside ``old`` ones (an extension: the
    ranges do not overlap). Gap counts add up, with the bars missing at each seam."""
    merged = {r.symbol: r for r in old}
    for r in new:
        before = merged.get(r.symbol)
        if before is None:
            merged[r.symbol] = r
            continue
        gaps = None
        if before.gaps is not None and r.gaps is not None and counter.counts:
            seam = counter.between(r.symbol, before.end, r.start) + counter.between(r.symbol, r.end, before.start)
            gaps = before.gaps + r.gaps + seam
        merged[r.symbol] = SymbolRange(
            r.symbol, min(before.start, r.start), max(before.end, r.end), before.bar_count + r.bar_count,
            before.has_gaps or r.has_gaps, gaps,
        )  # fmt: skip
    return tuple(merged.values())


def split_violations(frame: pl.DataFrame, actions: pl.DataFrame | None) -> list[RuleViolation]:
    """``suspected_split`` and ``split_not_in_prices`` of ``frame`` against the splits in
    ``actions`` (``CORPORATE_ACTIONS_SCHEMA``; ``None``: none recorded)."""
    splits = pl.DataFrame(schema={"symbol": pl.String, "date": pl.Date, "value": pl.Float64})
    if actions is not None and not actions.is_empty():
        splits = actions.filter(pl.col("action") == "split").select("symbol", "date", pl.col("value").cast(pl.Float64))
    return split_flags(frame.select("symbol", "timestamp", "open", "close"), splits)


def issues_of(rejected: pl.DataFrame, flags: Sequence[RuleViolation], frame: pl.DataFrame) -> pl.DataFrame:
    """The issues to keep with the dataset: every rejected row, every split flag (its row's
    symbol and time from ``frame``, the frame the flags were computed on)."""
    parts = []
    if not rejected.is_empty():
        parts.append(rejected.select(pl.lit(REJECTED).alias("kind"), *(c for c in ISSUE_SCHEMA.names() if c != "kind")))
    rows = [
        (FLAG, v.symbol, str(frame.get_column("timestamp")[row]), v.rule, detail, None)
        for v in flags
        if v.rule in SPLIT_RULES
        for row, detail in zip(v.rows, v.details, strict=True)
    ]
    if rows:
        parts.append(pl.DataFrame(rows, schema=ISSUE_SCHEMA, orient="row"))
    return pl.concat([p.cast(ISSUE_SCHEMA) for p in parts]) if parts else empty_issues()


def report_with(report: ValidationReport, violations: Sequence[RuleViolation], rules: Sequence[str]) -> ValidationReport:
    """``report`` with its violations of ``rules`` replaced by ``violations``."""
    kept = tuple(v for v in report.violations if v.rule not in rules)
    return ValidationReport(kept + tuple(violations), report.rows_checked, report.rules_run)


__all__ = [
    "ExpectedTimes",
    "GapCounter",
    "IngestQuality",
    "counts_by_symbol",
    "issues_of",
    "merged_with_seams",
    "report_with",
    "split_violations",
    "with_gaps",
]
