"""Reading a CSV's numbers straight into Decimal columns, only where no digit can be lost.

polars parses decimal text of a CSV column into a Decimal several times faster than a text
cast, but it rounds half-even past the column's scale without a word, and an exponent
(``1e-20``) moves digits past it too. So the numbers are parsed at scale 18 and kept only when
that parse is proven exact and every value has at most 8 decimals:

* text without an exponent and with at most 18 decimals parses exactly at scale 18;
* text with more decimals parses to a multiple of 1e-8 only if its decimals 9 to 18 are ten
  ``0`` (rounded down) or ten ``9`` (carried up), so input without such a run, and without an
  exponent marker after a digit, holds no value the parse could have rounded silently;
* each value is then checked to be a multiple of 1e-8 that fits its column.

``numbers_parse_exactly`` proves the first two on the raw bytes (a few ``find`` calls, and a
regular expression over the lines only when a marker or a run turns up); ``exact_numbers``
gives the column expressions and a flag that marks any value the third check refuses. Any
doubt sends the whole input back to the text path, which converts value by value.
"""

from __future__ import annotations

import io
import mmap
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from rustybt.domain.decimals import SCALE
from rustybt.domain.schemas import PRICE_DTYPE, PRICE_FIELDS, VOLUME_DTYPE

WIDE = pl.Decimal(38, 18)
INEXACT = "__inexact"
_STEP = 10 ** (18 - SCALE)  # a multiple of 1e-8 at scale 18
_MARKERS = (b"e", b"E", b"0" * 10, b"9" * 10)
_RISK = r"[0-9.][eE]|\.[0-9]{19}"
_NO_SEPARATOR = "\x1f"


def numbers_parse_exactly(source: Path | bytes, header_lines: int = 0) -> bool:
    """Whether no number in ``source`` (a plain file or the bytes of one) past its first
    ``header_lines`` lines has an exponent or more than 18 decimals, so that a parse at scale 18
    giving a multiple of 1e-8 is exact."""
    if isinstance(source, bytes):
        return not _has_markers(source, header_lines) or not _risky_lines(source)
    with source.open("rb") as handle:
        if handle.seek(0, io.SEEK_END) == 0:
            return True
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            if not _has_markers(data, header_lines):
                return True
    return not _risky_lines(source)


def _has_markers(data: bytes | mmap.mmap, header_lines: int) -> bool:
    start = 0
    for _ in range(header_lines):
        start = data.find(b"\n", start) + 1
        if start == 0:
            return False
    return any(data.find(marker, start) >= 0 for marker in _MARKERS)


def _risky_lines(source: Path | bytes) -> bool:
    """Whether any line holds an exponent after a digit or 19 digits after a point (or cannot be
    read as lines at all)."""
    lines = pl.scan_csv(
        io.BytesIO(source) if isinstance(source, bytes) else source,
        separator=_NO_SEPARATOR,
        quote_char=None,
        has_header=False,
        infer_schema=False,
        encoding="utf8-lossy",
    )
    try:  # every column, should a line hold the separator after all
        return bool(lines.select(pl.any_horizontal(pl.all().str.contains(_RISK)).any()).collect().item())
    except (pl.exceptions.PolarsError, OSError):
        return True


def wide_overrides(found: Mapping[str, str | None]) -> dict[str, pl.DataType]:
    """The file columns holding OHLCV, to be parsed as ``Decimal(38, 18)``."""
    return {str(found[name]): WIDE for name in (*PRICE_FIELDS, "volume") if found.get(name) is not None}


def exact_numbers(found: Mapping[str, str | None]) -> list[pl.Expr]:
    """OHLCV in their storage dtypes from the wide columns, plus ``INEXACT``: true on a row where
    a value is missing, has more than 8 decimals or does not fit its column."""
    exprs: list[pl.Expr] = []
    checks: list[pl.Expr] = []
    for name in (*PRICE_FIELDS, "volume"):
        column = found.get(name)
        dtype = VOLUME_DTYPE if name == "volume" else PRICE_DTYPE
        if column is None:
            exprs.append(pl.lit(0, dtype=dtype).alias(name))
            continue
        wide = pl.col(str(column))
        stored = wide.cast(dtype, strict=False)
        exprs.append(stored.alias(name))
        checks.append(stored.is_null() | (wide.to_physical() % _STEP != 0))
    exprs.append(pl.any_horizontal(checks).alias(INEXACT) if checks else pl.lit(False).alias(INEXACT))
    return exprs


__all__ = ["INEXACT", "WIDE", "exact_numbers", "numbers_parse_exactly", "wide_overrides"]
