"""Checks every bar store runs on a frame before it touches a file, and query argument checks
every bar reader runs before it reads one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import polars as pl

from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import InvalidRequestError, UnknownFieldError, ValidationError
from rustybt.domain.instants import TimeLike, end_of_day, to_utc
from rustybt.domain.resolution import Resolution
from rustybt.domain.schemas import FIELDS, check_schema, storage_schema, time_column
from rustybt.domain.validation.evaluate import ROW, Rule, evaluate
from rustybt.domain.validation.layout import ascending, detect_layout, previous, same_key_as_previous
from rustybt.domain.validation.report import Severity, ValidationReport


def storage_kind_of(resolution: Resolution | str) -> str:
    return Resolution.parse(resolution).storage_kind


def check_storage_frame(frame: pl.DataFrame, kind: str) -> None:
    """Raise before any write: wrong schema, nulls, duplicate (sid, time), time going
    backwards within a sid. The error names the rows (positions in ``frame``)."""
    check_schema(frame, storage_schema(kind), what=f"{kind} bar frame")
    t = time_column(kind)
    rules = [Rule("no_nulls", Severity.ERROR, f"{c} is null", pl.col(c).is_null()) for c in frame.columns]
    if not _strictly_ordered(frame, t):
        layout = detect_layout(frame, "sid", t)
        time = pl.col(t)
        duplicate = (
            (same_key_as_previous("sid") & (time == time.shift(1))) if layout.ordered else ~pl.struct("sid", t).is_first_distinct()
        )
        rules += [
            Rule("no_duplicate_timestamps", Severity.ERROR, f"duplicate (sid, {t})", duplicate),
            Rule("sorted_ascending", Severity.ERROR, f"{t} goes backwards within the sid", time < previous(t, "sid", layout)),
        ]
    violations = evaluate(frame.with_row_index(ROW), "sid", rules)
    if violations:
        report = ValidationReport(tuple(violations), frame.height, ("storage",))
        raise ValidationError(f"{kind} bar frame rejected before writing:\n" + report.summary(), report=report)


def _strictly_ordered(frame: pl.DataFrame, t: str) -> bool:
    """Whether the rows strictly ascend by (time, sid) or by (sid, time), with no null time
    or sid: then no (sid, time) repeats and no sid goes back in time."""
    nulls = pl.col(t).null_count() + pl.col("sid").null_count()
    by_time, by_sid = ascending(t, "sid").alias("t"), ascending("sid", t).alias("s")
    time_first, sid_first, missing = frame.select(by_time, by_sid, nulls.alias("n")).row(0)
    return (bool(time_first) or bool(sid_first)) and missing == 0


def check_fields(fields: Sequence[str]) -> list[str]:
    """The fields as a list; ``UnknownFieldError`` naming any that is not OHLCV."""
    if isinstance(fields, str):
        fields = [fields]
    unknown = [f for f in fields if f not in FIELDS]
    if unknown:
        raise UnknownFieldError(
            f"unknown field(s) {', '.join(repr(f) for f in unknown)}; expected some of {', '.join(FIELDS)}"
        )
    if not fields:
        raise InvalidRequestError("no fields requested; ask for some of " + ", ".join(FIELDS))
    return list(fields)


def check_sids(sids: Sequence[int]) -> list[int]:
    """The sids as a list of ints; ``InvalidRequestError`` for an empty list or a non-int."""
    values = list(sids)
    if not values:
        raise InvalidRequestError("no sids requested")
    bad = [s for s in values if isinstance(s, bool) or not isinstance(s, int)]
    if bad:
        raise InvalidRequestError(f"sids must be integers, got {bad[:5]!r}")
    return values


def query_span(start_date: TimeLike, end_date: TimeLike) -> DateRange:
    """The inclusive UTC span of a reader query (a bare end date covers its whole day)."""
    return DateRange.of(start_date, end_date)


def day_bounds(moment: TimeLike) -> tuple[datetime, datetime]:
    """First and last microsecond of the UTC day holding ``moment``."""
    start = to_utc(moment).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, end_of_day(start)
