"""The ingest workflow of the spec, through ports only:

fetch → convert (no silent loss) → validate → assign sids → write → checksum → register.

Strict mode rejects the whole batch if any value or row is invalid; lenient mode writes the
valid rows and returns every rejected row with its rule. A failed ingest registers nothing,
and the writer guarantees stored files are unchanged.

Incremental update: when a complete dataset of the same source, resolution and bundle holds
exactly the requested symbols and its range overlaps or touches the requested one, only the
part of the range it lacks is fetched, and that dataset is extended (``Catalog.update_dataset``).

Crash safety: after validation and before the write, the dataset is recorded ``pending`` (a
new one registered empty, an extended one marked); it becomes ``complete`` only after the
files are in place and their checksums recorded. A write that fails withdraws the mark; a
process killed in between leaves it pending, and the next ingest of the same source, bundle,
resolution and symbols resumes that dataset (fetching what its record still lacks).

A raw frame may carry ``source_file`` and ``source_line`` columns; rejected rows then name
their ``location`` (``file:line``) in the summary and in a strict-mode error.

Before anything is fetched, an ingest into a bundle that holds one of the symbols from another
source is refused (``ingest_checks``); a new dataset for which the source has no bar at all is
refused too, with the source's explanation. Gaps are counted one way (``ingest_quality``) and
kept per symbol in the catalog with the rejected rows and split flags (``dataset_issues``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

import polars as pl

from rustybt.domain.assets import AssetType, check_symbol
from rustybt.domain.dataset import DatasetInfo, SymbolRange
from rustybt.domain.date_range import DateRange
from rustybt.domain.decimals import ConversionMode, ValueIssue, to_decimal_columns
from rustybt.domain.errors import InvalidRequestError
from rustybt.domain.ingest_checks import no_bars, refuse_foreign_symbols, strict_failure
from rustybt.domain.ingest_frames import keyed_by_symbol, sid_column, standard_columns, symbol_spans
from rustybt.domain.ingest_incremental import missing_pieces
from rustybt.domain.ingest_intent import (
    COMPLETE,
    Intent,
    complete_sharers,
    dataset_to_extend,
    mark_pending,
    resumable_dataset,
    touched_partitions,
    withdraw_after,
)
from rustybt.domain.ingest_quality import (
    ExpectedTimes,
    GapCounter,
    IngestQuality,
    counts_by_symbol,
    issues_of,
    merged_with_seams,
    report_with,
    split_violations,
    with_gaps,
)
from rustybt.domain.ingest_rejections import LOCATION_COLUMNS, REJECTED_SCHEMA, rejections, without_rejected
from rustybt.domain.integrity import dataset_checksum
from rustybt.domain.ports.bar_writer import BarWriter, WriteResult
from rustybt.domain.ports.catalog import Catalog
from rustybt.domain.ports.data_source import DataSource
from rustybt.domain.resolution import Resolution
from rustybt.domain.schemas import CORPORATE_ACTIONS_SCHEMA as STANDARD_ACTION_TYPES
from rustybt.domain.schemas import STANDARD_OHLCV_SCHEMA, storage_schema
from rustybt.domain.validation import Severity, ValidationConfig, ValidationReport, validate_bars
from rustybt.domain.validation.layout import ascending
from rustybt.domain.validation.splits import SPLIT_RULES


@dataclass(frozen=True)
class IngestProgress:
    """One step of one symbol: ``stage`` is ``"fetched"`` (after its bars arrived) or
    ``"written"`` (after the dataset was registered); ``done`` of ``total`` symbols."""

    symbol: str
    stage: str
    rows: int
    done: int
    total: int


ProgressCallback = Callable[[IngestProgress], None]


@dataclass
class IngestSummary:
    """What one ingest did."""

    dataset_id: str | None
    source: str
    resolution: Resolution
    symbols: tuple[str, ...]
    rows_fetched: int = 0
    rows_written: int = 0
    rows_added: int = 0
    rows_replaced: int = 0
    rows_rejected: int = 0
    values_rounded: int = 0
    rejected: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=REJECTED_SCHEMA))
    rounded: list[ValueIssue] = field(default_factory=list)
    ranges: tuple[SymbolRange, ...] = ()
    gaps: int | None = 0  # None: not counted (daily bars with no calendar given)
    outliers_flagged: int = 0
    splits_flagged: int = 0
    report: ValidationReport = field(default_factory=ValidationReport)
    files: dict[str, str] = field(default_factory=dict)
    extended: bool = False
    fetched_spans: tuple[DateRange, ...] = ()

    def as_rows(self) -> list[dict[str, object]]:
        """One row per symbol for a summary table."""
        return [
            {
                "symbol": r.symbol,
                "first": r.start.isoformat(),
                "last": r.end.isoformat(),
                "bars": r.bar_count,
                "gaps": r.gaps,
            }
            for r in self.ranges
        ]


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class IngestService:
    """Runs the ingest workflow for one source into one bar store and catalog.

    ``symbols_per_fetch`` symbols are asked of the source at a time (``None``: all at once);
    ``progress`` is told when each symbol's bars have arrived and when they are registered.
    ``expected_times`` gives the calendar's bar times for counting gaps; ``corporate_actions``
    the splits known for the symbols (``CORPORATE_ACTIONS_SCHEMA``), which the split flags are
    checked against together with those the catalog holds.
    """

    def __init__(
        self,
        source: DataSource,
        writer: BarWriter,
        catalog: Catalog,
        *,
        mode: ConversionMode | str = ConversionMode.STRICT,
        validation: ValidationConfig | None = None,
        asset_type: AssetType | str = AssetType.EQUITY,
        bundle: str | None = None,
        clock: Callable[[], datetime] = _utc_now,
        progress: ProgressCallback | None = None,
        symbols_per_fetch: int | None = 1,
        incremental: bool = True,
        expected_times: ExpectedTimes | None = None,
        corporate_actions: pl.DataFrame | None = None,
    ) -> None:
        if symbols_per_fetch is not None and symbols_per_fetch < 1:
            raise InvalidRequestError(f"symbols_per_fetch must be at least 1, not {symbols_per_fetch}")
        self.source = source
        self.writer = writer
        self.catalog = catalog
        self.mode = ConversionMode.parse(mode)
        self.validation = validation or ValidationConfig()
        self.asset_type = AssetType.parse(asset_type)
        self.bundle = bundle
        self.clock = clock
        self.progress = progress
        self.symbols_per_fetch = symbols_per_fetch
        self.incremental = incremental
        self.expected_times = expected_times
        self.corporate_actions = corporate_actions

    def run(self, symbols: Sequence[str], span: DateRange, resolution: Resolution | str) -> IngestSummary:
        """Synchronous ``ingest``."""
        return asyncio.run(self.ingest(symbols, span, resolution))

    async def ingest(self, symbols: Sequence[str], span: DateRange, resolution: Resolution | str) -> IngestSummary:
        resolution = Resolution.parse(resolution)
        names = tuple(dict.fromkeys(check_symbol(s) for s in symbols))
        if not names:
            raise InvalidRequestError("no symbols to ingest")
        refuse_foreign_symbols(self.catalog, self.bundle, self.source.exchange, self.source.source_name, names)
        existing = dataset_to_extend(self.catalog, self.source.source_name, names, span, resolution, self.bundle, incremental=self.incremental)
        resumed = existing or resumable_dataset(self.catalog, self.source.source_name, names, resolution, self.bundle)
        pieces = missing_pieces(existing, span) if existing is not None else (span,)
        raw = keyed_by_symbol(await self._fetch(names, pieces, resolution), names)
        if raw.is_empty() and existing is None and resumed is None:
            raise no_bars(self.source.source_name, names, span, await self.source.explain_no_bars(names, span, resolution))
        summary = IngestSummary(None, self.source.source_name, resolution, names, rows_fetched=raw.height)
        summary.fetched_spans = pieces
        if existing is not None:
            summary.dataset_id = existing.dataset_id
            summary.extended = True
            summary.ranges = existing.date_ranges
        clean, quality = self._convert_and_validate(raw, resolution, summary)
        if clean.is_empty():
            return summary
        stored = self._to_storage(clean, resolution)
        with self.writer.exclusive():  # the files and the catalog change together, one ingest at a time
            intent = mark_pending(
                self.catalog,
                resumed,
                source=self.source.source_name,
                names=names,
                span=span,
                resolution=resolution,
                root=self.writer.write(stored.clear(), resolution).root,
                asset_type=self.asset_type,
                exchange=self.source.exchange,
                bundle=self.bundle,
                partitions=touched_partitions(stored, resolution.storage_kind),
            )
            summary.dataset_id = intent.dataset_id
            try:
                result = self.writer.write(stored, resolution)
            except Exception as failure:
                withdraw_after(self.catalog, intent, failure)
                raise
            self._register(result, clean, span, resolution, summary, None if intent.fresh else existing, intent, quality)
        self._report_written(summary)
        return summary

    async def _fetch(self, names: tuple[str, ...], pieces: Sequence[DateRange], resolution: Resolution) -> pl.DataFrame:
        size = self.symbols_per_fetch or len(names)
        frames: list[pl.DataFrame] = []
        done = 0
        for i in range(0, len(names), size):
            batch = names[i : i + size]
            got = [await self.source.fetch_raw(batch, piece, resolution) for piece in pieces]
            frames.extend(f for f in got if not f.is_empty())
            if self.progress is None:
                continue
            counts = _rows_per_symbol(got)
            for name in batch:
                done += 1
                self._notify(IngestProgress(name, "fetched", counts.get(name, 0), done, len(names)))
        if not frames:
            return pl.DataFrame(schema=STANDARD_OHLCV_SCHEMA)
        if len(frames) == 1:
            return frames[0]
        if len({f.schema["symbol"] for f in frames}) > 1:  # e.g. each batch its own pl.Enum
            frames = [f.with_columns(pl.col("symbol").cast(pl.String)) for f in frames]
        return pl.concat(frames, how="vertical_relaxed")

    def _notify(self, event: IngestProgress) -> None:
        if self.progress is not None:
            self.progress(event)

    def _report_written(self, summary: IngestSummary) -> None:
        by_symbol = {r.symbol: r.bar_count for r in summary.ranges}
        for done, name in enumerate(summary.symbols, start=1):
            self._notify(IngestProgress(name, "written", by_symbol.get(name, 0), done, len(summary.symbols)))

    def _convert_and_validate(self, raw: pl.DataFrame, resolution: Resolution, summary: IngestSummary) -> tuple[pl.DataFrame, IngestQuality]:
        conversion = to_decimal_columns(raw, mode=self.mode)
        summary.rounded = conversion.rounded
        summary.values_rounded = len(conversion.rounded)
        frame = standard_columns(conversion.frame)
        report = validate_bars(frame, self.validation, now=self.clock())  # gaps: below, on the rows kept
        rejected = rejections(frame, conversion.rejected, report, raw)
        if self.mode is ConversionMode.STRICT and not rejected.is_empty():
            raise strict_failure(conversion, report, rejected)
        clean = without_rejected(frame, rejected)
        counter = GapCounter(resolution, self.expected_times)
        gaps = counter.violations(clean, Severity.ERROR if self.validation.reject_gaps else Severity.WARNING)
        flags = split_violations(clean, self._known_splits(clean))
        summary.report = report_with(report, [*gaps, *flags], ("no_gaps", *SPLIT_RULES))
        summary.gaps = sum(v.count for v in gaps) if counter.counts else None
        summary.outliers_flagged = report.count("price_outlier") + report.count("volume_spike")
        summary.splits_flagged = sum(v.count for v in flags)
        summary.rejected = rejected
        summary.rows_rejected = rejected.get_column("row").n_unique()
        quality = IngestQuality(counter, counts_by_symbol(gaps) if counter.counts else None, issues_of(rejected, flags, clean))
        if self.mode is ConversionMode.STRICT:
            summary.report.raise_if_errors()  # e.g. gaps, with reject_gaps
        return clean, quality

    def _known_splits(self, frame: pl.DataFrame) -> pl.DataFrame | None:
        """Splits given to this ingest and those the catalog holds for its symbols (one query
        for every stored action; a sid lookup only for symbols that have some)."""
        parts = [self.corporate_actions] if self.corporate_actions is not None and not self.corporate_actions.is_empty() else []
        stored = self.catalog.corporate_actions()
        if not stored.is_empty():
            names = frame.get_column("symbol").cast(pl.String).unique().to_list()
            mine = stored.filter(pl.col("action") == "split", pl.col("symbol").is_in(names))
            sids = [sid for name in mine.get_column("symbol").unique().to_list() if (sid := self.catalog.lookup_sid(self.source.exchange, name)) is not None]
            parts.append(mine.filter(pl.col("sid").is_in(sids)))
        if not parts:
            return None
        columns = ("symbol", "date", "action", "value")
        return pl.concat([p.select(pl.col(c).cast(STANDARD_ACTION_TYPES[c]) for c in columns) for p in parts])

    def _to_storage(self, frame: pl.DataFrame, resolution: Resolution) -> pl.DataFrame:
        exchange = self.source.exchange
        names = frame.get_column("symbol").unique(maintain_order=True).to_list()
        sids = self.catalog.assign_sids(exchange, names, self.asset_type)
        with_sid = frame.with_columns(sid_column(frame.schema["symbol"], sids).alias("sid"))
        if resolution.storage_kind == "daily":
            with_sid = with_sid.with_columns(pl.col("timestamp").dt.date().alias("date"))
        schema = storage_schema(resolution.storage_kind)
        stored = with_sid.select(schema.names())
        if stored.select(ascending("sid", schema.names()[0], strict_second=False)).item():
            return stored  # already in (sid, time) order, as sources usually deliver it
        return stored.sort("sid", schema.names()[0])

    def _register(
        self,
        result: WriteResult,
        frame: pl.DataFrame,
        span: DateRange,
        resolution: Resolution,
        summary: IngestSummary,
        existing: DatasetInfo | None,
        intent: Intent,
        quality: IngestQuality,
    ) -> None:
        self.catalog.update_file_checksums(result.root, result.checksums)
        complete_sharers(self.catalog, intent)
        per_symbol = symbol_spans(frame)
        ranges = with_gaps([SymbolRange(s, first, last, n) for s, first, last, n in per_symbol.iter_rows()], quality.gaps)
        if not quality.issues.is_empty():
            self.catalog.record_dataset_issues(intent.dataset_id, quality.issues)
        if existing is None:
            self.catalog.update_dataset(
                intent.dataset_id,
                start_date=span.start,
                end_date=span.end,
                checksum=dataset_checksum(result.checksums),
                row_count=frame.height,
                size_bytes=result.size_bytes,
                date_ranges=ranges,
                file_checksums=result.checksums,
                status=COMPLETE,
            )
        else:
            ranges = merged_with_seams(existing.date_ranges, ranges, quality.counter)
            files = {**existing.file_checksums, **result.checksums}
            new_files = sum(p.size_bytes for p in result.partitions if p.path not in existing.file_checksums)
            whole = DateRange(existing.start_date, existing.end_date).union(span)
            self.catalog.update_dataset(
                existing.dataset_id,
                start_date=whole.start,
                end_date=whole.end,
                checksum=dataset_checksum(files),
                row_count=existing.row_count + frame.height,
                size_bytes=existing.size_bytes + new_files,
                date_ranges=ranges,
                file_checksums=result.checksums,
                status=COMPLETE,
            )
        summary.rows_written = result.rows_written
        summary.rows_added = result.rows_added
        summary.rows_replaced = result.rows_replaced
        summary.ranges = ranges
        summary.gaps = sum(r.gaps for r in ranges if r.gaps is not None) if all(r.gaps is not None for r in ranges) else None
        summary.files = dict(result.checksums)


def _rows_per_symbol(frames: Sequence[pl.DataFrame]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for frame in frames:
        if frame.is_empty():
            continue
        for name, n in frame.group_by("symbol").len().iter_rows():
            counts[str(name)] = counts.get(str(name), 0) + int(n)
    return counts


__all__ = ["LOCATION_COLUMNS", "REJECTED_SCHEMA", "IngestProgress", "IngestService", "IngestSummary", "ProgressCallback"]
