"""The data-quality page as typed data: per symbol its bars, its markers and its gaps.

Built from the report's data layer (:mod:`rustybt.app.report.quality`), the catalog's corporate
actions and the rows rejected at ingest; rendered by :mod:`rustybt.app.report.page`. Every flag,
rejection and recorded action becomes a :class:`Marker`, so a new validation rule needs no code
here: it shows up with its own rule name (and the kind ``KINDS`` gives it, or ``flag``).

The page states which state of the dataset it shows in :class:`DatasetPage.version` (its catalog
checksum and last update today). A versioned store fills ``version.label`` and hands a
``VersionDiff`` to ``DatasetPage.diff``; the page then shows both (see ``page.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import polars as pl

from rustybt.app.report.gap_runs import GapRun, gap_runs
from rustybt.app.report.quality import QualityReport, SymbolQuality
from rustybt.domain.dataset import DatasetInfo
from rustybt.domain.validation import RuleViolation

# Marker kind of each rule; a rule not listed is a "flag" (warning) or an "error".
KINDS: Mapping[str, str] = {
    "price_outlier": "outlier",
    "volume_spike": "volume spike",
    "suspected_split": "suspected split",
    "split_not_in_prices": "split not in prices",
    "no_gaps": "gap",
}
VOLUME_RULES = frozenset({"volume_spike"})  # drawn on the volume panel
GAP_RULE = "no_gaps"
REJECTED = "rejected"
ACTION_KINDS = {"split": "split", "dividend": "dividend"}


@dataclass(frozen=True)
class Marker:
    """One thing to point at: a flagged bar, a gap, a rejected row or a recorded action."""

    symbol: str
    time: datetime | None
    kind: str
    rule: str
    severity: str
    message: str
    values: tuple[tuple[str, str], ...] = ()
    location: str | None = None  # file:line of a rejected row, when the source said
    panel: str = "price"


@dataclass(frozen=True)
class VersionStamp:
    """Which state of the dataset a page shows. ``label`` is the store's version when it keeps
    versions (``None`` until then); ``checksum`` and ``updated`` identify the state today."""

    checksum: str
    updated: datetime | None
    label: str | None = None


@dataclass(frozen=True)
class VersionDiff:
    """Bars added, replaced and removed between two versions (filled by a versioned store)."""

    base: str
    target: str
    added: int
    replaced: int
    removed: int


@dataclass(frozen=True)
class SymbolPage:
    """What the page shows for one symbol."""

    symbol: str
    bars: pl.DataFrame  # timestamp + OHLCV as float64, ascending
    markers: tuple[Marker, ...]
    gaps: tuple[GapRun, ...]
    missing_times: tuple[datetime, ...]
    rule_counts: Mapping[str, int]
    rejected_rows: int = 0

    @property
    def missing(self) -> int:
        return len(self.missing_times)

    @property
    def flags(self) -> int:
        """Rule hits other than gaps (warnings and errors), as the validation report counts them."""
        return sum(n for rule, n in self.rule_counts.items() if rule != GAP_RULE)

    @property
    def actions(self) -> int:
        return sum(1 for m in self.markers if m.kind in ACTION_KINDS.values())

    def summary(self) -> dict[str, object]:
        """The symbol's numbers, as the page, the terminal and ``--json`` show them."""
        times = self.bars.get_column("timestamp")
        return {
            "symbol": self.symbol,
            "bars": self.bars.height,
            "first": str(times.min()) if self.bars.height else None,
            "last": str(times.max()) if self.bars.height else None,
            "missing bars": self.missing,
            "flags": self.flags,
            "outliers": self.rule_counts.get("price_outlier", 0) + self.rule_counts.get("volume_spike", 0),
            "rejected rows": self.rejected_rows,
            "corporate actions": self.actions,
        }


@dataclass(frozen=True)
class DatasetPage:
    """What one dataset's page shows."""

    info: DatasetInfo
    symbols: tuple[SymbolPage, ...]
    rule_counts: Mapping[str, int]
    version: VersionStamp
    diff: VersionDiff | None = None
    rules_run: tuple[str, ...] = field(default=())

    @property
    def markers(self) -> Iterable[Marker]:
        return (m for s in self.symbols for m in s.markers)


def build_page(
    report: QualityReport,
    actions: pl.DataFrame | None = None,
    rejections: pl.DataFrame | None = None,
    *,
    version_label: str | None = None,
) -> DatasetPage:
    """The page of ``report``, with the catalog's corporate ``actions`` (columns ``symbol``,
    ``date``, ``action``, ``value``) and the rows ``rejections`` at ingest (columns ``row``,
    ``symbol``, ``timestamp``, ``rule``, ``detail``, ``location``) of its symbols."""
    info = report.dataset
    pages = tuple(
        _symbol_page(s, report.row_times, _rows_of(actions, s.symbol), _rows_of(rejections, s.symbol))
        for s in report.symbols
    )
    version = VersionStamp(info.checksum, info.last_updated or info.created_at, version_label)
    return DatasetPage(info, pages, report.validation.by_rule(), version, None, report.validation.rules_run)


