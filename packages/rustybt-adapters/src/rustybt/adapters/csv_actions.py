"""Splits and dividends from the ``dividend``/``split`` columns of CSV bars (zipline's csvdir).

A row with a dividend other than 0 is a cash dividend per share with that row's date as its
ex-date; a row with a split other than 1 is a split of that many new shares per old one. Empty
cells mean neither. Values are converted exactly (more than 8 decimals, text, negative
dividends and non-positive splits are errors naming the file, line and column).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from rustybt.adapters.csv_columns import scaled_text
from rustybt.adapters.csv_reader import LINE, CsvBarReader, symbol_text
from rustybt.adapters.errors import CSVFormatError
from rustybt.adapters.frames import in_span
from rustybt.domain.date_range import DateRange
from rustybt.domain.decimals import ConversionMode, to_decimal_columns
from rustybt.domain.schemas import CORPORATE_ACTIONS_SCHEMA, PRICE_DTYPE

_NONE = {"dividend": 0, "split": 1}


def empty_actions() -> pl.DataFrame:
    return pl.DataFrame(schema=CORPORATE_ACTIONS_SCHEMA)


def read_actions(
    reader: CsvBarReader, path: Path, span: DateRange, *, symbol: str | None, only: list[str] | None = None
) -> pl.DataFrame:
    """The splits and dividends of ``path`` with an ex-date inside ``span`` (of the ``only``
    symbols in a long file), in ``CORPORATE_ACTIONS_SCHEMA``."""
    text, found = reader.columns(path)
    kinds = {kind: str(found[kind]) for kind in _NONE if found.get(kind) is not None}
    if not kinds:
        return empty_actions()
    rows = text.with_row_index(LINE, offset=reader.first_line)
    named = pl.lit(symbol) if symbol is not None else symbol_text(str(found["symbol"]))
    values = [
        (scaled_text(column, reader.places) if kind == "dividend" else pl.col(column)).alias(kind)
        for kind, column in kinds.items()
    ]
    shaped = rows.select(pl.col(LINE), named.alias("symbol"), reader.times(rows, path, found).alias("timestamp"), *values)
    keep = in_span(span) & pl.any_horizontal(pl.col(k).str.strip_chars().ne("") for k in kinds)
    if only is not None:
        keep = keep & pl.col("symbol").is_in(only)
    try:
        picked = shaped.filter(keep).collect()
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as err:
        raise CSVFormatError(f"cannot read as CSV: {err}", path=str(path)) from err
    exact = _exact(picked, kinds, path)
    return _actions(exact, list(kinds), path)


def _exact(picked: pl.DataFrame, kinds: dict[str, str], path: Path) -> pl.DataFrame:
    blanks = picked.with_columns(pl.when(pl.col(k).str.strip_chars() != "").then(pl.col(k)).alias(k) for k in kinds)
    conversion = to_decimal_columns(blanks, {k: PRICE_DTYPE for k in kinds}, mode=ConversionMode.STRICT)
    if conversion.rejected:
        first = conversion.rejected[0]
        line = int(picked.get_column(LINE)[first.row])
        raise CSVFormatError(
            f"column {kinds[first.column]!r}: {first.describe()}", path=str(path), line=line, column=kinds[first.column]
        )
    return conversion.frame


def _actions(frame: pl.DataFrame, kinds: list[str], path: Path) -> pl.DataFrame:
    parts = []
    for kind in kinds:
        value = pl.col(kind)
        happened = frame.filter(value.is_not_null() & (value != _NONE[kind]))
        bad = happened.filter(value <= 0 if kind == "split" else value < 0)
        if not bad.is_empty():
            row = bad.row(0, named=True)
            what = "a split must be a positive ratio" if kind == "split" else "a dividend cannot be negative"
            raise CSVFormatError(f"{kind} {row[kind]}: {what}", path=str(path), line=int(row[LINE]), column=kind)
        parts.append(
            happened.select(
                pl.col("symbol").cast(pl.String),
                pl.col("timestamp").dt.date().alias("date"),
                pl.lit(kind).alias("action"),
                value.cast(PRICE_DTYPE).alias("value"),
            )
        )
    return pl.concat(parts).cast(CORPORATE_ACTIONS_SCHEMA) if parts else empty_actions()


__all__ = ["empty_actions", "read_actions"]
