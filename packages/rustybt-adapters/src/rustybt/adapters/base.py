"""``BaseDataAdapter``: the spec's adapter interface over the ``DataSource`` port."""

from __future__ import annotations

import asyncio
from abc import abstractmethod
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

import polars as pl
from typing_extensions import override

from rustybt.adapters.frames import exact_bars
from rustybt.domain.assets import AssetType
from rustybt.domain.date_range import DateRange
from rustybt.domain.decimals import ConversionMode
from rustybt.domain.errors import InvalidResolutionError
from rustybt.domain.ingest import IngestService, IngestSummary, ProgressCallback
from rustybt.domain.ingest_quality import ExpectedTimes
from rustybt.domain.instants import TimeLike
from rustybt.domain.ports.bar_writer import BarWriter
from rustybt.domain.ports.catalog import Catalog
from rustybt.domain.ports.data_source import DataSource
from rustybt.domain.resolution import Resolution
from rustybt.domain.schemas import storage_schema
from rustybt.domain.validation import ValidationConfig, ValidationReport, validate_bars


class BaseDataAdapter(DataSource):
    """A data source with the spec's ``validate``/``standardize``/``ingest`` steps.

    Subclasses implement ``source_name`` and ``fetch_raw`` (bars as delivered, the OHLCV
    values still text, floats or Decimals of any scale); ``fetch`` converts them exactly.
    ``symbols_per_fetch`` is how many symbols the ingest workflow asks for at a time
    (``None``: all at once, for sources where one request serves many symbols cheaply).
    """

    symbols_per_fetch: int | None = 1
    default_asset_type: AssetType = AssetType.EQUITY

    def __init__(self, *, validation: ValidationConfig | None = None) -> None:
        self.validation = validation or ValidationConfig()

    @abstractmethod
    @override
    async def fetch_raw(self, symbols: Sequence[str], span: DateRange, resolution: Resolution) -> pl.DataFrame:
        """Bars as the source delivered them: ``symbol``, ``timestamp`` (UTC), OHLCV columns."""

    @override
    async def fetch(self, symbols: Sequence[str], span: DateRange, resolution: Resolution) -> pl.DataFrame:
        return self.standardize(await self.fetch_raw(symbols, span, resolution))

    def check_resolution(self, resolution: Resolution | str) -> Resolution:
        """``resolution`` parsed; ``InvalidResolutionError`` naming the supported ones otherwise."""
        parsed = Resolution.parse(resolution)
        supported = self.supported_resolutions()
        if parsed not in supported:
            allowed = ", ".join(str(r) for r in supported)
            raise InvalidResolutionError(f"{self.source_name} has no {parsed} bars; it serves {allowed}")
        return parsed

    def validation_report(self, df: pl.DataFrame, resolution: Resolution | str | None = None) -> ValidationReport:
        """Every rule violation in ``df`` (standard or storage schema); never raises."""
        res = Resolution.parse(resolution) if resolution is not None else None
        return validate_bars(df, self.validation, resolution=res if res is not None and res.is_intraday else None)

    def validate(self, df: pl.DataFrame, resolution: Resolution | str | None = None) -> bool:
        """True when ``df`` breaks no error rule; raises ``ValidationError`` carrying the report."""
        self.validation_report(df, resolution).raise_if_errors()
        return True

    def standardize(
        self,
        df: pl.DataFrame,
        *,
        catalog: Catalog | None = None,
        resolution: Resolution | str | None = None,
    ) -> pl.DataFrame:
        """Raw bars to the standard Decimal schema (UTC), exactly or not at all.

        With a ``catalog``, returns the storage schema of ``resolution`` instead, with each
        symbol's sid assigned by the catalog under this source's exchange.
        """
        bars = exact_bars(df)
        if catalog is None:
            return bars
        res = Resolution.parse(resolution or Resolution.D1)
        names = bars.get_column("symbol").unique(maintain_order=True).to_list()
        sids = catalog.assign_sids(self.exchange, names, self.default_asset_type)
        keyed = bars.with_columns(pl.col("symbol").replace_strict(sids, return_dtype=pl.Int64).alias("sid"))
        if res.storage_kind == "daily":
            keyed = keyed.with_columns(pl.col("timestamp").dt.date().alias("date"))
        schema = storage_schema(res.storage_kind)
        return keyed.select(schema.names()).sort("sid", schema.names()[0])

    async def ingest(
        self,
        symbols: Sequence[str],
        start_date: TimeLike,
        end_date: TimeLike,
        resolution: Resolution | str,
        catalog: Catalog,
        parquet_writer: BarWriter,
        *,
        mode: ConversionMode | str = ConversionMode.STRICT,
        bundle: str | None = None,
        progress: ProgressCallback | None = None,
        asset_type: AssetType | str | None = None,
        incremental: bool = True,
        now: datetime | None = None,
        expected_times: ExpectedTimes | None = None,
        corporate_actions: pl.DataFrame | None = None,
    ) -> IngestSummary:
        """fetch → validate → standardize → write → checksum → register, as one workflow.

        Strict ``mode`` rejects the batch on any bad value or row; lenient writes the valid
        rows and lists every rejected one in the summary. A failed ingest registers nothing.
        A range extending a dataset of the same source, resolution, bundle and symbols fetches
        only the missing bars and extends that dataset. ``expected_times`` (a calendar's bar
        times) makes gaps count against it; ``corporate_actions`` are the splits the split
        flags check the prices against (with those the catalog holds).
        """
        service = IngestService(
            self,
            parquet_writer,
            catalog,
            mode=mode,
            validation=self.validation,
            asset_type=asset_type or self.default_asset_type,
            bundle=bundle,
            progress=progress,
            symbols_per_fetch=self.symbols_per_fetch,
            incremental=incremental,
            clock=(lambda: now) if now is not None else _utc_now,
            expected_times=expected_times,
            corporate_actions=corporate_actions,
        )
        resolution = self.check_resolution(resolution)
        return await service.ingest(symbols, DateRange.of(start_date, end_date), resolution)

    def ingest_sync(
        self,
        symbols: Sequence[str],
        start_date: TimeLike,
        end_date: TimeLike,
        resolution: Resolution | str,
        catalog: Catalog,
        parquet_writer: BarWriter,
        **options: Any,
    ) -> IngestSummary:
        """``ingest`` run to completion in a fresh event loop (for synchronous callers such as
        a command line); ``options`` are ``ingest``'s keywords. Closes the adapter afterwards."""

        async def run() -> IngestSummary:
            try:
                return await self.ingest(symbols, start_date, end_date, resolution, catalog, parquet_writer, **options)
            finally:
                await self.close()

        return asyncio.run(run())

    async def close(self) -> None:
        """Release connections (network sources); a no-op for files."""

    async def __aenter__(self) -> BaseDataAdapter:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


__all__ = ["BaseDataAdapter"]
