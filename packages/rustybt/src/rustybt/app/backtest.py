"""Run a zipline algorithm on a bundle of the store, and summarize the result."""

from __future__ import annotations

import runpy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rustybt.app.bundles import open_bundle
from rustybt.app.container import App
from rustybt.domain.errors import InvalidRequestError
from rustybt.domain.instants import TimeLike, to_utc

HOOKS = ("initialize", "handle_data", "before_trading_start", "analyze")


@dataclass
class BacktestResult:
    """The performance frame zipline returns, with the numbers a person looks at first."""

    perf: Any  # pandas.DataFrame
    backtest_id: str | None

    def summary(self) -> dict[str, object]:
        perf = self.perf
        last = perf.iloc[-1]
        return {
            "backtest_id": self.backtest_id,
            "first session": str(perf["period_open"].iloc[0].date()),
            "last session": str(perf["period_open"].iloc[-1].date()),
            "periods": len(perf),
            "starting value": float(perf["starting_value"].iloc[0] + perf["starting_cash"].iloc[0]),
            "final value": round(float(last["portfolio_value"]), 2),
            "total return": f"{float(last['algorithm_period_return']):+.2%}",
            "sharpe": _rounded(last.get("sharpe")),
            "max drawdown": f"{float(last['max_drawdown']):.2%}",
            "transactions": int(sum(len(t) for t in perf["transactions"])),
        }


def load_algorithm(path: Path) -> dict[str, Callable[..., Any]]:
    """The zipline hooks defined by an algorithm file (``initialize`` is required)."""
    if not path.is_file():
        raise InvalidRequestError(f"algorithm file {path} does not exist")
    namespace = runpy.run_path(str(path), run_name="__rustybt_algorithm__")
    hooks = {name: namespace[name] for name in HOOKS if callable(namespace.get(name))}
    if "initialize" not in hooks:
        raise InvalidRequestError(f"{path} defines no initialize(context) function")
    return hooks


def run_backtest(
    app: App,
    hooks: Mapping[str, Callable[..., Any]],
    bundle: str,
    start: TimeLike,
    end: TimeLike,
    capital_base: float,
    data_frequency: str = "daily",
) -> BacktestResult:
    """Run ``hooks`` on ``bundle`` between ``start`` and ``end`` through the zipline bridge,
    on the bundle's own calendar (24/7 for crypto, NYSE for equities)."""
    import pandas as pd

    from rustybt.zipline_bridge import run_algorithm

    if data_frequency not in ("daily", "minute"):
        raise InvalidRequestError(f"data frequency must be 'daily' or 'minute', not {data_frequency!r}")
    data = open_bundle(app, bundle)
    first = pd.Timestamp(to_utc(start, name="start").date())
    last = pd.Timestamp(to_utc(end, name="end").date())
    perf = run_algorithm(
        start=first,
        end=last,
        capital_base=capital_base,
        data_frequency=data_frequency,
        bundle=bundle,
        trading_calendar=data.calendar,
        bundle_data=data,
        **hooks,  # type: ignore[arg-type]
    )
    return BacktestResult(perf, perf.attrs.get("backtest_id"))


def _rounded(value: object) -> float | None:
    """A metric zipline may report as None (nothing traded) or NaN, rounded for a summary."""
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if number != number else round(number, 3)
