"""Exact conversion of incoming numbers into Decimal(18, 8) / Decimal(38, 8) columns.

The no-silent-loss policy:

* a value whose integer part does not fit its column is rejected (``overflow``);
* NaN, infinities and text that is not a number are rejected;
* a value with more than 8 decimals is rejected in strict mode, and rounded half-even in
  lenient mode, every rounded value being reported;
* floats are read through their shortest round-trip representation (``0.1`` is ``0.1``,
  not ``0.1000000000000000055…``).

Whole columns go through a vectorised fast path (plain decimal text that fits); only the rare
values that need a closer look are examined one by one in Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation, localcontext
from enum import Enum

import polars as pl

from rustybt.domain.errors import DecimalConversionError
from rustybt.domain.schemas import PRICE_DTYPE, VOLUME_DTYPE

SCALE = 8
_QUANTUM = Decimal(1).scaleb(-SCALE)


class ConversionMode(Enum):
    """``strict`` rejects values with more than 8 decimals; ``lenient`` rounds them half-even."""

    STRICT = "strict"
    LENIENT = "lenient"

    @classmethod
    def parse(cls, value: str | ConversionMode) -> ConversionMode:
        if isinstance(value, ConversionMode):
            return value
        try:
            return cls(value.strip().lower())
        except ValueError:
            raise DecimalConversionError(
                f"conversion mode must be 'strict' or 'lenient', not {value!r}",
                column="-",
                reason="bad_mode",
            ) from None


@dataclass(frozen=True)
class ValueIssue:
    """One value that was rounded or rejected, and where it was."""

    row: int
    column: str
    reason: str  # overflow | nan | infinite | not_a_number | too_many_decimals
    value: str
    symbol: str | None = None
    when: str | None = None
    stored: Decimal | None = None  # the rounded value, for rounding issues

    def describe(self, *, with_row: bool = True) -> str:
        """What is wrong and where; ``with_row=False`` leaves out the row position (when the
        caller names the row's place in its source instead)."""
        where = [f"row {self.row}", f"column {self.column!r}"] if with_row else [f"column {self.column!r}"]
        if self.symbol is not None:
            where.insert(0, f"symbol {self.symbol!r}")
        if self.when is not None:
            where.insert(1, f"time {self.when}")
        text = {
            "overflow": "does not fit the column (integer part too large)",
            "nan": "is NaN",
            "infinite": "is infinite",
            "not_a_number": "is not a number",
            "too_many_decimals": f"has more than {SCALE} decimals",
        }.get(self.reason, self.reason)
        rounded = f", rounded to {self.stored}" if self.stored is not None else ""
        return f"{', '.join(where)}: value {self.value!r} {text}{rounded}"


@dataclass
class DecimalConversion:
    """The converted frame plus every rounded and rejected value.

    Rejected values are null in ``frame``; ``rejected_rows`` lists their rows.
    """

    frame: pl.DataFrame
    rounded: list[ValueIssue] = field(default_factory=list)
    rejected: list[ValueIssue] = field(default_factory=list)

    @property
    def rejected_rows(self) -> list[int]:
        return sorted({issue.row for issue in self.rejected})

    def raise_if_rejected(self) -> None:
        """Raise ``DecimalConversionError`` describing the first rejected values."""
        if not self.rejected:
            return
        first = self.rejected[0]
        shown = "; ".join(issue.describe() for issue in self.rejected[:5])
        more = f" (and {len(self.rejected) - 5} more)" if len(self.rejected) > 5 else ""
        raise DecimalConversionError(
            f"{len(self.rejected)} value(s) cannot be stored exactly: {shown}{more}",
            column=first.column,
            reason=first.reason,
            symbol=first.symbol,
            when=first.when,
            row=first.row,
            value=first.value,
        )


def _int_digits(dtype: pl.Decimal) -> int:
    precision = dtype.precision if dtype.precision is not None else 38
    return precision - SCALE


def to_decimal(
    value: object,
    dtype: pl.Decimal = PRICE_DTYPE,
    *,
    mode: ConversionMode | str = ConversionMode.STRICT,
    column: str = "value",
    symbol: str | None = None,
    when: str | None = None,
    row: int = 0,
) -> Decimal:
    """Convert one Decimal, str, int or float to the exact value its column will store.

    Raises ``DecimalConversionError`` naming symbol, time, column and row for overflow,
    NaN/inf, non-numbers, and (in strict mode) more than 8 decimals.
    """
    stored, issue = _convert_one(value, _int_digits(dtype), ConversionMode.parse(mode), column, symbol, when, row)
    if stored is None:
        assert issue is not None
        DecimalConversion(pl.DataFrame(), rejected=[issue]).raise_if_rejected()
    assert stored is not None
    return stored


_WIDE = Context(prec=80)


def _convert_one(
    value: object,
    int_digits: int,
    mode: ConversionMode,
    column: str,
    symbol: str | None,
    when: str | None,
    row: int,
) -> tuple[Decimal | None, ValueIssue | None]:
    with localcontext(_WIDE):  # 38-digit volumes need more than the default 28 digits
        return _convert_in_context(value, int_digits, mode, column, symbol, when, row)


def _convert_in_context(
    value: object,
    int_digits: int,
    mode: ConversionMode,
    column: str,
    symbol: str | None,
    when: str | None,
    row: int,
) -> tuple[Decimal | None, ValueIssue | None]:
    def issue(reason: str, stored: Decimal | None = None) -> ValueIssue:
        return ValueIssue(row, column, reason, text, symbol, when, stored)

    if isinstance(value, bool):
        text = str(value)
        return None, issue("not_a_number")
    text = repr(value) if isinstance(value, float) else str(value).strip()
    try:
        number = value if isinstance(value, Decimal) else Decimal(text)
    except (InvalidOperation, ValueError):
        return None, issue("not_a_number")
    if number.is_nan():
        return None, issue("nan")
    if number.is_infinite():
        return None, issue("infinite")
    if number.is_zero():  # 0e1000000 is zero, whatever its exponent
        return Decimal(0).quantize(_QUANTUM), None
    # Magnitudes come from the exponent alone: arithmetic on 1e1000000 or on a
    # 2,000,000-digit value would overflow or exhaust any arithmetic context.
    if number.adjusted() >= int_digits:
        return None, issue("overflow")
    if number.adjusted() < -SCALE - 1:  # below half of 1e-8: rounds to zero
        if mode is ConversionMode.STRICT:
            return None, issue("too_many_decimals")
        zero = Decimal(0).quantize(_QUANTUM)
        return zero, issue("too_many_decimals", zero)
    quantized = number.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN)
    if quantized == number:
        return quantized, None
    if mode is ConversionMode.STRICT:
        return None, issue("too_many_decimals")
    if quantized.adjusted() >= int_digits:  # 9999999999.999999999 rounds up past the column
        return None, issue("overflow")
    return quantized, issue("too_many_decimals", quantized)


