"""The CSV schema mapping and the column expressions it turns into (times, scaled prices)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import polars as pl

from rustybt.adapters.errors import CSVFormatError
from rustybt.domain.errors import ConfigurationError
from rustybt.domain.schemas import PRICE_FIELDS, TIMESTAMP_DTYPE

EPOCH_FORMATS: dict[str, str] = {"epoch_s": "s", "epoch_ms": "ms", "epoch_us": "us", "epoch_ns": "ns"}
EPOCH_AUTO = "epoch"  # the unit detected from the magnitude of each file's numbers
_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
_FIRST_SECOND, _LAST_SECOND = -62_135_596_800, 253_402_300_799  # 0001-01-01, 9999-12-31T23:59:59 UTC
_INT64 = (-(2**63), 2**63 - 1)
_KEYS = (
    "date_column",
    "open_column",
    "high_column",
    "low_column",
    "close_column",
    "volume_column",
    "symbol_column",
    "dividend_column",
    "split_column",
)
ACTION_FIELDS = ("dividend", "split")
_YEAR_1_US = -62_135_596_800_000_000  # 0001-01-01T00:00:00 in microseconds since 1970
_YEAR_10000_US = 253_402_300_800_000_000  # 10000-01-01T00:00:00


@dataclass(frozen=True)
class SchemaMapping:
    """Which file column holds each field (the spec's ``schema_mapping`` keys).

    Names match exactly, else case-insensitively. ``volume_column=None`` means the file has
    no volume (stored as 0); ``symbol_column`` marks a long file holding many symbols.
    ``dividend_column`` (cash per share on its ex-date, 0 for none) and ``split_column`` (new
    shares per old one, 1 for none), as in zipline's csvdir files, are read when the file has
    them; naming one in the mapping makes it required. ``None`` ignores it.
    """

    date_column: str = "Date"
    open_column: str = "Open"
    high_column: str = "High"
    low_column: str = "Low"
    close_column: str = "Close"
    volume_column: str | None = "Volume"
    symbol_column: str | None = None
    dividend_column: str | None = "Dividend"
    split_column: str | None = "Split"
    required_actions: tuple[str, ...] = ()

    @classmethod
    def of(cls, mapping: Mapping[str, str | None] | SchemaMapping | None) -> SchemaMapping:
        if mapping is None:
            return cls()
        if isinstance(mapping, SchemaMapping):
            return mapping
        unknown = sorted(set(mapping) - set(_KEYS))
        if unknown:
            raise ConfigurationError(f"schema_mapping has unknown key(s) {unknown}; allowed: {', '.join(_KEYS)}")
        required = tuple(f for f in ACTION_FIELDS if mapping.get(f"{f}_column") is not None)
        return cls(**mapping, required_actions=required)  # type: ignore[arg-type]

    def wanted(self) -> dict[str, str | None]:
        """Field → configured column name (``timestamp`` for the date column)."""
        return {
            "timestamp": self.date_column,
            "open": self.open_column,
            "high": self.high_column,
            "low": self.low_column,
            "close": self.close_column,
            "volume": self.volume_column,
            "symbol": self.symbol_column,
            "dividend": self.dividend_column,
            "split": self.split_column,
        }

    def resolve(self, available: Sequence[str], path: str) -> dict[str, str | None]:
        """Field → actual column in the file; ``CSVFormatError`` naming every missing column."""
        lower = {name.lower(): name for name in available}
        found: dict[str, str | None] = {}
        missing: list[str] = []
        for field_name, column in self.wanted().items():
            if column is None:
                found[field_name] = None
            elif column in available:
                found[field_name] = column
            elif column.lower() in lower:
                found[field_name] = lower[column.lower()]
            elif field_name in ACTION_FIELDS and field_name not in self.required_actions:
                found[field_name] = None
            else:
                missing.append(f"{column!r} ({field_name})")
        if missing:
            raise CSVFormatError(f"missing column(s) {', '.join(missing)}; the file has {list(available)}", path=path)
        return found


def parse_scale(value: int | str | Decimal) -> int:
    """The number of decimal places a power-of-ten ``price_scale`` shifts (10000 → 4)."""
    try:
        number = Decimal(str(value))
    except InvalidOperation as err:
        raise ConfigurationError(f"price_scale must be a power of ten such as 10000, not {value!r}") from err
    digits = number.normalize().as_tuple()
    if number <= 0 or digits.digits != (1,) or not isinstance(digits.exponent, int) or digits.exponent < 0:
        raise ConfigurationError(f"price_scale must be a power of ten such as 1, 100 or 10000, not {value!r}")
    return digits.exponent


def scaled_text(column: str, places: int) -> pl.Expr:
    """Decimal text divided by ``10**places`` by moving the decimal point: exact for any
    plain decimal; anything else stays text that names the problem, so conversion rejects it."""
    if places == 0:
        return pl.col(column)  # the exact Decimal conversion trims and checks the text
    text = pl.col(column).str.strip_chars()
    parts = text.str.extract_groups(r"^([+-]?)(\d+)(?:\.(\d*))?$")
    whole = parts.struct.field("2").str.pad_start(places + 1, "0")
    head = whole.str.slice(0, whole.str.len_chars() - places)
    tail = whole.str.slice(-places)
    moved = pl.concat_str(parts.struct.field("1"), head, pl.lit("."), tail, parts.struct.field("3").fill_null(""))
    note = pl.concat_str(text, pl.lit(f" (not a plain decimal: price_scale 1e{places} cannot apply)"))
    return pl.when(text.is_null()).then(None).when(parts.struct.field("2").is_null()).then(note).otherwise(moved)


def price_columns(found: Mapping[str, str | None], places: int) -> list[pl.Expr]:
    exprs = [scaled_text(str(found[name]), places).alias(name) for name in PRICE_FIELDS]
    volume = found["volume"]
    exprs.append(pl.col(volume).alias("volume") if volume is not None else pl.lit("0").alias("volume"))
    return exprs


def time_column(column: str, date_format: str | None, aware: bool, timezone: str, ambiguous: str = "earliest") -> pl.Expr:
    """The date column parsed to UTC microseconds (null where the text does not parse).

    It refers to the parse twice; a large read computes ``parsed_time`` once in a stage of its
    own and passes that column to ``utc_time`` (about twice as fast)."""
    return utc_time(parsed_time(column, date_format, aware), date_format, aware, timezone, ambiguous)


def parsed_time(column: str, date_format: str | None, aware: bool) -> pl.Expr:
    """The date column's text parsed: the number for ``epoch_*`` formats, else a datetime (UTC
    when ``aware``, else naive local time); null where the text does not parse."""
    text = pl.col(column).str.strip_chars()
    if date_format in EPOCH_FORMATS:
        return text.cast(pl.Int64, strict=False)
    zone = "UTC" if aware else None
    return text.str.to_datetime(date_format, strict=False, time_unit="us", time_zone=zone, cache=False)  # parsing beats a lookup


def epoch_bounds(unit: str) -> tuple[int, int]:
    """The numbers of ``unit`` that are times in the years 1 to 9999 (and fit 64 bits)."""
    per = _PER_SECOND[unit]
    return max(_FIRST_SECOND * per, _INT64[0]), min((_LAST_SECOND + 1) * per - 1, _INT64[1])


def epoch_unit(number: int) -> str:
    """The unit an epoch number most likely counts in, from its magnitude: seconds below 1e11
    (up to the year 5138), then milliseconds, microseconds, nanoseconds (times after 1973)."""
    size = abs(number)
    return "s" if size < 10**11 else "ms" if size < 10**14 else "us" if size < 10**17 else "ns"


def utc_time(parsed: pl.Expr, date_format: str | None, aware: bool, timezone: str, ambiguous: str = "earliest") -> pl.Expr:
    """``parsed_time`` as UTC microseconds: epoch numbers converted (null outside the years 1
    to 9999), local times placed in ``timezone`` (null where the clocks skip them, and where
    they pass them twice unless ``ambiguous`` is earliest or latest), years before 1 null."""
    if date_format in EPOCH_FORMATS:
        unit = EPOCH_FORMATS[date_format]
        lo, hi = epoch_bounds(unit)
        inside = pl.when(parsed.is_between(lo, hi)).then(parsed)
        epoch = pl.from_epoch(inside, time_unit=unit).cast(pl.Datetime("us"))  # type: ignore[call-overload]
        zoned: pl.Expr = epoch.dt.replace_time_zone("UTC")
        return zoned
    if aware:
        return in_common_era(parsed).cast(TIMESTAMP_DTYPE)
    local = in_common_era(parsed).dt.replace_time_zone(timezone, ambiguous=ambiguous, non_existent="null")  # type: ignore[arg-type]
    return local.dt.convert_time_zone("UTC").cast(TIMESTAMP_DTYPE)


def in_common_era(parsed: pl.Expr) -> pl.Expr:
    """``parsed`` with years outside 1 to 9999 (``-2020-01-01`` reads as 2021 BC) as unparsed
    (null), so such a row is an error naming its line instead of a bar silently outside every
    range. (A comparison of the microseconds, about ten times cheaper than computing each year.)"""
    return pl.when(parsed.to_physical().is_between(_YEAR_1_US, _YEAR_10000_US, closed="left")).then(parsed)


def parses_aware(sample: pl.LazyFrame, column: str, date_format: str | None) -> bool:
    """Whether the format (or polars' inference) yields timezone-aware times."""
    if date_format in EPOCH_FORMATS:
        return True
    if date_format is not None:
        return "%z" in date_format or "%Z" in date_format or "%#z" in date_format
    head = sample.head(1).select(pl.col(column).str.strip_chars()).collect().get_column(column)
    try:
        dtype = head.str.to_datetime(strict=False, time_unit="us").dtype
    except pl.exceptions.PolarsError:
        return False
    return isinstance(dtype, pl.Datetime) and dtype.time_zone is not None


__all__ = [
    "ACTION_FIELDS",
    "EPOCH_AUTO",
    "EPOCH_FORMATS",
    "SchemaMapping",
    "epoch_bounds",
    "epoch_unit",
    "in_common_era",
    "parse_scale",
    "parsed_time",
    "parses_aware",
    "price_columns",
    "scaled_text",
    "time_column",
    "utc_time",
]
