"""Dual moving average crossover, for daily equities and minute crypto (used by the demo)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def dual_moving_average(symbols: Sequence[str], short: int, long: int, frequency: str) -> dict[str, Callable[..., Any]]:
    """Zipline hooks: hold an equal weight of each asset while its short average of ``price``
    is above its long one, nothing otherwise; records both averages per asset."""

    def initialize(context: Any) -> None:
        from zipline.api import symbol

        context.assets = [symbol(s) for s in symbols]

    def handle_data(context: Any, data: Any) -> None:
        from zipline.api import order_target_percent, record

        weight = 1.0 / len(context.assets)
        recorded: dict[str, float] = {}
        for asset in context.assets:
            if not data.can_trade(asset):
                continue
            prices = data.history(asset, "price", long, frequency)
            if prices.isna().any():
                continue
            fast, slow = float(prices[-short:].mean()), float(prices.mean())
            order_target_percent(asset, weight if fast > slow else 0.0)
            recorded[f"{asset.symbol}_short"] = fast
            recorded[f"{asset.symbol}_long"] = slow
        record(**recorded)

    return {"initialize": initialize, "handle_data": handle_data}
