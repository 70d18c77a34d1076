"""What a backtest needs from a bundle, and how a bundle name is resolved to it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from zipline.assets import AssetFinder
from zipline.data.adjustments import SQLiteAdjustmentReader
from zipline.utils.calendar_utils import TradingCalendar, get_calendar

from rustybt.domain.errors import NotInstalledError
from rustybt.domain.ports.bar_reader import BarReader
from rustybt.domain.ports.cache import Cache
from rustybt.domain.ports.catalog import Catalog
from rustybt.zipline_bridge.adjustments import ADJUSTMENTS_DB_NAME, open_adjustments
from rustybt.zipline_bridge.asset_db import ASSET_DB_NAME, SchemaBoundAssetFinder
from rustybt.zipline_bridge.block_cache import datasets_checksum
from rustybt.zipline_bridge.bundle_meta import ZIPLINE_DIR, BundleMeta
from rustybt.zipline_bridge.calendars import ensure_exchange_calendars
from rustybt.zipline_bridge.daily_reader import ZiplineDailyBarReader
from rustybt.zipline_bridge.errors import BundleFormatError, BundleLoaderNotFoundError
from rustybt.zipline_bridge.minute_reader import ZiplineMinuteBarReader
from rustybt.zipline_bridge.plugins import BUNDLE_LOADERS, load_plugin


@dataclass
class BundleData:
    """Readers, asset finder, adjustments, catalog and cache of one Parquet bundle."""

    asset_finder: AssetFinder
    calendar: TradingCalendar
    equity_daily_bar_reader: ZiplineDailyBarReader | None = None
    equity_minute_bar_reader: ZiplineMinuteBarReader | None = None
    adjustment_reader: SQLiteAdjustmentReader | None = None
    catalog: Catalog | None = None
    cache: Cache | None = None
    dataset_ids: tuple[str, ...] = ()
    first_trading_day: pd.Timestamp | None = None
    asset_db_path: Path | None = None
    extras: dict[str, object] = field(default_factory=dict)

    @classmethod
    def open(
        cls,
        bundle_dir: str | Path,
        *,
        daily: BarReader | None = None,
        minute: BarReader | None = None,
        catalog: Catalog | None = None,
        cache: Cache | None = None,
        calendar: TradingCalendar | None = None,
    ) -> BundleData:
        """Assemble a bundle folder prepared by the migration (or ingest) with its bar readers."""
        root = Path(bundle_dir)
        meta = BundleMeta.load(root)
        calendar = calendar or get_calendar(meta.calendar_name)
        asset_db = root / ZIPLINE_DIR / ASSET_DB_NAME
        if not asset_db.is_file():
            raise BundleFormatError(f"asset database {asset_db} is missing", str(asset_db))
        finder = SchemaBoundAssetFinder(asset_db)
        daily_reader = None
        if daily is not None:
            daily_reader = ZiplineDailyBarReader(
                daily,
                calendar,
                start_session=meta.start_session,
                end_session=meta.end_session,
                first_trading_day=meta.first_trading_day,
                listed_sids=finder.sids,
            )
        minute_reader = ZiplineMinuteBarReader(minute, calendar) if minute is not None else None
        if cache is not None:
            for reader, resolution in ((daily_reader, "1d"), (minute_reader, "1m")):
                if reader is not None:
                    checksum = datasets_checksum(catalog, meta.dataset_ids, resolution) if catalog else None
                    reader.read_through(cache, source=f"parquet-bundle:{root.resolve()}", checksum=checksum)
        adjustments_path = root / ZIPLINE_DIR / ADJUSTMENTS_DB_NAME
        first = meta.first_trading_day or (meta.start_session if meta.start_session else None)
        ensure_exchange_calendars((e.canonical_name for e in finder.exchange_info.values()), calendar)
        return cls(
            asset_finder=finder,
            calendar=calendar,
            equity_daily_bar_reader=daily_reader,
            equity_minute_bar_reader=minute_reader,
            adjustment_reader=open_adjustments(adjustments_path) if adjustments_path.is_file() else None,
            catalog=catalog,
            cache=cache,
            dataset_ids=tuple(meta.dataset_ids),
            first_trading_day=pd.Timestamp(first) if first else None,
            asset_db_path=asset_db,
        )

    def resolved_first_trading_day(self) -> pd.Timestamp | None:
        """The first session backtests may look back to."""
        if self.first_trading_day is not None:
            return self.first_trading_day
        for reader in (self.equity_minute_bar_reader, self.equity_daily_bar_reader):
            if reader is not None and reader.first_trading_day is not None:
                return reader.first_trading_day
        return None


def load_bundle(name: str, environ: Mapping[str, str]) -> BundleData:
    """The bundle ``name``, through the ``default`` loader of ``rustybt.bundle_loaders``.

    The loader (installed by the application) is called as ``loader(name, environ)``; it
    raises ``BundleNotFoundError`` for an unknown name.
    """
    try:
        loader = load_plugin(BUNDLE_LOADERS, "default")
    except NotInstalledError as err:
        raise BundleLoaderNotFoundError(
            f"cannot resolve bundle {name!r}: no bundle loader is installed (entry point group {BUNDLE_LOADERS!r}, name 'default'); "
            "pass bundle_data= instead"
        ) from err
    return loader(name, environ)
