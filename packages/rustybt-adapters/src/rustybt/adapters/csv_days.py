"""Day files: the date of every row comes from the file name (LEAN's intraday
``YYYYMMDD_trade.zip``), each row holding only its time since that midnight."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from rustybt.adapters.csv_columns import EPOCH_FORMATS
from rustybt.adapters.errors import CSVFormatError
from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import ConfigurationError
from rustybt.domain.schemas import TIMESTAMP_DTYPE

_SAMPLE = datetime(2000, 12, 31, 23, 59, 59)


class FileDays:
    """Reads the day of a file from the start of its name with ``name_format`` (fixed-width
    directives such as ``%Y%m%d``); rows give their time since that local midnight in
    ``timezone`` as an ``epoch_*`` offset (``epoch_ms``: milliseconds), under 25 hours."""

    def __init__(self, name_format: str, row_format: str | None, timezone: str) -> None:
        if row_format not in EPOCH_FORMATS:
            allowed = ", ".join(EPOCH_FORMATS)
            raise ConfigurationError(
                f"date_from_filename needs date_format to be a time since midnight ({allowed}), not {row_format!r}"
            )
        try:
            self.width = len(_SAMPLE.strftime(name_format))
            self.zone = ZoneInfo(timezone)
        except ZoneInfoNotFoundError as err:
            raise ConfigurationError(f"unknown timezone {timezone!r}") from err
        except ValueError as err:
            raise ConfigurationError(f"date_from_filename {name_format!r} is not a date format: {err}") from err
        self.name_format = name_format
        self.unit = EPOCH_FORMATS[row_format]

    def day(self, path: Path) -> date:
        """The day a file holds; ``CSVFormatError`` naming the file when its name has none."""
        head = path.name[: self.width]
        try:
            return datetime.strptime(head, self.name_format).date()
        except ValueError:
            raise CSVFormatError(
                f"file name does not start with a date in the format {self.name_format!r}", path=str(path)
            ) from None

    def midnight(self, day: date) -> datetime:
        """The UTC instant of the local midnight starting ``day``."""
        return datetime(day.year, day.month, day.day, tzinfo=self.zone).astimezone(ZoneInfo("UTC"))

    def overlaps(self, path: Path, span: DateRange) -> bool:
        """Whether the file's day (a local day, 25 hours at most) can hold bars inside ``span``."""
        start = self.midnight(self.day(path))
        return start <= span.end and start + timedelta(hours=25) > span.start

    def times(self, column: str, path: Path) -> pl.Expr:
        """The row times: the file's midnight plus the row's offset, in UTC microseconds
        (null where the offset is not an integer from 0 to just under 25 hours)."""
        per_hour = 3_600 * _PER_SECOND[self.unit]
        offset = pl.col(column).str.strip_chars().cast(pl.Int64, strict=False)
        valid = pl.when(offset.is_between(0, 25 * per_hour, closed="left")).then(offset)
        since = (
            pl.duration(nanoseconds=valid)
            if self.unit == "ns"
            else pl.duration(microseconds=valid * (1_000_000 // _PER_SECOND[self.unit]))
        )
        start = pl.lit(self.midnight(self.day(path))).cast(TIMESTAMP_DTYPE)
        return (start + since).cast(TIMESTAMP_DTYPE)


_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


__all__ = ["FileDays"]