def _rows_of(frame: pl.DataFrame | None, symbol: str) -> list[dict[str, object]]:
    if frame is None or frame.is_empty():
        return []
    return frame.filter(pl.col("symbol") == symbol).to_dicts()


def _symbol_page(
    quality: SymbolQuality, row_times: list[str], actions: list[dict[str, object]], rejected: list[dict[str, object]]
) -> SymbolPage:
    bars = quality.bars
    position = _Positions(bars)
    markers: list[Marker] = []
    counts: dict[str, int] = {}
    missing: list[datetime] = []
    for violation in quality.violations:
        counts[violation.rule] = counts.get(violation.rule, 0) + violation.count
        if violation.rule == GAP_RULE:
            missing.extend(t for t in (_parse_time(d) for d in violation.details) if t is not None)
            continue
        markers.extend(_violation_markers(quality.symbol, violation, row_times, position, bars))
    runs = gap_runs(bars.get_column("timestamp").to_list(), missing)
    markers.extend(
        Marker(quality.symbol, run.first, "gap", GAP_RULE, "warning",
               f"{run.bars} bar(s) missing", (("from", str(run.first)), ("to", str(run.last)), ("bars missing", str(run.bars))))
        for run in runs
    )
    markers.extend(_action_marker(quality.symbol, a) for a in actions)
    markers.extend(_rejection_marker(quality.symbol, r) for r in rejected)
    rows = {r["row"] for r in rejected}
    ordered = tuple(sorted(markers, key=lambda m: (m.time is None, m.time or datetime.min, m.kind, m.rule)))
    return SymbolPage(quality.symbol, bars, ordered, tuple(runs), tuple(sorted(missing)), counts, len(rows))


class _Positions:
    """Row of a bar time in a symbol's bars (ascending), by binary search."""

    def __init__(self, bars: pl.DataFrame) -> None:
        self._times = bars.get_column("timestamp")

    def get(self, moment: datetime | None) -> int | None:
        if moment is None or self._times.is_empty():
            return None
        at = int(self._times.search_sorted(moment))
        return at if at < self._times.len() and self._times[at] == moment else None


def _violation_markers(
    symbol: str, violation: RuleViolation, row_times: list[str], position: _Positions, bars: pl.DataFrame
) -> list[Marker]:
    kind = KINDS.get(violation.rule, "error" if violation.severity.value == "error" else "flag")
    panel = "volume" if violation.rule in VOLUME_RULES else "price"
    made: list[Marker] = []
    details = violation.details if len(violation.details) == len(violation.rows) else ()
    for i, row in enumerate(violation.rows):
        moment = _parse_time(row_times[row]) if 0 <= row < len(row_times) else None
        at = position.get(moment)
        values = _bar_values(bars, at) if at is not None else ()
        if details:
            values = (*values, ("detail", details[i]))
        made.append(Marker(symbol, moment, kind, violation.rule, violation.severity.value, violation.message, values, None, panel))
    if not violation.rows:  # a rule that names times (or other facts) in its details
        made.extend(
            Marker(symbol, _parse_time(d), kind, violation.rule, violation.severity.value, violation.message, (("detail", d),), None, panel)
            for d in violation.details
        )
    return made


def _bar_values(bars: pl.DataFrame, at: int) -> tuple[tuple[str, str], ...]:
    row = bars.row(at, named=True)
    values = [(name, f"{row[name]:.10g}") for name in ("open", "high", "low", "close", "volume")]
    if at > 0:
        before = float(bars.get_column("close")[at - 1])
        if before:
            values.append(("prev close", f"{before:.10g}"))
            values.append(("change", f"{(row['close'] / before - 1) * 100:+.2f}%"))
    return tuple(values)


def _action_marker(symbol: str, action: Mapping[str, object]) -> Marker:
    kind = ACTION_KINDS.get(str(action["action"]), str(action["action"]))
    value = action["value"]
    amount = f"{value.normalize():f}" if isinstance(value, Decimal) else str(value)
    what = f"{amount} new shares per share" if kind == "split" else f"{amount} per share"
    day = action["date"]
    when = datetime(day.year, day.month, day.day) if hasattr(day, "year") else None  # type: ignore[attr-defined]
    return Marker(symbol, _utc(when), kind, f"recorded {kind}", "info", f"{kind} recorded in the catalog: {what}", (("value", amount),))


def _rejection_marker(symbol: str, row: Mapping[str, object]) -> Marker:
    location = row.get("location")
    return Marker(
        symbol,
        _parse_time(row.get("timestamp")),
        REJECTED,
        str(row["rule"]),
        "error",
        f"row rejected at ingest: {row['detail']}",
        (("source row", str(row["row"])), ("detail", str(row["detail"]))),
        None if location is None else str(location),
    )


def _parse_time(text: object) -> datetime | None:
    if text is None:
        return None
    if isinstance(text, datetime):
        return _utc(text)
    head = str(text).strip()
    for candidate in (head, head[:25], head[:19], head[:10]):
        try:
            return _utc(datetime.fromisoformat(candidate))
        except ValueError:
            continue
    return None


def _utc(moment: datetime | None) -> datetime | None:
    from datetime import timezone

    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


__all__ = ["KINDS", "DatasetPage", "Marker", "SymbolPage", "VersionDiff", "VersionStamp", "build_page"]
