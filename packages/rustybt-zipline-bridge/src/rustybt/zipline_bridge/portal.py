"""``PolarsDataPortal``: zipline's DataPortal fed by the Parquet store through the bridge readers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

import pandas as pd
from typing_extensions import override
from zipline.assets import AssetConvertible, Equity, PricingDataAssociable
from zipline.data.data_portal import DataPortal

from rustybt.domain.ports.cache import Cache
from rustybt.domain.ports.catalog import Catalog
from rustybt.zipline_bridge.adjustment_index import IndexedSQLiteAdjustmentReader
from rustybt.zipline_bridge.bundle import BundleData
from rustybt.zipline_bridge.calendars import midnight_is_previous_session
from rustybt.zipline_bridge.daily_reader import ZiplineDailyBarReader
from rustybt.zipline_bridge.links import datasets_read
from rustybt.zipline_bridge.minute_reader import ZiplineMinuteBarReader
from rustybt.zipline_bridge.price_history import price_window

SPOT_FIELDS = frozenset(("price", "open", "high", "low", "close", "volume"))


class PolarsDataPortal(DataPortal):
    """A zipline ``DataPortal`` whose bars come from ``BarReader`` ports (Parquet, or any other).

    Prices reach zipline as float64 arrays converted once from the stored decimals; the
    catalog (when given) records which datasets a backtest read. The questions zipline asks
    on every bar take short paths with the same answers: an equity's daily spot value comes
    straight from the daily reader when it holds a bar for that session (anything else goes
    through zipline's own logic), the session of a time is remembered for the times asked
    lately, and splits come from the adjustment reader's in-memory index.
    """

    def __init__(
        self,
        asset_finder: object,
        trading_calendar: object,
        first_trading_day: pd.Timestamp | None,
        *,
        equity_daily_reader: object = None,
        equity_minute_reader: object = None,
        adjustment_reader: object = None,
        catalog: Catalog | None = None,
        cache: Cache | None = None,
        dataset_ids: Sequence[str] = (),
        **kwargs: object,
    ) -> None:
        super().__init__(
            asset_finder,
            trading_calendar=trading_calendar,
            first_trading_day=first_trading_day,
            equity_daily_reader=equity_daily_reader,
            equity_minute_reader=equity_minute_reader,
            future_daily_reader=equity_daily_reader,
            future_minute_reader=equity_minute_reader,
            adjustment_reader=adjustment_reader,
            **kwargs,
        )
        self.catalog = catalog
        self.cache = cache
        self.dataset_ids = tuple(dataset_ids)
        self._labels_are_minutes = midnight_is_previous_session(self.trading_calendar)
        self._daily_bars = equity_daily_reader if isinstance(equity_daily_reader, ZiplineDailyBarReader) else None
        self._minute_bars = equity_minute_reader if isinstance(equity_minute_reader, ZiplineMinuteBarReader) else None
        for log in self._read_logs().values():
            log.clear()  # what this backtest reads, not what earlier ones did
        daily = self._pricing_readers["daily"]
        self._spot_reader = self._daily_bars if getattr(daily, "_readers", {}).get(Equity) is self._daily_bars else None
        self._sessions_of: dict[tuple[int, object], pd.Timestamp] = {}
        self._starts: dict[tuple[int, object], pd.Timestamp] = {}

    def _session_minute(self, dt: pd.Timestamp) -> pd.Timestamp:
        """``dt`` as a minute of the session it names.

        In daily mode zipline hands the portal a session label (tz-naive midnight). On a
        calendar whose sessions close at midnight (``24/7``) that instant is also the close
        of the previous session, so the label is turned into its session's last minute
        before zipline maps it back to a session.
        """
        if self._labels_are_minutes and dt.tzinfo is None and dt == dt.normalize():
            return self.trading_calendar.session_last_minute(dt)
        return dt

    def _session_of(self, dt: pd.Timestamp) -> pd.Timestamp:
        """``trading_calendar.minute_to_session(dt)``, remembered for the times asked lately
        (zipline asks again for every asset and field of a bar)."""
        value = getattr(dt, "value", None)
        if value is None:
            return self.trading_calendar.minute_to_session(dt)
        key = (value, dt.tzinfo)
        session = self._sessions_of.get(key)
        if session is None:
            if len(self._sessions_of) >= 1024:
                self._sessions_of.clear()
            session = self._sessions_of[key] = self.trading_calendar.minute_to_session(dt)
        return session

    @override
    def get_spot_value(self, assets: Any, field: str, dt: pd.Timestamp, data_frequency: str) -> Any:
        dt = self._session_minute(dt)
        if isinstance(assets, (AssetConvertible, PricingDataAssociable)):
            return self._get_single_asset_value(self._session_of(dt), assets, field, dt, data_frequency)
        try:
            iter(assets)
        except TypeError as exc:
            raise TypeError(f"Unexpected 'assets' value of type {type(assets)}.") from exc
        session = self._session_of(dt)
        return [self._get_single_asset_value(session, asset, field, dt, data_frequency) for asset in assets]

    @override
    def get_scalar_asset_spot_value(self, asset: Any, field: str, dt: pd.Timestamp, data_frequency: str) -> Any:
        dt = self._session_minute(dt)
        return self._get_single_asset_value(self._session_of(dt), asset, field, dt, data_frequency)

    @override
    def _get_single_asset_value(
        self, session_label: pd.Timestamp, asset: Any, field: str, dt: pd.Timestamp, data_frequency: str
    ) -> Any:
        reader = self._spot_reader
        if reader is not None and data_frequency == "daily" and type(asset) is Equity and field in SPOT_FIELDS:
            key = (asset.sid, dt.tzinfo)
            start = self._starts.get(key)
            if start is None:
                start = self._starts[key] = asset.start_date.tz_localize(dt.tzinfo)
            if not (dt < start or session_label > asset.end_date):
                value = reader.stored_value(asset.sid, session_label, "close" if field == "price" else field)
                if value is not None:
                    return value
        return super()._get_single_asset_value(session_label, asset, field, dt, data_frequency)

    @override
    def get_splits(self, assets: Any, dt: pd.Timestamp) -> list[tuple[Any, float]]:
        reader = self._adjustment_reader
        if not isinstance(reader, IndexedSQLiteAdjustmentReader) or not assets:
            return super().get_splits(assets, dt)  # type: ignore[no-any-return]
        found = reader.splits_on({int(a) for a in assets}, int(dt.value / 1e9))
        return [(self.asset_finder.retrieve_asset(sid), ratio) for sid, ratio in found]

    @override
    def get_history_window(
        self, assets: Any, end_dt: pd.Timestamp, bar_count: int, frequency: str, field: str, data_frequency: str, ffill: bool = True
    ) -> pd.DataFrame:
        """zipline's history window; a daily price window of daily bars is forward-filled in
        numpy (``price_history``), the rest is zipline's own."""
        if field != "price" or frequency != "1d" or data_frequency != "daily" or bar_count < 1 or not len(assets):
            return super().get_history_window(assets, end_dt, bar_count, frequency, field, data_frequency, ffill)
        session = self._session_of(self._session_minute(end_dt))
        days = self._get_days_for_window(session, bar_count)
        values = self._get_daily_window_data(assets, "close", days, extra_slot=False)
        return price_window(self, assets, days, values)

    @override
    def _get_history_daily_window(
        self, assets: Any, end_dt: pd.Timestamp, bar_count: int, field_to_use: str, data_frequency: str
    ) -> pd.DataFrame:
        return super()._get_history_daily_window(
            assets, self._session_minute(end_dt), bar_count, field_to_use, data_frequency
        )

    @classmethod
    def from_bundle(cls, bundle: BundleData, trading_calendar: object | None = None) -> PolarsDataPortal:
        """A portal over every reader of ``bundle``."""
        return cls(
            bundle.asset_finder,
            trading_calendar or bundle.calendar,
            bundle.resolved_first_trading_day(),
            equity_daily_reader=bundle.equity_daily_bar_reader,
            equity_minute_reader=bundle.equity_minute_bar_reader,
            adjustment_reader=bundle.adjustment_reader,
            catalog=bundle.catalog,
            cache=bundle.cache,
            dataset_ids=bundle.dataset_ids,
        )

    def _read_logs(self) -> dict[str, set[int]]:
        logs: dict[str, set[int]] = {}
        for reader, resolution in ((self._daily_bars, "1d"), (self._minute_bars, "1m")):
            if reader is not None:
                logs[resolution] = reader.sids_read
        return logs

    def link_backtest(self, backtest_id: str, cache_key: str = "") -> list[str]:
        """Record in the catalog that ``backtest_id`` read those of this portal's datasets it
        asked bars of (by resolution and asset); returns their ids."""
        if self.catalog is None:
            return []
        read = datasets_read(self.catalog, self.dataset_ids, self._read_logs())
        now = datetime.now(timezone.utc)
        for dataset_id in read:
            self.catalog.link_backtest_to_dataset(backtest_id, dataset_id, now, cache_key)
        return read
