"""The private zipline internals the bridge overrides or calls keep the shape it was written for.

``PolarsDataPortal`` overrides or calls these ``DataPortal`` methods; the package pins
zipline-reloaded below the next minor release, and this test fails first when a release
changes one of them (a new parameter, a renamed one, a removed method), before a backtest
silently takes a different path.
"""

from __future__ import annotations

import inspect
import re

import pytest
from zipline.data.data_portal import DataPortal

from rustybt.zipline_bridge.portal import PolarsDataPortal

EXPECTED = {
    "_get_single_asset_value": ["self", "session_label", "asset", "field", "dt", "data_frequency"],
    "_get_history_daily_window": ["self", "assets", "end_dt", "bar_count", "field_to_use", "data_frequency"],
    "_get_daily_window_data": ["self", "assets", "field", "days_in_window", "extra_slot"],
    "get_splits": ["self", "assets", "dt"],
    "get_history_window": ["self", "assets", "end_dt", "bar_count", "frequency", "field", "data_frequency", "ffill"],
    "get_spot_value": ["self", "assets", "field", "dt", "data_frequency"],
    "get_scalar_asset_spot_value": ["self", "asset", "field", "dt", "data_frequency"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_data_portal_method_keeps_its_parameters(name: str) -> None:
    method = getattr(DataPortal, name)
    assert list(inspect.signature(method).parameters) == EXPECTED[name]


def test_the_day_window_helper_is_still_there() -> None:
    # a memoized function in zipline (its signature reads ``*args, **kwargs``): called with (session, count)
    assert callable(DataPortal._get_days_for_window)


def test_every_inherited_private_method_the_portal_calls_is_checked_here() -> None:
    source = inspect.getsource(PolarsDataPortal)
    called = set(re.findall(r"(?:super\(\)|self)\.(_[a-z]\w*)\(", source))
    inherited = {name for name in called if name not in vars(PolarsDataPortal)} | (
        {name for name in called if name in vars(DataPortal)}
    )
    missing = sorted(name for name in inherited if not hasattr(DataPortal, name))
    assert not missing, f"DataPortal no longer has {missing}"
    assert inherited <= set(EXPECTED) | {"_get_days_for_window"}, "add the new internal to EXPECTED"
