"""Reading the bars of one CSV input: its columns mapped, its times parsed, its numbers exact."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from rustybt.adapters.csv_columns import SchemaMapping, parsed_time, parses_aware, price_columns, time_column, utc_time
from rustybt.adapters.csv_days import FileDays
from rustybt.adapters.csv_files import CsvReadOptions
from rustybt.adapters.csv_local_times import LocalTimes
from rustybt.adapters.csv_numbers import INEXACT, exact_numbers, numbers_parse_exactly, wide_overrides
from rustybt.adapters.csv_time_checks import TimeChecks, file_date_format
from rustybt.adapters.errors import CSVFormatError
from rustybt.adapters.frames import in_span
from rustybt.domain.date_range import DateRange

LINE = "__line"
_TRIMMED = "__symbol"
_PARSED = "__time"
READ_ERRORS = (pl.exceptions.PolarsError, OSError, UnicodeDecodeError)


@dataclass(frozen=True)
class CsvBarReader:
    """Reads one CSV input (plain, gzip or zip) into raw bars: ``symbol``, ``timestamp`` (UTC),
    OHLCV, ``source_file`` and ``source_line``.

    OHLCV are parsed straight into their storage Decimals when the input is proven to hold no
    value that parse could round (``csv_numbers``), else kept as text for the exact conversion
    to look at value by value. ``places`` shifts the decimal point of prices (LEAN's ×10000);
    ``direct_numbers=False`` always keeps them as text. Local times on the daylight-saving
    days of ``timezone`` follow ``ambiguous`` and ``nonexistent`` (``csv_local_times``);
    ``date_format="epoch"`` finds the unit of each file's numbers (``csv_time_checks``).
    """

    options: CsvReadOptions
    mapping: SchemaMapping
    date_format: str | None
    timezone: str
    places: int = 0
    days: FileDays | None = None
    direct_numbers: bool = True
    ambiguous: str = "raise"
    nonexistent: str = "raise"

    @property
    def local(self) -> LocalTimes:
        return LocalTimes(self.timezone, self.ambiguous, self.nonexistent)

    def columns(self, path: Path, source: Path | bytes | None = None) -> tuple[pl.LazyFrame, dict[str, str | None]]:
        """The text scan of ``path`` and the file column of each field."""
        try:
            scan = self.options.scan(path, source)
            names = scan.collect_schema().names()
        except READ_ERRORS as err:
            raise CSVFormatError(f"cannot read as CSV: {err}", path=str(path)) from err
        return scan, self.mapping.resolve(names, str(path))

    def read(self, path: Path, span: DateRange, *, symbol: str | None, only: list[str] | None = None) -> pl.DataFrame:
        """The rows inside ``span`` (and rows without a time, which raise ``CSVFormatError``);
        with ``only``, just the rows of those symbols and the rows with no symbol."""
        source = self.options.load(path)
        text, found = self.columns(path, source)
        frame = self._read_exact(path, source, found, span, symbol, only)
        if frame is None:
            frame = self._collect(self._shape(text, path, found, span, symbol, only, price_columns(found, self.places)), path)
        frame = self.checks(text, path, found).settle(frame, text, span)
        located = pl.lit(str(path), dtype=pl.Categorical).alias("source_file")
        return frame.rename({LINE: "source_line"}).with_columns(located)

    def symbols(self, path: Path) -> set[str]:
        """Every symbol of a long file (its symbol column, trimmed, blanks left out)."""
        scan, found = self.columns(path)
        column = str(found["symbol"])
        try:
            found_symbols = scan.select(symbol_text(column).unique()).collect()
        except READ_ERRORS as err:
            raise CSVFormatError(f"cannot read as CSV: {err}", path=str(path)) from err
        return set(found_symbols.get_column(column).drop_nulls().to_list())

    def _read_exact(
        self,
        path: Path,
        source: Path | bytes,
        found: dict[str, str | None],
        span: DateRange,
        symbol: str | None,
        only: list[str] | None,
    ) -> pl.DataFrame | None:
        """The rows with OHLCV parsed straight into their storage dtypes, or ``None`` when a
        value could lose digits that way or does not convert exactly (the text path decides).

        The proof on the raw bytes runs in a thread while polars parses (it releases the GIL);
        the parse is kept only if the proof holds."""
        if not self.direct_numbers or self.places != 0:
            return None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="csv-proof") as pool:
            proof = pool.submit(numbers_parse_exactly, source, self.header_lines)
            try:
                wide = self.options.scan(path, source, wide_overrides(found))
                frame: pl.DataFrame | None = self._shape(wide, path, found, span, symbol, only, exact_numbers(found)).collect()
            except READ_ERRORS:
                frame = None
            exact = proof.result()
        if not exact or frame is None or frame.get_column(INEXACT).any():
            return None
        return frame.drop(INEXACT)

    def _shape(
        self,
        scan: pl.LazyFrame,
        path: Path,
        found: dict[str, str | None],
        span: DateRange,
        symbol: str | None,
        only: list[str] | None,
        numbers: list[pl.Expr],
    ) -> pl.LazyFrame:
        rows = scan.with_row_index(LINE, offset=self.first_line)
        parsed, times = self.time_stages(scan, path, found)
        staged = [] if parsed is None else [parsed.alias(_PARSED)]
        if symbol is None:
            staged.append(pl.col(str(found["symbol"])).str.strip_chars().alias(_TRIMMED))
        rows = rows.with_columns(staged)  # computed once, in a stage of their own: the next refers to each twice
        symbol_expr = pl.lit(symbol) if symbol is not None else pl.when(pl.col(_TRIMMED) != "").then(pl.col(_TRIMMED))
        keep = in_span(span) | pl.col("timestamp").is_null()
        if only is not None:
            keep = keep & (pl.col("symbol").is_in(only) | pl.col("symbol").is_null())
        shaped = rows.select(pl.col(LINE), symbol_expr.alias("symbol"), times.alias("timestamp"), *numbers).filter(keep)
        if only is None:
            return shaped
        return shaped.with_columns(pl.col("symbol").cast(pl.Enum(list(dict.fromkeys(only)))))  # only those are left

    def times(self, scan: pl.LazyFrame, path: Path, found: dict[str, str | None]) -> pl.Expr:
        """The date column of ``scan`` parsed to UTC microseconds (null where it does not parse)."""
        date_column = str(found["timestamp"])
        if self.days is not None:
            return self.days.times(date_column, path)
        fmt = file_date_format(scan, date_column, self.date_format, path)
        aware = parses_aware(scan, date_column, fmt)
        return time_column(date_column, fmt, aware, self.timezone, self.local.polars_ambiguous)

    def time_stages(self, scan: pl.LazyFrame, path: Path, found: dict[str, str | None]) -> tuple[pl.Expr | None, pl.Expr]:
        """``times`` in two steps: the parse of the date column (``None`` when there is none to
        do) and the expression that turns its result, the column ``_PARSED``, into UTC times."""
        date_column = str(found["timestamp"])
        if self.days is not None:
            return None, self.days.times(date_column, path)
        fmt = file_date_format(scan, date_column, self.date_format, path)
        aware = parses_aware(scan, date_column, fmt)
        parsed = parsed_time(date_column, fmt, aware)
        return parsed, utc_time(pl.col(_PARSED), fmt, aware, self.timezone, self.local.polars_ambiguous)

    def checks(self, text: pl.LazyFrame, path: Path, found: dict[str, str | None]) -> TimeChecks:
        """The checks of the rows of ``path`` left without a time (``csv_time_checks``)."""
        column = str(found["timestamp"])
        fmt = None if self.days is not None else file_date_format(text, column, self.date_format, path)
        aware = fmt is not None and parses_aware(text, column, fmt)
        return TimeChecks(path, column, self.first_line, fmt, self.date_format, aware, self.local, self.days is not None)

    @property
    def first_line(self) -> int:
        """The line number (from 1) of the first data row."""
        return 1 + self.header_lines

    @property
    def header_lines(self) -> int:
        return (1 if self.options.has_header else 0) + self.options.skip_rows

    @staticmethod
    def _collect(shaped: pl.LazyFrame, path: Path) -> pl.DataFrame:
        try:
            return shaped.collect()
        except READ_ERRORS as err:
            raise CSVFormatError(f"cannot read as CSV: {err}", path=str(path)) from err


def symbol_text(column: str) -> pl.Expr:
    """The symbol column trimmed; blank is missing (null), so such rows are rejected by rule."""
    text = pl.col(column).str.strip_chars()
    return pl.when(text != "").then(text)


__all__ = ["LINE", "CsvBarReader", "symbol_text"]
