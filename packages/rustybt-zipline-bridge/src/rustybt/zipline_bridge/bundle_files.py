"""Write the zipline side of a Parquet bundle (asset DB, adjustments, bundle.json) from the store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import polars as pl
from zipline.utils.calendar_utils import get_calendar

from rustybt.domain.ports.bar_reader import BarReader
from rustybt.domain.ports.catalog import Catalog
from rustybt.zipline_bridge.adjustments import ADJUSTMENTS_DB_NAME, CorporateActions, write_adjustments_db
from rustybt.zipline_bridge.asset_db import ASSET_DB_NAME, equities_from_catalog, write_asset_db
from rustybt.zipline_bridge.bundle_meta import ZIPLINE_DIR, BundleMeta
from rustybt.zipline_bridge.daily_reader import ZiplineDailyBarReader


def sid_spans(reader: BarReader) -> dict[int, tuple[pd.Timestamp, pd.Timestamp]]:
    """First and last session (UTC date) with a bar, per sid of ``reader``."""
    first, last, sids = reader.first_available_dt(), reader.last_available_dt(), reader.sids()
    if first is None or last is None or not sids:
        return {}
    t = reader.time_column
    bounds = (
        reader.load_raw_arrays(sids, ["close"], first, last)
        .group_by("sid")
        .agg(pl.col(t).min().alias("lo"), pl.col(t).max().alias("hi"))
        .collect()
    )
    return {
        int(sid): (pd.Timestamp(lo).tz_localize(None).normalize(), pd.Timestamp(hi).tz_localize(None).normalize())
        for sid, lo, hi in bounds.iter_rows()
    }


def write_bundle_files(
    bundle_dir: str | Path,
    catalog: Catalog,
    *,
    daily: BarReader | None = None,
    minute: BarReader | None = None,
    calendar_name: str = "XNYS",
    dataset_ids: Sequence[str] = (),
    actions: CorporateActions | None = None,
    country_codes: Mapping[str, str] | None = None,
) -> BundleMeta:
    """Prepare ``bundle_dir`` for zipline backtests over bars already in the store (after an ingest).

    Assets come from the catalog, each spanning its first to last bar; splits and dividends
    from ``actions`` (dividend ratios use the stored closes).
    """
    root = Path(bundle_dir)
    spans: dict[int, tuple[pd.Timestamp, pd.Timestamp]] = {}
    for reader in (daily, minute):
        for sid, (lo, hi) in (sid_spans(reader) if reader is not None else {}).items():
            old = spans.get(sid)
            spans[sid] = (min(old[0], lo), max(old[1], hi)) if old else (lo, hi)
    write_asset_db(
        root / ZIPLINE_DIR / ASSET_DB_NAME, equities_from_catalog(catalog, spans, country_codes=country_codes)
    )
    meta = BundleMeta(
        calendar_name=calendar_name, daily=daily is not None, minute=minute is not None, dataset_ids=list(dataset_ids)
    )
    if spans:
        meta.start_session = str(min(lo for lo, _ in spans.values()).date())
        meta.end_session = str(max(hi for _, hi in spans.values()).date())
        meta.first_trading_day = meta.start_session
    if daily is not None:
        reader = ZiplineDailyBarReader(
            daily, get_calendar(calendar_name), start_session=meta.start_session, end_session=meta.end_session
        )
        write_adjustments_db(root / ZIPLINE_DIR / ADJUSTMENTS_DB_NAME, actions or CorporateActions(), reader)
    meta.save(root)
    return meta
