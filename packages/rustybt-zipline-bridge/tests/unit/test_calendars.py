"""Exchange names of a bundle's assets resolve to calendars without disturbing registered ones."""

from __future__ import annotations

import exchange_calendars
import pytest
from zipline.utils.calendar_utils import get_calendar

from rustybt.zipline_bridge.calendars import ensure_exchange_calendars


@pytest.fixture
def cleanup():
    names: list[str] = []
    yield names
    for name in names:
        exchange_calendars.deregister_calendar(name)


def test_unknown_exchange_trades_on_the_bundle_calendar(cleanup: list[str]) -> None:
    always = get_calendar("24/7")
    added = ensure_exchange_calendars(["RUSTYBT-TEST-EXCHANGE", "XNYS"], always)
    cleanup.extend(added)
    assert added == ["RUSTYBT-TEST-EXCHANGE"]
    resolved = get_calendar("RUSTYBT-TEST-EXCHANGE")
    assert type(resolved) is type(always)
    assert resolved.sessions[0] == always.sessions[0]


def test_a_registered_calendar_instance_is_kept(cleanup: list[str]) -> None:
    nyse = get_calendar("XNYS")
    exchange_calendars.register_calendar("RUSTYBT-TEST-ALIAS", nyse, force=True)
    cleanup.append("RUSTYBT-TEST-ALIAS")
    assert ensure_exchange_calendars(["RUSTYBT-TEST-ALIAS"], get_calendar("24/7")) == []
    assert exchange_calendars.get_calendar("RUSTYBT-TEST-ALIAS") is nyse


def test_known_names_build_no_calendar(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_building(*args: object, **kwargs: object) -> None:
        raise AssertionError("a calendar was built")

    monkeypatch.setattr(type(exchange_calendars.calendar_utils.global_calendar_dispatcher), "_fabricate", no_building)
    assert ensure_exchange_calendars(["XNYS", "NYSE", "XLON"], get_calendar("24/7")) == []
