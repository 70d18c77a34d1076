"""The ingest workflow of the spec, through ports only:

fetch → convert (no silent loss) → validate → assign sids → write → checksum → register.

Strict mode rejects the whole batch if any value or row is invalid; lenient mode writes the
valid rows and returns every rejected row with its rule. A failed ingest registers nothing,
and the writer guarantees stored files are unchanged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

import polars as pl

from rustybt.domain.assets import AssetType
from rustybt.domain.dataset import SymbolRange
from rustybt.domain.date_range import DateRange
from rustybt.domain.decimals import ConversionMode, ValueIssue, to_decimal_columns
from rustybt.domain.errors import InvalidRequestError
from rustybt.domain.integrity import dataset_checksum
from rustybt.domain.ports.bar_writer import BarWriter, WriteResult
from rustybt.domain.ports.catalog import Catalog
from rustybt.domain.ports.data_source import DataSource
from rustybt.domain.resolution import Resolution
from rustybt.domain.schemas import STANDARD_OHLCV_SCHEMA, storage_schema
from rustybt.domain.validation import ValidationConfig, ValidationReport, validate_bars

REJECTED_SCHEMA = {"row": pl.Int64, "symbol": pl.String, "timestamp": pl.String, "rule": pl.String, "detail": pl.String}


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
    gaps: int = 0
    outliers_flagged: int = 0
    report: ValidationReport = field(default_factory=ValidationReport)
    files: dict[str, str] = field(default_factory=dict)

    def as_rows(self) -> list[dict[str, object]]:
        """One row per symbol for a summary table."""
        return [
            {
                "symbol": r.symbol,
                "first": r.start.isoformat(),
                "last": r.end.isoformat(),
                "bars": r.bar_count,
                "gaps": "yes" if r.has_gaps else "no",
            }
            for r in self.ranges
        ]


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class IngestService:
    """Runs the ingest workflow for one source into one bar store and catalog."""

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
    ) -> None:
        self.source = source
        self.writer = writer
        self.catalog = catalog
        self.mode = ConversionMode.parse(mode)
        self.validation = validation or ValidationConfig()
        self.asset_type = AssetType.parse(asset_type)
        self.bundle = bundle
        self.clock = clock

    def run(self, symbols: Sequence[str], span: DateRange, resolution: Resolution | str) -> IngestSummary:
        """Synchronous ``ingest``."""
        return asyncio.run(self.ingest(symbols, span, resolution))

    async def ingest(self, symbols: Sequence[str], span: DateRange, resolution: Resolution | str) -> IngestSummary:
        resolution = Resolution.parse(resolution)
        names = tuple(dict.fromkeys(symbols))
        if not names:
            raise InvalidRequestError("no symbols to ingest")
        raw = await self.source.fetch_raw(names, span, resolution)
        summary = IngestSummary(None, self.source.source_name, resolution, names, rows_fetched=raw.height)
        clean = self._convert_and_validate(raw, resolution, summary)
        if clean.is_empty():
            return summary
        stored = self._to_storage(clean, resolution)
        result = self.writer.write(stored, resolution)
        self._register(result, clean, span, resolution, summary)
        return summary

    def _convert_and_validate(self, raw: pl.DataFrame, resolution: Resolution, summary: IngestSummary) -> pl.DataFrame:
        conversion = to_decimal_columns(raw, mode=self.mode)
        summary.rounded = conversion.rounded
        summary.values_rounded = len(conversion.rounded)
        frame = conversion.frame.select(STANDARD_OHLCV_SCHEMA.names()).cast(dict(STANDARD_OHLCV_SCHEMA))
        report = validate_bars(frame, self.validation, resolution=resolution if resolution.is_intraday else None, now=self.clock())
        summary.report = report
        summary.gaps = report.count("no_gaps")
        summary.outliers_flagged = report.count("price_outlier") + report.count("volume_spike")
        if self.mode is ConversionMode.STRICT:
            conversion.raise_if_rejected()
            report.raise_if_errors()
            return frame
        rejected = _rejections(frame, conversion.rejected, report)
        summary.rejected = rejected
        summary.rows_rejected = rejected.get_column("row").n_unique()
        bad = rejected.get_column("row").unique().to_list()
        return frame.with_row_index("__row").filter(~pl.col("__row").is_in(bad)).drop("__row")

    def _to_storage(self, frame: pl.DataFrame, resolution: Resolution) -> pl.DataFrame:
        exchange = self.source.exchange
        sids = {s: self.catalog.assign_sid(exchange, s, self.asset_type) for s in frame.get_column("symbol").unique().to_list()}
        with_sid = frame.with_columns(pl.col("symbol").replace_strict(sids, return_dtype=pl.Int64).alias("sid"))
        if resolution.storage_kind == "daily":
            with_sid = with_sid.with_columns(pl.col("timestamp").dt.date().alias("date"))
        schema = storage_schema(resolution.storage_kind)
        return with_sid.select(schema.names()).sort("sid", schema.names()[0])

    def _register(self, result: WriteResult, frame: pl.DataFrame, span: DateRange, resolution: Resolution, summary: IngestSummary) -> None:
        self.catalog.update_file_checksums(result.root, result.checksums)
        gaps = {v.symbol for v in summary.report.violations if v.rule == "no_gaps"}
        per_symbol = frame.group_by("symbol", maintain_order=True).agg(
            pl.col("timestamp").min().alias("first"), pl.col("timestamp").max().alias("last"), pl.len().alias("bars")
        )
        ranges = tuple(SymbolRange(s, first, last, n, s in gaps) for s, first, last, n in per_symbol.iter_rows())
        symbols = tuple(r.symbol for r in ranges)
        summary.dataset_id = self.catalog.register_dataset(
            self.source.source_name,
            symbols,
            span.start,
            span.end,
            resolution,
            dataset_checksum(result.checksums),
            parquet_path=result.root,
            row_count=frame.height,
            size_bytes=result.size_bytes,
            date_ranges=ranges,
            file_checksums=result.checksums,
            asset_type=self.asset_type,
            exchange=self.source.exchange,
            bundle=self.bundle,
        )
        summary.rows_written = result.rows_written
        summary.rows_added = result.rows_added
        summary.rows_replaced = result.rows_replaced
        summary.ranges = ranges
        summary.files = dict(result.checksums)


def _rejections(frame: pl.DataFrame, issues: Sequence[ValueIssue], report: ValidationReport) -> pl.DataFrame:
    symbols = frame.get_column("symbol").to_list()
    times = frame.get_column("timestamp").to_list()
    rows: list[tuple[int, str | None, str | None, str, str]] = [
        (i.row, i.symbol, i.when, f"decimal_{i.reason}", i.describe()) for i in issues
    ]
    for v in report.errors:
        for row in v.rows:
            rows.append((row, symbols[row], str(times[row]), v.rule, v.message))
    if not rows:
        return pl.DataFrame(schema=REJECTED_SCHEMA)
    return pl.DataFrame(rows, schema=REJECTED_SCHEMA, orient="row").sort("row", "rule")


__all__ = ["IngestService", "IngestSummary"]
