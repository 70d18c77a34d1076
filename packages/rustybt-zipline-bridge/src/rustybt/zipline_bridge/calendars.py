"""Calendars for zipline: exchanges of a bundle's assets resolve to the bundle's calendar."""

from __future__ import annotations

from collections.abc import Iterable

from exchange_calendars import get_calendar_names, register_calendar_type
from zipline.utils.calendar_utils import TradingCalendar

ALWAYS_OPEN = "24/7"


def ensure_exchange_calendars(exchanges: Iterable[str], calendar: TradingCalendar) -> list[str]:
    """Register ``calendar`` under every exchange name zipline cannot resolve; returns those names.

    zipline looks an asset's calendar up by its exchange's name (``can_trade``, order
    checks); a crypto exchange such as ``BINANCE`` has no calendar of its own and trades on
    the bundle's (``24/7``).
    """
    known = set(get_calendar_names(include_aliases=True, sort=False))
    added = []
    for name in sorted(set(exchanges) - known):
        # a calendar type (not an instance, not an alias of another name) keeps
        # get_calendar(name, start=..., end=...) working, as zipline calls it, without
        # touching the cached instance of the real calendar. Names already known (calendar
        # instances or types, aliases) are left as they are: asking for them here would
        # build a calendar (~0.25 s) or, for an instance someone registered, fail on
        # zipline's side='right' and lose that registration.
        register_calendar_type(name, type(calendar), force=True)
        added.append(name)
    return added


def midnight_is_previous_session(calendar: TradingCalendar) -> bool:
    """True when a session label (midnight) is also a minute of the session before it.

    On ``24/7`` a session closes at the next midnight, so ``minute_to_session`` maps a label
    to the previous session; on exchange calendars midnight lies outside trading hours and
    maps forward to the session it names.
    """
    sessions = calendar.sessions
    if len(sessions) < 3:
        return False
    label = sessions[len(sessions) // 2]
    return bool(calendar.minute_to_session(label) != label)
