"""Rows of a CSV input left without a time: placed when their local time needs a
daylight-saving decision (``csv_local_times``), else an error naming the line and the real
cause: an empty cell, text that does not match the date format, a year before 1, or an epoch
number in another unit than the one given (with the time it would be in the likely unit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import polars as pl

from rustybt.adapters.csv_columns import EPOCH_AUTO, EPOCH_FORMATS, epoch_bounds, epoch_unit, in_common_era
from rustybt.adapters.csv_local_times import LocalTimes
from rustybt.adapters.errors import CSVFormatError
from rustybt.adapters.frames import in_span
from rustybt.domain.date_range import DateRange
from rustybt.domain.schemas import TIMESTAMP_DTYPE

LINE = "__line"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


def file_date_format(scan: pl.LazyFrame, column: str, date_format: str | None, path: Path) -> str | None:
    """``date_format``, with ``epoch`` made the unit of the file's first number (seconds when
    the file has none: its rows then fail with their own error)."""
    if date_format != EPOCH_AUTO:
        return date_format
    try:
        head = scan.select(pl.col(column).str.strip_chars()).drop_nulls().head(1).collect().get_column(column)
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as err:
        raise CSVFormatError(f"cannot read as CSV: {err}", path=str(path)) from err
    try:
        number = int(head[0]) if head.len() and head[0].isascii() else None
    except ValueError:
        number = None
    return f"epoch_{epoch_unit(number)}" if number is not None else "epoch_s"


@dataclass(frozen=True)
class TimeChecks:
    """The checks of one file: its date ``column``, first data line, format in use
    (``date_format`` as configured), whether the format carries an offset, the local-time
    rules, and whether the day comes from the file's name."""

    path: Path
    column: str
    first_line: int
    date_format: str | None
    configured: str | None
    aware: bool
    local: LocalTimes
    day_files: bool = False

    def settle(self, frame: pl.DataFrame, text: pl.LazyFrame, span: DateRange) -> pl.DataFrame:
        """``frame`` with the times of rows on daylight-saving days placed (and those then
        outside ``span`` dropped); raises ``CSVFormatError`` for the first row still without one."""
        bad = frame.filter(pl.col("timestamp").is_null())
        if bad.is_empty():
            return frame
        lines = bad.get_column(LINE)
        rows = text.with_row_index(LINE, offset=self.first_line).filter(pl.col(LINE).is_in(lines.implode()))
        values = dict(rows.select(LINE, self.column).collect().iter_rows())
        symbols = dict(zip(lines.to_list(), bad.get_column("symbol").cast(pl.String).to_list(), strict=True))
        errors: list[tuple[int, str]] = []
        walls = self._walls(values)
        for line in lines.to_list():
            value = values.get(line)
            if value is None or value.strip() == "":
                errors.append((line, "is empty"))
            elif walls.get(line) is None:
                errors.append((line, self._unreadable(value)))
        fixed, local_error = self.local.resolve([(line, symbols.get(line), wall) for line, wall in walls.items() if wall is not None])
        if local_error is not None:
            errors.append(local_error)
        if errors:
            line, what = min(errors)
            more = f" ({len(errors) - 1} more such row(s))" if len(errors) > 1 else ""
            raise CSVFormatError(f"column {self.column!r}: {what}{more}", path=str(self.path), line=line, column=self.column)
        placed = pl.col(LINE).replace_strict(list(fixed), list(fixed.values()), default=None, return_dtype=TIMESTAMP_DTYPE)
        settled = frame.with_columns(pl.coalesce(pl.col("timestamp"), placed).alias("timestamp"))
        return settled.filter(in_span(span))

    def _walls(self, values: dict[int, str | None]) -> dict[int, datetime | None]:
        """The naive wall time of each value where the format reads it as a local time of the
        common era (``None`` where it does not)."""
        local = self.date_format is not None and self.date_format not in EPOCH_FORMATS and not self.aware and not self.day_files
        if not local or not values:
            return {line: None for line in values}
        lines = list(values)
        texts = pl.DataFrame({"t": [values[line] for line in lines]}, schema={"t": pl.String})
        parse = pl.col("t").str.strip_chars().str.to_datetime(self.date_format, strict=False, time_unit="us")
        walls = texts.select(in_common_era(parse)).to_series().to_list()
        return dict(zip(lines, walls, strict=True))

    def _unreadable(self, value: str) -> str:
        expected = self.configured or "a date polars can infer"
        if self.day_files:
            return f"{value!r} is not a time since midnight within 25 hours in the format {self.configured!r}"
        if self.date_format in EPOCH_FORMATS:
            return self._wrong_epoch(value)
        if self.date_format is not None and not self.aware:
            parsed = pl.Series([value.strip()]).str.to_datetime(self.date_format, strict=False, time_unit="us")
            if parsed.is_not_null().all():
                return f"{value!r} is outside the years 1 to 9999"
        return f"{value!r} does not match the date format {expected!r}"

    def _wrong_epoch(self, value: str) -> str:
        unit = EPOCH_FORMATS[str(self.date_format)]
        try:
            number = int(value.strip()) if value.strip().isascii() else None
        except ValueError:
            number = None
        if number is None:
            return f"{value!r} is not a whole number (date_format {self.configured!r})"
        likely = epoch_unit(number)
        lo, hi = epoch_bounds(likely)
        guess = ""
        if likely != unit and lo <= number <= hi:
            moment = EPOCH + timedelta(microseconds=number * 1_000_000 // _PER_SECOND[likely])
            guess = f"; it looks like epoch_{likely} ({moment:%Y-%m-%dT%H:%M:%SZ}): set date_format=epoch_{likely} or date_format=epoch"
        return f"{value!r} is not a time in the years 1 to 9999 as epoch_{unit}{guess}"


__all__ = ["LINE", "TimeChecks", "file_date_format"]
