"""Daily backtests on zipline's 24/7 calendar read each session's own bar."""

from __future__ import annotations

import warnings
from decimal import Decimal
from pathlib import Path

import pandas as pd
import polars as pl
import pytest
from zipline.api import order, set_commission, set_slippage, symbol
from zipline.finance import commission, slippage
from zipline.utils.calendar_utils import get_calendar

from rustybt.domain.assets import AssetType
from rustybt.domain.fakes import InMemoryBarWriter, InMemoryCatalog
from rustybt.domain.schemas import DAILY_BARS_SCHEMA
from rustybt.zipline_bridge import BundleData, run_algorithm
from rustybt.zipline_bridge.bundle_files import write_bundle_files

DAYS = pd.date_range("2018-04-01", "2018-04-20")  # includes two weekends
CLOSES = [Decimal(1000 + 7 * i + (i % 3) * 11) + Decimal("0.25") for i in range(len(DAYS))]
SHARES = 10


@pytest.fixture
def daily_crypto(tmp_path: Path) -> BundleData:
    catalog = InMemoryCatalog()
    assert catalog.assign_sid("COINBASE", "BTC-USD", AssetType.CRYPTOCURRENCY) == 0
    frame = pl.DataFrame(
        {
            "date": [d.date() for d in DAYS],
            "sid": [0] * len(DAYS),
            "open": [str(c - 1) for c in CLOSES],
            "high": [str(c + 2) for c in CLOSES],
            "low": [str(c - 3) for c in CLOSES],
            "close": [str(c) for c in CLOSES],
            "volume": ["1000000"] * len(DAYS),
        }
    ).with_columns(*[pl.col(c).cast(DAILY_BARS_SCHEMA[c]) for c in ("open", "high", "low", "close", "volume")])
    writer = InMemoryBarWriter()
    writer.write(frame, "1d")
    write_bundle_files(tmp_path / "btc", catalog, daily=writer.reader("1d"), calendar_name="24/7")
    return BundleData.open(tmp_path / "btc", daily=writer.reader("1d"), catalog=catalog, calendar=get_calendar("24/7"))


def test_data_current_and_history_read_the_session_being_simulated(daily_crypto: BundleData) -> None:
    calendar = get_calendar("24/7")
    start, end = pd.Timestamp("2018-04-02"), pd.Timestamp("2018-04-19")
    sessions = calendar.sessions_in_range(start, end)
    seen: list[tuple[pd.Timestamp, float, float, list[float]]] = []

    def initialize(context) -> None:
        context.btc = symbol("BTC-USD")
        context.bought = False
        set_slippage(slippage.FixedSlippage(spread=0.0))
        set_commission(commission.PerShare(cost=0.0, min_trade_cost=0.0))

    def handle_data(context, data) -> None:
        history = data.history(context.btc, "close", 2, "1d").tolist()
        seen.append((data.current_dt, data.current(context.btc, "close"), data.current(context.btc, "open"), history))
        if not context.bought:
            order(context.btc, SHARES)
            context.bought = True

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        perf = run_algorithm(
            start=start,
            end=end,
            initialize=initialize,
            handle_data=handle_data,
            capital_base=1e5,
            trading_calendar=calendar,
            bundle_data=daily_crypto,
            benchmark_returns=pd.Series(0.0, index=sessions.tz_localize("UTC")),
            default_extension=False,
        )
    stored = {pd.Timestamp(d): c for d, c in zip(DAYS, CLOSES, strict=True)}
    assert len(seen) == len(sessions)
    for session, (current_dt, close, open_, history) in zip(sessions, seen, strict=True):
        assert calendar.minute_to_session(current_dt) == session
        assert close == float(stored[session]), session
        assert open_ == float(stored[session] - 1), session
        assert history == [float(stored[session - pd.Timedelta(days=1)]), float(stored[session])], session
    # ordered during the first session, filled at the next session's close; held to the end
    fill_price = stored[sessions[1]]
    expected = Decimal("1e5") - SHARES * fill_price + SHARES * stored[sessions[-1]]
    assert perf["portfolio_value"].iloc[-1] == pytest.approx(float(expected), abs=1e-9)
    fills = [t for day in perf["transactions"] for t in day]
    assert [(t["amount"], t["price"]) for t in fills] == [(SHARES, float(fill_price))]
