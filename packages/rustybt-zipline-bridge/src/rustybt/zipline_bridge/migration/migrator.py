"""``HDF5ToParquetMigrator``: a zipline bundle (bcolz, HDF5, HDFStore) into the Parquet store."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path
from typing import Any

import polars as pl
from zipline.utils.calendar_utils import get_calendar

from rustybt.domain.errors import InvalidRequestError
from rustybt.domain.ingest_intent import PENDING, withdraw_after
from rustybt.domain.ports.bar_writer import BarWriter
from rustybt.domain.ports.catalog import Catalog
from rustybt.zipline_bridge.adjustments import (
    ADJUSTMENTS_DB_NAME,
    CorporateActions,
    read_corporate_actions,
    write_adjustments_db,
)
from rustybt.zipline_bridge.asset_db import ASSET_DB_NAME, equities_from_catalog, read_equities, write_asset_db
from rustybt.zipline_bridge.bundle_meta import ZIPLINE_DIR, BundleMeta
from rustybt.zipline_bridge.daily_reader import ZiplineDailyBarReader
from rustybt.zipline_bridge.errors import BundleFormatError, MigrationValidationError
from rustybt.zipline_bridge.migration.convert import ZeroValueReport, split_unpriced, to_storage_frame
from rustybt.zipline_bridge.migration.progress import MigrationProgress, print_summary
from rustybt.zipline_bridge.migration.readers import read_bar_files
from rustybt.zipline_bridge.migration.registration import SidAssigner, begin_bars, finish_bars
from rustybt.zipline_bridge.migration.scan import scan_bundle
from rustybt.zipline_bridge.migration.validate import ValidationResult, source_digest, spot_check, stored_digest
from rustybt.zipline_bridge.plugins import BAR_WRITERS, CATALOGS, load_plugin, rustybt_home

_MB = 1024 * 1024

log = logging.getLogger(__name__)


class HDF5ToParquetMigrator:
    """Migrates one zipline bundle folder into a Parquet bundle folder and the catalog.

    Reads bcolz daily and minute tables, zipline HDF5 daily files and pandas HDFStore files,
    plus the asset and adjustment databases. Prices become exact decimals (stored integer
    divided by its scale). Bars go through ``writer`` (default: the ``parquet`` entry point of
    ``rustybt.bar_writers`` rooted at ``output_bundle_dir``) and are registered in ``catalog``
    (default: the ``sqlite`` entry point of ``rustybt.catalogs`` at ``$RUSTYBT_HOME/metadata.db``).
    The source is never modified, and removed only when asked and after validation passed.
    """

    def __init__(
        self,
        source_bundle_dir: str | Path,
        output_bundle_dir: str | Path,
        *,
        writer: BarWriter | None = None,
        catalog: Catalog | None = None,
        bundle_name: str | None = None,
        exchange: str = "ZIPLINE",
        progress: bool = True,
    ) -> None:
        self.source_bundle_dir = Path(source_bundle_dir)
        self.output_bundle_dir = Path(output_bundle_dir)
        self.bundle_name = bundle_name or self.output_bundle_dir.name
        self._writer = writer
        self._catalog = catalog
        self._exchange = exchange
        self._progress = progress

    @property
    def writer(self) -> BarWriter:
        if self._writer is None:
            self._writer = load_plugin(BAR_WRITERS, "parquet")(self.output_bundle_dir)
        return self._writer

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = load_plugin(CATALOGS, "sqlite")(rustybt_home() / "metadata.db")
        return self._catalog

    def migrate(
        self,
        validate: bool = True,
        keep_hdf5: bool = True,
        compression: str = "zstd",
        compression_level: int = 3,
    ) -> dict[str, Any]:
        """Migrate and return ``row_count``, ``hdf5_size_mb``, ``parquet_size_mb``,
        ``compression_ratio`` (Parquet size / source size) and the details of every step.

        Raises ``MigrationValidationError`` (with ``.result``) when validation fails.
        """
        if (compression, compression_level) != ("zstd", 3):
            raise InvalidRequestError(
                f"the Parquet store writes zstd level 3; compression={compression!r} level={compression_level} is not available"
            )
        if not keep_hdf5 and not validate:
            raise InvalidRequestError(
                "keep_hdf5=False needs validate=True: the source is removed only after a passed validation"
            )
        started = time.monotonic()
        files = scan_bundle(self.source_bundle_dir)
        equities = read_equities(files.asset_db) if files.asset_db else None
        assigner = SidAssigner(self.catalog, equities, self._exchange)
        report = ZeroValueReport()
        meta = BundleMeta()
        outcomes: list[dict[str, Any]] = []
        spans: dict[int, tuple[Any, Any]] = {}
        checks: list[ValidationResult] = []
        with MigrationProgress(len(files.bar_files) * (2 if validate else 1) + 2, enabled=self._progress) as bar:
            for bars in read_bar_files(files):
                bar.step(f"writing {Path(bars.path).name}")
                bars.frame = assigner.renumber(bars.frame, bars.sid_symbols)
                bars.sid_symbols = assigner.symbols()
                kept = split_unpriced(bars, report)
                stored = to_storage_frame(bars, kept, report)
                with self.writer.exclusive():  # the files and the catalog change together
                    intent = begin_bars(self.catalog, bars, stored, str(self.output_bundle_dir), self.bundle_name, assigner)
                    try:
                        result = self.writer.write(stored, "1d" if bars.kind == "daily" else "1m")
                    except Exception as failure:
                        withdraw_after(self.catalog, intent, failure)
                        raise
                    dataset_id = finish_bars(self.catalog, intent, bars, stored, result, assigner)
                meta.dataset_ids.append(dataset_id)
                _note_span(meta, bars, stored, spans)
                outcome = {
                    "file": bars.path,
                    "format": bars.format,
                    "kind": bars.kind,
                    "dataset_id": dataset_id,
                    "source_rows": bars.frame.height,
                    "rows": stored.height,
                    "rows_left_out": bars.frame.height - stored.height,
                    "padding_rows": bars.empty_rows,
                    "parquet_bytes": result.size_bytes,
                    "notes": bars.notes,
                }
                if validate:
                    bar.step(f"validating {Path(bars.path).name}")
                    check = self._validate(bars, kept)
                    checks.append(check)
                    outcome["validation"] = check.as_dict()
                    if not check.passed:
                        self.catalog.update_dataset(dataset_id, status=PENDING)
                outcomes.append(outcome)
            bar.step("assets and adjustments")
            _note_minute_metadata(meta, files.minute_metadata)
            meta.sid_map = {str(k): v for k, v in assigner.sid_map.items()}
            asset_db, adjustments = self._write_zipline_dbs(files, equities, assigner, meta, spans)
            meta.save(self.output_bundle_dir)
            bar.step("done")
        source_bytes = files.source_size_bytes()
        parquet_bytes = sum(o["parquet_bytes"] for o in outcomes)
        result_dict: dict[str, Any] = {
            "bundle": self.bundle_name,
            "source_dir": str(files.root),
            "output_dir": str(self.output_bundle_dir),
            "row_count": sum(o["rows"] for o in outcomes),
            "source_row_count": sum(o["source_rows"] for o in outcomes),
            "hdf5_size_mb": source_bytes / _MB,
            "parquet_size_mb": parquet_bytes / _MB,
            "compression_ratio": parquet_bytes / source_bytes if source_bytes else 0.0,
            "compression": compression,
            "compression_level": compression_level,
            "files": outcomes,
            "dataset_ids": list(meta.dataset_ids),
            "sid_map": dict(assigner.sid_map),
            "zero_values": report.as_dict(),
            "asset_db": str(asset_db),
            "adjustments_db": str(adjustments) if adjustments else None,
            "validated": validate,
            "validation_passed": all(c.passed for c in checks) if validate else None,
            "source_kept": True,
            "duration_seconds": time.monotonic() - started,
            "warnings": _warnings(files, assigner),
        }
        for warning in result_dict["warnings"]:
            log.warning("%s", warning)
        if self._progress:
            print_summary(result_dict)
        if validate and not result_dict["validation_passed"]:
            failed = [o["file"] for o in outcomes if not o["validation"]["passed"]]
            error = MigrationValidationError(
                f"migrated bars do not match the source in {', '.join(failed)}; the source is kept and the "
                "migrated dataset stays pending (`rustybt catalog verify` names it) until a migration validates"
            )
            error.result = result_dict  # type: ignore[attr-defined]
            raise error
        if not keep_hdf5:
            for path in files.bar_files:
                shutil.rmtree(path) if path.is_dir() else path.unlink()
            result_dict["source_kept"] = False
        return result_dict

    def _validate(self, bars: Any, kept: pl.DataFrame) -> ValidationResult:
        reader = self.writer.reader("1d" if bars.kind == "daily" else "1m")
        t = bars.time_column
        sids = sorted(set(kept.get_column("sid").to_list()))
        if not sids:
            empty = source_digest(bars, kept)
            return ValidationResult(bars.frame.height, 0, 0, empty, empty, 0)
        start, end = kept.get_column(t).min(), kept.get_column(t).max()
        target, read_back = stored_digest(reader, sids, start, end)
        checked, failures = spot_check(bars, kept, reader)
        return ValidationResult(
            bars.frame.height, kept.height, read_back, source_digest(bars, kept), target, checked, failures
        )

    def _write_zipline_dbs(
        self, files: Any, equities: Any, assigner: SidAssigner, meta: BundleMeta, spans: dict[int, tuple[Any, Any]]
    ) -> tuple[Path, Path | None]:
        target = self.output_bundle_dir / ZIPLINE_DIR
        table = (
            equities.renumbered(assigner.sid_map)
            if equities is not None
            else equities_from_catalog(self.catalog, spans)
        )
        asset_db = write_asset_db(target / ASSET_DB_NAME, table)
        if not meta.daily:
            return asset_db, None
        actions = read_corporate_actions(files.adjustments_db) if files.adjustments_db else CorporateActions()
        daily = ZiplineDailyBarReader(
            self.writer.reader("1d"),
            get_calendar(meta.calendar_name),
            start_session=meta.start_session,
            end_session=meta.end_session,
        )
        adjustments = write_adjustments_db(target / ADJUSTMENTS_DB_NAME, actions.renumbered(assigner.sid_map), daily)
        return asset_db, adjustments


def _warnings(files: Any, assigner: SidAssigner) -> list[str]:
    """What a user must know about the migrated bundle: sids whose symbols were made up."""
    if not assigner.invented:
        return []
    shown = ", ".join(f"SID{s}" for s in sorted(assigner.invented)[:5]) + (" …" if len(assigner.invented) > 5 else "")
    return [
        f"{files.root} has no asset database (assets-<version>.sqlite): {len(assigner.invented)} sid(s) got made-up "
        f"symbols ({shown}), which algorithms looking assets up by their real symbols will not find; put the "
        "bundle's asset database beside its bars and migrate again"
    ]


def _note_span(meta: BundleMeta, bars: Any, stored: pl.DataFrame, spans: dict[int, tuple[Any, Any]]) -> None:
    import pandas as pd

    t = bars.time_column
    meta.calendar_name = bars.calendar_name or meta.calendar_name
    if bars.kind == "daily":
        meta.daily = True
        meta.start_session = bars.start_session or str(stored.get_column(t).min())
        meta.end_session = bars.end_session or str(stored.get_column(t).max())
        meta.first_trading_day = bars.first_trading_day or meta.start_session
    else:
        meta.minute = True
    bounds = stored.group_by("sid").agg(pl.col(t).min().alias("lo"), pl.col(t).max().alias("hi"))
    for sid, lo, hi in bounds.iter_rows():
        lo_ts, hi_ts = pd.Timestamp(lo).tz_localize(None).normalize(), pd.Timestamp(hi).tz_localize(None).normalize()
        old = spans.get(sid)
        spans[sid] = (min(old[0], lo_ts), max(old[1], hi_ts)) if old else (lo_ts, hi_ts)


def _note_minute_metadata(meta: BundleMeta, path: Path | None) -> None:
    """zipline starts a backtest's data at the minute table's first session: keep it."""
    if path is None:
        return
    import json

    try:
        raw = json.loads(path.read_text())
    except ValueError as err:
        raise BundleFormatError(f"{path} is not valid JSON ({err})", str(path)) from err
    first = raw.get("start_session") or raw.get("first_trading_day")
    if first is not None:
        meta.first_trading_day = str(first)[:10]
    meta.calendar_name = meta.calendar_name if meta.daily else raw.get("calendar_name", meta.calendar_name)
