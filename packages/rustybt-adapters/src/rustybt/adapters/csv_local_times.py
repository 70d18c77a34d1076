"""Local times the clocks skip or pass twice: the daylight-saving days of a ``timezone``.

A wall time in the spring-forward gap (02:30 on 2020-03-08 in New York) does not exist; one in
the fall-back hour (01:30 on 2020-11-01) happens twice, an hour apart in UTC. The ``ambiguous``
option picks ``earliest`` or ``latest`` of the two (as pandas and polars do), ``infer``s them
from the order of a symbol's rows (the first occurrence the earlier, the second the later), or
makes such a row an error (``raise``); ``nonexistent`` moves a skipped time to the first time
after the gap (``shift_forward``) or makes it an error (``raise``). The errors name the line,
the zone and what happened there, never a date-format mismatch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rustybt.domain.errors import ConfigurationError

AMBIGUOUS = ("earliest", "latest", "infer", "raise")
NONEXISTENT = ("shift_forward", "raise")
UTC = timezone.utc


def time_zone(name: str) -> ZoneInfo:
    """The zone ``name``; ``ConfigurationError`` for one the tz database does not know."""
    try:
        return ZoneInfo(name) if isinstance(name, str) and name and "\x00" not in name else ZoneInfo("")
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigurationError(f"timezone {name!r} is not a time zone of the tz database (e.g. UTC, America/New_York)") from None


@dataclass(frozen=True)
class LocalTimes:
    """How wall times in ``timezone`` become UTC instants on its daylight-saving days."""

    timezone: str = "UTC"
    ambiguous: str = "raise"
    nonexistent: str = "raise"

    def __post_init__(self) -> None:
        time_zone(self.timezone)
        if self.ambiguous not in AMBIGUOUS:
            raise ConfigurationError(f"ambiguous={self.ambiguous!r}: expected one of {', '.join(AMBIGUOUS)}")
        if self.nonexistent not in NONEXISTENT:
            raise ConfigurationError(f"nonexistent={self.nonexistent!r}: expected one of {', '.join(NONEXISTENT)}")

    @property
    def polars_ambiguous(self) -> str:
        """What polars does with a repeated wall time; ``null`` leaves it to ``resolve``."""
        return self.ambiguous if self.ambiguous in ("earliest", "latest") else "null"

    def resolve(self, rows: Sequence[tuple[int, str | None, datetime]]) -> tuple[dict[int, datetime], tuple[int, str] | None]:
        """UTC instants of the ``(line, symbol, wall time)`` rows polars could not place, and
        the first row that stays an error (its line and the reason), if any."""
        zone = time_zone(self.timezone)
        fixed: dict[int, datetime] = {}
        seen: dict[tuple[str | None, datetime], int] = {}
        for line, symbol, wall in sorted(rows, key=lambda r: r[0]):
            early, late = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
            if _exists(early):
                if early.utcoffset() == late.utcoffset():  # polars refused it for another reason
                    fixed[line] = early.astimezone(UTC)
                    continue
                count = seen.get((symbol, wall), 0)
                seen[(symbol, wall)] = count + 1
                if self.ambiguous == "infer" and count < 2:
                    fixed[line] = (early if count == 0 else late).astimezone(UTC)
                    continue
                why = "a third time" if self.ambiguous == "infer" else "twice"
                return fixed, (
                    line,
                    f"{wall:%Y-%m-%d %H:%M:%S} happens {why} in {self.timezone} (the clocks fell back that night); "
                    "set ambiguous=earliest, latest or infer (the first of a repeated time the earlier)",
                )
            if self.nonexistent == "shift_forward":
                fixed[line] = _gap_end(early, late)
                continue
            return fixed, (
                line,
                f"{wall:%Y-%m-%d %H:%M:%S} does not exist in {self.timezone} (the clocks skipped it that night); "
                "set nonexistent=shift_forward to move it to the first time after the gap",
            )
        return fixed, None


def _exists(moment: datetime) -> bool:
    back = moment.astimezone(UTC).astimezone(moment.tzinfo)
    return back.replace(tzinfo=None) == moment.replace(tzinfo=None)


def _gap_end(early: datetime, late: datetime) -> datetime:
    """The instant the clocks jumped over a skipped wall time: between its two readings."""
    lo, hi = sorted((early.astimezone(UTC), late.astimezone(UTC)))
    zone = early.tzinfo
    assert zone is not None
    after = hi.astimezone(zone).utcoffset()
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0) if hi.microsecond else hi


__all__ = ["AMBIGUOUS", "NONEXISTENT", "LocalTimes", "time_zone"]
