"""datasets_read: datasets chosen by resolution and by the assets a backtest asked for."""

from __future__ import annotations

from datetime import date

from rustybt.domain.fakes import InMemoryCatalog
from rustybt.zipline_bridge.links import datasets_read


def test_only_datasets_of_a_read_resolution_holding_a_read_asset_are_chosen() -> None:
    catalog = InMemoryCatalog()
    aaa, bbb = catalog.assign_sid("NYSE", "AAA"), catalog.assign_sid("NYSE", "BBB")
    span = (date(2020, 1, 1), date(2020, 12, 31))
    daily_aaa = catalog.register_dataset("s", ["AAA"], *span, "1d", "c1", exchange="NYSE")
    daily_bbb = catalog.register_dataset("s", ["BBB"], *span, "1d", "c2", exchange="NYSE")
    daily_aaa_elsewhere = catalog.register_dataset("s", ["AAA"], *span, "1d", "c3", exchange="LSE")
    minute = catalog.register_dataset("s", ["AAA", "BBB"], *span, "1m", "c4", exchange="NYSE")
    ids = [daily_aaa, daily_bbb, daily_aaa_elsewhere, minute]
    assert datasets_read(catalog, ids, {"1d": {aaa}, "1m": set()}) == [daily_aaa]
    assert datasets_read(catalog, ids, {"1d": {aaa, bbb}}) == [daily_aaa, daily_bbb]
    assert datasets_read(catalog, ids, {"1m": {bbb}}) == [minute]
    assert datasets_read(catalog, ids, {"1d": {12345}}) == []  # a sid the catalog does not know
    assert datasets_read(catalog, ids, {}) == []