def to_decimal_columns(
    frame: pl.DataFrame,
    columns: Mapping[str, pl.Decimal] | Sequence[str] | None = None,
    *,
    mode: ConversionMode | str = ConversionMode.STRICT,
    symbol_column: str | None = "symbol",
    time_column: str | None = "timestamp",
) -> DecimalConversion:
    """Convert the given columns (default: open/high/low/close/volume) to their Decimal dtypes.

    Returns the frame (rejected values as null) and every rounded/rejected value with its
    row, column, symbol and time. Never raises for bad values: call ``raise_if_rejected``.

    Columns already in their target dtype are taken as they are. Every other column is parsed
    in one parallel pass that also marks the values it cannot prove exact (anything but plain
    decimal text with at most 8 decimals that fits); only those are looked at again, first
    trimmed, then one by one.
    """
    mode = ConversionMode.parse(mode)
    targets = {name: dtype for name, dtype in _targets(columns).items() if frame.schema[name] != dtype}
    if not targets:  # already stored exactly in the column dtypes
        return DecimalConversion(frame)
    flags = {name: f"__inexact_{name}" for name in targets}
    exprs = [e for name, dtype in targets.items() for e in _vectorised(frame.schema[name], name, dtype, flags[name])]
    parsed = frame.lazy().with_columns(exprs).collect()
    inexact = parsed.select(pl.col(list(flags.values())).any()).row(0, named=True)
    result = DecimalConversion(parsed.drop(flags.values()))
    for name, dtype in targets.items():
        if not inexact[flags[name]]:
            continue
        rows = parsed.get_column(flags[name]).arg_true()
        fixed, rounded, rejected = _convert_rows(frame, name, dtype, rows, mode, symbol_column, time_column)
        result.frame = result.frame.with_columns(result.frame.get_column(name).scatter(rows, fixed))
        result.rounded.extend(rounded)
        result.rejected.extend(rejected)
    result.rejected.sort(key=lambda i: (i.row, i.column))
    return result


