"""Bar resolutions: the closed set of bar sizes RustyBT Data stores and aggregates."""

from __future__ import annotations

from datetime import timedelta
from enum import Enum

from rustybt.domain.errors import InvalidResolutionError


class Resolution(Enum):
    """A bar size. ``Resolution.parse("1h")``; ``str(Resolution.H1) == "1h"``."""

    M1 = "1m"
    M5 = "5m"
    M15 = "15m"
    H1 = "1h"
    H4 = "4h"
    D1 = "1d"
    W1 = "1w"

    @classmethod
    def parse(cls, text: str | Resolution) -> Resolution:
        """The resolution named by ``text``; raises ``InvalidResolutionError`` otherwise."""
        if isinstance(text, Resolution):
            return text
        if not isinstance(text, str):
            raise InvalidResolutionError(
                f"resolution must be a string such as '1d', not {type(text).__name__}"
            )
        name = text.strip()
        if "M" not in name:  # "1M" would be a month in some tools, never a minute
            name = name.lower()
        try:
            return cls(name)
        except ValueError:
            allowed = ", ".join(repr(r.value) for r in cls)
            raise InvalidResolutionError(
                f"unknown resolution {text!r}; expected one of {allowed}"
            ) from None

    def __str__(self) -> str:
        return self.value

    @property
    def duration(self) -> timedelta:
        """Length of one bar."""
        return _DURATIONS[self]

    @property
    def is_intraday(self) -> bool:
        """True for bars shorter than a day (stored as minute bars, keyed by timestamp)."""
        return self.duration < timedelta(days=1)

    @property
    def polars_every(self) -> str:
        """The same bar size in polars' duration language (``group_by_dynamic(every=...)``)."""
        return _POLARS[self]

    @property
    def storage_kind(self) -> str:
        """``"minute"`` for intraday bars (timestamp-keyed), ``"daily"`` otherwise (date-keyed)."""
        return "minute" if self.is_intraday else "daily"


_DURATIONS = {
    Resolution.M1: timedelta(minutes=1),
    Resolution.M5: timedelta(minutes=5),
    Resolution.M15: timedelta(minutes=15),
    Resolution.H1: timedelta(hours=1),
    Resolution.H4: timedelta(hours=4),
    Resolution.D1: timedelta(days=1),
    Resolution.W1: timedelta(weeks=1),
}

_POLARS = {
    Resolution.M1: "1m",
    Resolution.M5: "5m",
    Resolution.M15: "15m",
    Resolution.H1: "1h",
    Resolution.H4: "4h",
    Resolution.D1: "1d",
    Resolution.W1: "1w",
}
