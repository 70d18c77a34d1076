"""Coercion of the many ways a caller names a point in time into one UTC ``datetime``.

Accepted everywhere a port takes a time: ``datetime`` (naive means UTC; aware is converted),
``date`` (midnight UTC), and ISO-8601 strings. ``pandas.Timestamp`` is a ``datetime``
subclass and is accepted as such, without the domain importing pandas.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Union

from rustybt.domain.errors import InvalidDateRangeError

UTC = timezone.utc
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)

TimeLike = Union[datetime, date, str]


def to_utc(value: TimeLike, *, name: str = "time") -> datetime:
    """Return ``value`` as a timezone-aware UTC ``datetime`` (microsecond precision)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError as err:
            raise InvalidDateRangeError(
                f"{name} {value!r} is not an ISO-8601 date or time (e.g. 2024-01-31 or "
                "2024-01-31T13:45:00Z)"
            ) from err
    else:
        raise InvalidDateRangeError(
            f"{name} must be a date, datetime or ISO-8601 string, not {type(value).__name__}"
        )
    try:
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        raise InvalidDateRangeError(
            f"{name} {value!r} lies outside the years 1 to 9999 once converted to UTC"
        ) from None
    # pandas.Timestamp may carry nanoseconds; storage keeps microseconds.
    return datetime(
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
        moment.microsecond,
        tzinfo=UTC,
    )


def shifted(moment: datetime, delta: timedelta) -> datetime:
    """``moment + delta``, held at the first or last microsecond of the calendar (years 1 to
    9999) instead of overflowing."""
    try:
        return moment + delta
    except OverflowError:
        return LATEST if delta > timedelta(0) else EARLIEST


def end_of_day(moment: datetime) -> datetime:
    """The last microsecond of the day of ``moment``."""
    return moment.replace(hour=23, minute=59, second=59, microsecond=999_999)


def to_date(value: TimeLike, *, name: str = "date") -> date:
    """Return the UTC calendar date of ``value``."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    return to_utc(value, name=name).date()


def iso_z(moment: datetime) -> str:
    """ISO-8601 in UTC with a ``Z`` suffix: ``2023-01-01T00:00:00Z``."""
    text = moment.astimezone(UTC).replace(tzinfo=None).isoformat()
    return f"{text}Z"
