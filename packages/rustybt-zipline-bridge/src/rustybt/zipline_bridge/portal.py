"""``PolarsDataPortal``: zipline's DataPortal fed by the Parquet store through the bridge readers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

import pandas as pd
from zipline.data.data_portal import DataPortal

from rustybt.domain.ports.cache import Cache
from rustybt.domain.ports.catalog import Catalog
from rustybt.zipline_bridge.bundle import BundleData


class PolarsDataPortal(DataPortal):
    """A zipline ``DataPortal`` whose bars come from ``BarReader`` ports (Parquet, or any other).

    Prices reach zipline as float64 arrays converted once from the stored decimals; the
    catalog (when given) records which datasets a backtest read.
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

    def link_backtest(self, backtest_id: str, cache_key: str = "") -> list[str]:
        """Record in the catalog that ``backtest_id`` read this portal's datasets; returns their ids."""
        if self.catalog is None:
            return []
        now = datetime.now(timezone.utc)
        for dataset_id in self.dataset_ids:
            self.catalog.link_backtest_to_dataset(backtest_id, dataset_id, now, cache_key)
        return list(self.dataset_ids)
