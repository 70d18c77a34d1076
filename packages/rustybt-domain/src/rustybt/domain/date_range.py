"""An inclusive span of time in UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from rustybt.domain.errors import InvalidDateRangeError
from rustybt.domain.instants import TimeLike, end_of_day, to_utc


@dataclass(frozen=True, order=True)
class DateRange:
    """``[start, end]``, both inclusive, both UTC-aware.

    ``DateRange.of("2024-01-01", "2024-03-31")`` covers the whole last day: a bare date as
    ``end`` means the end of that day (23:59:59.999999 UTC).
    """

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidDateRangeError("DateRange needs timezone-aware datetimes; use DateRange.of")
        if self.start > self.end:
            raise InvalidDateRangeError(
                f"start {self.start.isoformat()} is after end {self.end.isoformat()}"
            )

    @classmethod
    def of(cls, start: TimeLike, end: TimeLike) -> DateRange:
        """Build a range from dates, datetimes or ISO strings (naive means UTC)."""
        first = to_utc(start, name="start")
        last = to_utc(end, name="end")
        if _is_bare_date(end):
            last = end_of_day(last)
        if first > last:
            raise InvalidDateRangeError(
                f"start {first.isoformat()} is after end {last.isoformat()}"
            )
        return cls(first, last)

    def __contains__(self, moment: object) -> bool:
        if not isinstance(moment, (datetime, date, str)):
            return False
        return self.start <= to_utc(moment) <= self.end

    @property
    def start_date(self) -> date:
        return self.start.date()

    @property
    def end_date(self) -> date:
        return self.end.date()

    def covers(self, other: DateRange) -> bool:
        """True when ``other`` lies entirely inside this range."""
        return self.start <= other.start and other.end <= self.end

    def union(self, other: DateRange) -> DateRange:
        return DateRange(min(self.start, other.start), max(self.end, other.end))

    def __str__(self) -> str:
        return f"{self.start.isoformat()} .. {self.end.isoformat()}"


def _is_bare_date(value: TimeLike) -> bool:
    if isinstance(value, datetime):
        return False
    if isinstance(value, date):
        return True
    text = value.strip()
    return len(text) == 10 and text[4] == "-" and text[7] == "-"