def _targets(columns: Mapping[str, pl.Decimal] | Sequence[str] | None) -> dict[str, pl.Decimal]:
    defaults = {"open": PRICE_DTYPE, "high": PRICE_DTYPE, "low": PRICE_DTYPE, "close": PRICE_DTYPE, "volume": VOLUME_DTYPE}
    if columns is None:
        return defaults
    if isinstance(columns, Mapping):
        return dict(columns)
    return {name: defaults.get(name, PRICE_DTYPE) for name in columns}


def _vectorised(source: pl.DataType, name: str, dtype: pl.Decimal, flag: str) -> tuple[pl.Expr, pl.Expr]:
    """The parsed column and a flag true where the parse is not proven exact."""
    column = pl.col(name)
    if isinstance(source, pl.Decimal) and (source.scale or 0) <= SCALE:
        parsed = column.cast(dtype, strict=False)  # exact; null where the value overflows
        return parsed, (column.is_not_null() & parsed.is_null()).alias(flag)
    if isinstance(source, pl.Decimal):  # finer scale: exact where no digit past the 8th is set
        parsed = column.cast(dtype, strict=False)
        finer = 10 ** ((source.scale or 0) - SCALE)
        return parsed, (column.is_not_null() & (parsed.is_null() | (column.to_physical() % finer != 0))).alias(flag)
    if source.is_integer():
        parsed = column.cast(dtype, strict=False)
        return parsed, (column.is_not_null() & parsed.is_null()).alias(flag)
    text = column if source == pl.String else column.cast(pl.String, strict=False)
    parsed, exact = _parse_text(text, dtype)
    return parsed, (column.is_not_null() & ~exact).alias(flag)


def _parse_text(text: pl.Expr, dtype: pl.Decimal) -> tuple[pl.Expr, pl.Expr]:
    """Decimal text parsed, and whether it is plain decimal text that fits with at most 8
    decimals (the parse is then exact; anything else may have been rounded or refused)."""
    pattern = rf"^[+-]?[0-9]{{1,{_int_digits(dtype)}}}(\.[0-9]{{0,{SCALE}}})?$"
    parsed = text.cast(dtype, strict=False)
    return parsed, text.str.contains(pattern).fill_null(False) & parsed.is_not_null()


def _convert_rows(
    frame: pl.DataFrame,
    name: str,
    dtype: pl.Decimal,
    rows: pl.Series,
    mode: ConversionMode,
    symbol_column: str | None,
    time_column: str | None,
) -> tuple[pl.Series, list[ValueIssue], list[ValueIssue]]:
    """The stored values of ``rows`` of column ``name`` and their issues: text padded with
    blanks is trimmed and parsed in bulk; whatever remains is converted one value at a time."""
    source = frame.get_column(name).gather(rows)
    fixed = pl.Series(name, [None] * rows.len(), dtype=dtype)
    pending = pl.Series(range(rows.len()), dtype=pl.UInt32)
    if source.dtype == pl.String:
        parsed, exact = _parse_text(pl.col(name).str.strip_chars(), dtype)
        trimmed = source.to_frame().select(parsed.alias(name), exact.alias("exact"))
        fixed = trimmed.get_column(name)
        pending = (~trimmed.get_column("exact")).arg_true()
    picked = rows.gather(pending).to_list()
    raw = source.gather(pending).to_list()
    symbols = _values_at(frame, symbol_column, picked)
    times = _values_at(frame, time_column, picked)
    values = fixed.to_list()
    rounded: list[ValueIssue] = []
    rejected: list[ValueIssue] = []
    int_digits = _int_digits(dtype)
    for i, (slot, row) in enumerate(zip(pending.to_list(), picked, strict=True)):
        symbol = str(symbols[i]) if symbols is not None else None
        when = str(times[i]) if times is not None else None
        stored, issue = _convert_one(raw[i], int_digits, mode, name, symbol, when, row)
        values[slot] = stored
        if stored is None and issue is not None:
            rejected.append(issue)
        elif issue is not None:
            rounded.append(issue)
    return pl.Series(name, values, dtype=dtype), rounded, rejected


def _values_at(frame: pl.DataFrame, column: str | None, rows: list[int]) -> list[object] | None:
    if column is None or column not in frame.columns:
        return None
    return frame.get_column(column).gather(rows).to_list()
