"""The quality report of a registered dataset, from what the app holds: its stored bars, the
calendar it is measured against, the splits recorded for its symbols and the issues its
ingest kept in the catalog. The one place the ``report`` command and the demo build it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from rustybt.app.report.quality import QualityReport, assess
from rustybt.app.sessions import expected_times
from rustybt.domain.dataset import DatasetInfo
from rustybt.domain.validation import ValidationConfig

if TYPE_CHECKING:
    from rustybt.app.container import App


def dataset_quality(app: App, info: DatasetInfo, bars: pl.DataFrame | None = None) -> QualityReport:
    """Assess ``info`` (its bars read through the cache unless given)."""
    frame = app.dataset_bars(info) if bars is None else bars
    settings = app.settings.section("validation")
    config = ValidationConfig(
        outlier_std_threshold=float(settings["outlier_std_threshold"]),
        volume_spike_std_threshold=float(settings["volume_spike_std_threshold"]),
        allow_negative_prices=bool(settings["allow_negative_prices"]),
        allow_zero_prices=bool(settings["allow_zero_prices"]),
    )
    return assess(
        info, frame, config=config, expected_times=expected_times(info, frame),
        issues=app.catalog.dataset_issues(info.dataset_id), splits=recorded_splits(app, info),
    )  # fmt: skip


def recorded_splits(app: App, info: DatasetInfo) -> pl.DataFrame:
    """The splits the catalog holds for the dataset's symbols (``symbol``, ``date``, ``action``, ``value``)."""
    exchange = info.exchange or info.source
    sids = {sid: s for s in info.symbols if (sid := app.catalog.lookup_sid(exchange, s)) is not None}
    stored = app.catalog.corporate_actions(list(sids)) if sids else None
    if stored is None or stored.is_empty():
        return pl.DataFrame(schema={"symbol": pl.String, "date": pl.Date, "action": pl.String, "value": pl.Float64})
    return stored.filter(pl.col("action") == "split").select(
        pl.col("sid").replace_strict(sids, return_dtype=pl.String).alias("symbol"), "date", "action", "value"
    )


def rejected_rows(quality: QualityReport) -> pl.DataFrame:
    """The rows the ingest rejected, as the page takes them (``row`` is where the source had the
    row: its ``file:line`` when it said)."""
    return quality.rejected.select(
        pl.col("location").alias("row"), "symbol", "timestamp", "rule", "detail", "location"
    )


__all__ = ["dataset_quality", "recorded_splits", "rejected_rows"]
