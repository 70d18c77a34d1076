"""``run_algorithm``: zipline's ``run_algorithm`` on a Parquet bundle (one import to change)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd
import zipline
from zipline.algorithm import TradingAlgorithm
from zipline.extensions import load as load_extension
from zipline.finance import metrics
from zipline.finance.blotter import Blotter
from zipline.finance.trading import SimulationParameters
from zipline.pipeline.data import EquityPricing
from zipline.pipeline.loaders import USEquityPricingLoader
from zipline.utils.calendar_utils import get_calendar
from zipline.utils.run_algo import BenchmarkSpec, load_extensions

from rustybt.domain.errors import InvalidDateRangeError, InvalidRequestError
from rustybt.zipline_bridge.bundle import BundleData, load_bundle
from rustybt.zipline_bridge.portal import PolarsDataPortal

USE_POLARS_VARIABLE = "RUSTYBT_USE_POLARS"


def use_polars(environ: Mapping[str, str] | None = None) -> bool:
    """False only when ``RUSTYBT_USE_POLARS=0`` (in ``environ`` or the process environment)."""
    env = os.environ if environ is None else environ
    return env.get(USE_POLARS_VARIABLE, os.environ.get(USE_POLARS_VARIABLE, "1")).strip() != "0"


def run_algorithm(
    start: pd.Timestamp,
    end: pd.Timestamp,
    initialize: Callable[..., Any],
    capital_base: float,
    handle_data: Callable[..., Any] | None = None,
    before_trading_start: Callable[..., Any] | None = None,
    analyze: Callable[..., Any] | None = None,
    data_frequency: str = "daily",
    bundle: str = "quantopian-quandl",
    bundle_timestamp: pd.Timestamp | None = None,
    trading_calendar: Any = None,
    metrics_set: Any = "default",
    benchmark_returns: pd.Series | None = None,
    default_extension: bool = True,
    extensions: Iterable[str] = (),
    strict_extensions: bool = True,
    environ: Mapping[str, str] = os.environ,
    custom_loader: Mapping[Any, Any] | None = None,
    blotter: Any = "default",
    *,
    bundle_data: BundleData | None = None,
    backtest_id: str | None = None,
) -> pd.DataFrame:
    """Run a backtest exactly as ``zipline.run_algorithm`` does, reading bars from a Parquet bundle.

    ``bundle`` names a bundle resolved by the installed bundle loader; ``bundle_data`` passes
    one directly. With ``RUSTYBT_USE_POLARS=0`` the call goes to zipline itself (its own
    portal and bcolz bundle). The performance frame's ``attrs["backtest_id"]`` names the run;
    its datasets are linked to it in the catalog.
    """
    arguments = dict(
        start=start,
        end=end,
        initialize=initialize,
        capital_base=capital_base,
        handle_data=handle_data,
        before_trading_start=before_trading_start,
        analyze=analyze,
        data_frequency=data_frequency,
        bundle=bundle,
        bundle_timestamp=bundle_timestamp,
        trading_calendar=trading_calendar,
        metrics_set=metrics_set,
        benchmark_returns=benchmark_returns,
        default_extension=default_extension,
        extensions=extensions,
        strict_extensions=strict_extensions,
        environ=environ,
        custom_loader=custom_loader,
        blotter=blotter,
    )
    if not use_polars(environ):
        return zipline.run_algorithm(**arguments)
    load_extensions(default_extension, extensions, strict_extensions, environ)
    data = bundle_data if bundle_data is not None else load_bundle(bundle, environ)
    calendar = trading_calendar if trading_calendar is not None else get_calendar("XNYS")
    if calendar.sessions_distance(start, end) < 1:
        raise InvalidDateRangeError(f"there are no trading days between {start.date()} and {end.date()}")
    daily = data.equity_daily_bar_reader
    if data_frequency == "daily":
        if daily is None:
            raise InvalidRequestError("the bundle has no daily bars: a daily backtest needs them")
        daily.expect_sessions(start, end)  # the first read covers the backtest's sessions
    benchmark_sid, benchmark = BenchmarkSpec.from_returns(benchmark_returns).resolve(
        asset_finder=data.asset_finder, start_date=start, end_date=end
    )
    portal = PolarsDataPortal.from_bundle(data, calendar)
    pricing = USEquityPricingLoader.without_fx(daily, data.adjustment_reader) if daily is not None else None

    def choose_loader(column: Any) -> Any:
        if column.unspecialize() in EquityPricing.columns:
            if pricing is None:
                raise InvalidRequestError("pipeline pricing needs daily bars; this bundle has minute bars only")
            return pricing
        try:
            return (custom_loader or {})[column]
        except KeyError:
            raise ValueError(f"No PipelineLoader registered for column {column}.") from None

    algorithm = TradingAlgorithm(
        namespace={},
        data_portal=portal,
        get_pipeline_loader=choose_loader,
        trading_calendar=calendar,
        sim_params=SimulationParameters(
            start_session=start,
            end_session=end,
            trading_calendar=calendar,
            capital_base=capital_base,
            data_frequency=data_frequency,
        ),
        metrics_set=metrics.load(metrics_set) if isinstance(metrics_set, str) else metrics_set,
        blotter=load_extension(Blotter, blotter) if isinstance(blotter, str) else blotter,
        benchmark_returns=benchmark,
        benchmark_sid=benchmark_sid,
        initialize=initialize,
        handle_data=handle_data,
        before_trading_start=before_trading_start,
        analyze=analyze,
    )
    perf = algorithm.run()
    run_id = backtest_id or str(uuid.uuid4())
    portal.link_backtest(run_id)
    perf.attrs["backtest_id"] = run_id
    return perf
