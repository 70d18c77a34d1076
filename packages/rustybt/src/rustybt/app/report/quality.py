"""Data-quality assessment of a stored dataset: validation, gaps, outliers, split flags, and the
rows its ingest rejected (kept in the catalog), per symbol.

Gaps use the one definition of the product (``rustybt.app.sessions``, ``validation.gaps``), so
a report shows the counts the ingest summary and ``catalog show`` show."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from rustybt.domain.dataset import DatasetInfo
from rustybt.domain.dataset_issues import REJECTED, empty_issues
from rustybt.domain.ingest_quality import split_violations
from rustybt.domain.resolution import Resolution
from rustybt.domain.validation import RuleViolation, ValidationConfig, ValidationReport, validate_bars

MAX_STRIP_SLOTS = 5000


@dataclass
class SymbolQuality:
    """Everything the report shows for one symbol."""

    symbol: str
    bars: pl.DataFrame  # timestamp + OHLCV as float64, ascending
    violations: list[RuleViolation] = field(default_factory=list)
    outlier_rows: list[int] = field(default_factory=list)
    slots: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return sum(1 for _, gone in self.slots if gone)

    @property
    def errors(self) -> int:
        return sum(v.count for v in self.violations if v.severity.value == "error")

    @property
    def warnings(self) -> int:
        return sum(v.count for v in self.violations if v.severity.value == "warning")


@dataclass
class QualityReport:
    """The assessment of one dataset."""

    dataset: DatasetInfo
    symbols: list[SymbolQuality]
    validation: ValidationReport
    row_times: list[str] = field(default_factory=list)  # time of each validated row
    rejected: pl.DataFrame = field(default_factory=empty_issues)  # rows the ingest did not store

    def split_flags(self) -> list[dict[str, object]]:
        """Each split flag: rule, symbol and its day and ratio."""
        return [
            {"rule": v.rule, "symbol": v.symbol, "detail": d}
            for v in self.validation.violations
            if v.rule in ("suspected_split", "split_not_in_prices")
            for d in v.details
        ]

    def where(self, violation: RuleViolation, limit: int = 5) -> str:
        """Where a violation is, as bar times (gaps: the missing times)."""
        items = [self.row_times[r] for r in violation.rows[:limit] if r < len(self.row_times)] or list(violation.details[:limit])
        more = max(len(violation.rows), len(violation.details)) - limit
        return ", ".join(items) + (f", … (+{more})" if more > 0 else "")

    def summary_rows(self) -> list[dict[str, object]]:
        return [
            {
                "symbol": s.symbol,
                "bars": s.bars.height,
                "first": str(s.bars.get_column("timestamp").min()) if s.bars.height else "-",
                "last": str(s.bars.get_column("timestamp").max()) if s.bars.height else "-",
                "missing bars": s.missing,
                "outliers": len(s.outlier_rows),
                "errors": s.errors,
            }
            for s in self.symbols
        ]


def assess(
    dataset: DatasetInfo,
    bars: pl.DataFrame,
    *,
    config: ValidationConfig | None = None,
    expected_times: pl.Series | None = None,
    now: datetime | None = None,
    issues: pl.DataFrame | None = None,
    splits: pl.DataFrame | None = None,
) -> QualityReport:
    """Validate ``bars`` (standard schema: symbol, timestamp, OHLCV) and lay out each symbol.

    Gaps are measured against ``expected_times`` (e.g. a calendar's sessions) when given, else
    against a continuous grid of the dataset's resolution. ``splits`` (``CORPORATE_ACTIONS_SCHEMA``)
    are checked against the prices (split flags); ``issues`` are what the catalog keeps with
    the dataset (its rejected rows are listed).
    """
    ordered = bars.sort("symbol", "timestamp")
    resolution = dataset.resolution
    report = validate_bars(ordered, config, resolution=resolution if expected_times is None else None, expected_times=expected_times, now=now)
    flags = split_violations(ordered, splits) if not ordered.is_empty() else []
    report = ValidationReport(report.violations + tuple(flags), report.rows_checked, report.rules_run)
    position = ordered.with_row_index("__row").with_columns(pl.int_range(pl.len()).over("symbol").alias("__pos"))
    symbols: list[SymbolQuality] = []
    for symbol in dataset.symbols:
        part = position.filter(pl.col("symbol") == symbol)
        row_to_pos = dict(zip(part.get_column("__row").to_list(), part.get_column("__pos").to_list(), strict=True))
        mine = [v for v in report.violations if v.symbol == symbol]
        outliers = sorted({row_to_pos[r] for v in mine if v.rule in ("price_outlier", "volume_spike") for r in v.rows if r in row_to_pos})
        floats = part.select(
            "timestamp", *(pl.col(c).cast(pl.Float64) for c in ("open", "high", "low", "close", "volume"))
        )
        symbols.append(
            SymbolQuality(symbol, floats, mine, outliers, _slots(floats.get_column("timestamp"), resolution, expected_times, mine))
        )
    rejected = issues.filter(pl.col("kind") == REJECTED) if issues is not None else empty_issues()
    return QualityReport(dataset, symbols, report, [str(t) for t in ordered.get_column("timestamp").to_list()], rejected)


def _slots(times: pl.Series, resolution: Resolution, expected: pl.Series | None, violations: list[RuleViolation]) -> list[tuple[str, bool]]:
    if times.is_empty():
        return []
    missing = {d for v in violations if v.rule == "no_gaps" for d in v.details}
    present = [(str(t), False) for t in times.to_list()]
    gone = [(t, True) for t in missing]
    slots = sorted(present + gone)
    if len(slots) > MAX_STRIP_SLOTS:  # keep the page light: sample evenly but keep every gap
        step = len(slots) // MAX_STRIP_SLOTS + 1
        slots = [s for i, s in enumerate(slots) if s[1] or i % step == 0]
    return slots
