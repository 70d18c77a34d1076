"""``CSVAdapter``: bars from CSV files (one per symbol, or one long file with a symbol column)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path

import polars as pl
from typing_extensions import override

from rustybt.adapters.base import BaseDataAdapter
from rustybt.adapters.csv_actions import empty_actions, read_actions
from rustybt.adapters.csv_columns import SchemaMapping, parse_scale
from rustybt.adapters.csv_days import FileDays
from rustybt.adapters.csv_files import CsvReadOptions, SymbolFiles
from rustybt.adapters.csv_local_times import LocalTimes
from rustybt.adapters.csv_reader import CsvBarReader
from rustybt.adapters.csv_spans import whole_span, why_no_bars
from rustybt.adapters.frames import empty_bars, order_bars, raw_columns
from rustybt.domain.assets import AssetType, check_symbol
from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import ConfigurationError, SymbolNotFoundError
from rustybt.domain.resolution import Resolution
from rustybt.domain.schemas import FIELDS
from rustybt.domain.validation import ValidationConfig


class CSVAdapter(BaseDataAdapter):
    """Reads bars from CSV text, keeping every value as text until the exact Decimal conversion.

    ``path`` is a folder of per-symbol files (``file_pattern`` names them; ``.csv``, ``.gz``,
    ``.zip`` found automatically), a long file with ``schema_mapping["symbol_column"]``, or a
    single-symbol file with ``symbol=``; ``files`` maps symbols to files explicitly. Files are
    scanned lazily: only rows of the asked symbols and span are materialised.

    A ``file_pattern`` such as ``"{symbol}/*_trade.zip"`` gives each symbol a sub-folder of day
    files; with ``date_from_filename="%Y%m%d"`` the day comes from the start of each file name
    and the date column holds the time since that midnight (``date_format="epoch_ms"``), as in
    LEAN's intraday data. Day files outside the asked span are not opened.

    ``date_format="epoch"`` reads numbers since 1970 in the unit their magnitude shows (per
    file); ``epoch_s``/``epoch_ms``/``epoch_us``/``epoch_ns`` fix it. Times written without an
    offset are local to ``timezone``; on its daylight-saving days ``ambiguous`` and
    ``nonexistent`` decide (``csv_local_times``).
    """

    symbols_per_fetch = None

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        name: str = "csv",
        schema_mapping: Mapping[str, str | None] | SchemaMapping | None = None,
        date_format: str | None = "%Y-%m-%d",
        delimiter: str = ",",
        timezone: str = "UTC",
        ambiguous: str = "raise",
        nonexistent: str = "raise",
        has_header: bool = True,
        column_names: Sequence[str] | None = None,
        price_scale: int | str | Decimal = 1,
        resolution: Resolution | str = Resolution.D1,
        symbol: str | None = None,
        files: Mapping[str, str | Path] | None = None,
        file_pattern: str = "{symbol}",
        date_from_filename: str | None = None,
        skip_rows: int = 0,
        encoding: str = "utf8",
        exchange: str | None = None,
        asset_type: AssetType | str = AssetType.EQUITY,
        validation: ValidationConfig | None = None,
    ) -> None:
        super().__init__(validation=validation)
        if path is None and not files:
            raise ConfigurationError("CSVAdapter needs `path` (a file or folder) or `files` (symbol → file)")
        self.path = Path(path) if path is not None else None
        self.name = name
        self.mapping = SchemaMapping.of(schema_mapping)
        self.date_format = date_format
        self.timezone = timezone
        local = LocalTimes(timezone, ambiguous, nonexistent)  # checks the zone and both choices
        self.places = parse_scale(price_scale)
        self.resolution = Resolution.parse(resolution)
        self.symbol = symbol
        self.files = {check_symbol(s): Path(p) for s, p in (files or {}).items()}
        self.options = CsvReadOptions.checked(delimiter, has_header, column_names, skip_rows, encoding)
        self._exchange = exchange
        self.default_asset_type = AssetType.parse(asset_type)
        self._folder = SymbolFiles(self.path, file_pattern) if self.path is not None and self.path.is_dir() else None
        if self.path is not None and self._folder is None and not self.path.is_file():
            raise ConfigurationError(f"CSV path {self.path} is neither a file nor a folder")
        self._long_symbols: dict[tuple[str, int, int], set[str]] = {}
        days = FileDays(date_from_filename, date_format, timezone) if date_from_filename else None
        self._days = days
        self.reader = CsvBarReader(
            self.options, self.mapping, date_format, timezone, self.places, days, ambiguous=local.ambiguous, nonexistent=local.nonexistent
        )

    @property
    @override
    def source_name(self) -> str:
        return f"csv:{self.name}"

    @property
    @override
    def exchange(self) -> str:
        return self._exchange or self.source_name

    @override
    def supported_resolutions(self) -> tuple[Resolution, ...]:
        return (self.resolution,)

    @property
    def is_long(self) -> bool:
        return self.mapping.symbol_column is not None

    @override
    async def fetch_raw(self, symbols: Sequence[str], span: DateRange, resolution: Resolution) -> pl.DataFrame:
        self.check_resolution(resolution)
        names = list(dict.fromkeys(check_symbol(s) for s in symbols))
        return await asyncio.to_thread(self._fetch_blocking, names, span)

    def _fetch_blocking(self, names: list[str], span: DateRange) -> pl.DataFrame:
        if self.is_long and self.path is not None and self._folder is None:
            frame = self._read_long(self.path, names, span)
        else:
            sources = self._per_symbol_files(names)
            frames = [
                self.reader.read(path, span, symbol=name)
                for name, paths in sources.items()
                for path in paths
                if self._days is None or self._days.overlaps(path, span)
            ]
            frame = _combined(frames) if frames else empty_bars()
        return order_bars(raw_columns(frame), names) if not frame.is_empty() else empty_bars()

    @override
    async def fetch_corporate_actions(self, symbols: Sequence[str], span: DateRange) -> pl.DataFrame:
        """Dividends and splits from the files' dividend and split columns (zipline's csvdir
        layout), ex-dates inside ``span``; none when the files have no such columns."""
        names = list(dict.fromkeys(check_symbol(s) for s in symbols))
        return await asyncio.to_thread(self._actions_blocking, names, span)

    def _actions_blocking(self, names: list[str], span: DateRange) -> pl.DataFrame:
        if self.is_long and self.path is not None and self._folder is None:
            missing = [n for n in names if n not in self._symbols_in(self.path)]
            if missing:
                raise SymbolNotFoundError(missing, f"{self.source_name} ({self.path})", sorted(self._symbols_in(self.path)))
            frames = [read_actions(self.reader, self.path, span, symbol=None, only=names)]
        else:
            frames = [
                read_actions(self.reader, path, span, symbol=name)
                for name, paths in self._per_symbol_files(names).items()
                for path in paths
                if self._days is None or self._days.overlaps(path, span)
            ]
        found = [f for f in frames if not f.is_empty()]
        return pl.concat(found).sort("symbol", "date", "action") if found else empty_actions()

    @override
    async def explain_no_bars(self, symbols: Sequence[str], span: DateRange, resolution: Resolution) -> str | None:
        names = list(dict.fromkeys(check_symbol(s) for s in symbols))
        return await asyncio.to_thread(why_no_bars, self._fetch_blocking, names, self.date_format)

    def available_span(self, symbols: Sequence[str]) -> DateRange | None:
        """From the first to the last bar the files of ``symbols`` hold (``None``: none)."""
        return whole_span(self._fetch_blocking, list(dict.fromkeys(check_symbol(s) for s in symbols)))

    def available_symbols(self) -> list[str]:
        """Every symbol this source can serve."""
        if self.files:
            return list(self.files)
        if self._folder is not None:
            return self._folder.symbols()
        if self.is_long and self.path is not None:
            return sorted(self._symbols_in(self.path))
        return [self.symbol or self.path.stem.split(".")[0]] if self.path is not None else []

    def _per_symbol_files(self, names: list[str]) -> dict[str, list[Path]]:
        found: dict[str, list[Path]] = {}
        missing: list[str] = []
        for name in names:
            if name in self.files:
                found[name] = [self.files[name]]
            elif self._folder is not None:
                hits = self._folder.find(name)
                if hits:
                    found[name] = hits
                else:
                    missing.append(name)
            elif self.path is not None and name == (self.symbol or self.path.stem.split(".")[0]):
                found[name] = [self.path]
            else:
                missing.append(name)
        if missing:
            raise SymbolNotFoundError(missing, self.source_name, self.available_symbols())
        return found

    def _symbols_in(self, path: Path) -> set[str]:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
        if key not in self._long_symbols:
            self._long_symbols[key] = self.reader.symbols(path)
        return self._long_symbols[key]

    def _read_long(self, path: Path, names: list[str], span: DateRange) -> pl.DataFrame:
        """The rows of ``names`` (and rows with no symbol, when the file holds no other symbol)
        in one pass; the file's symbols are listed (a second pass) only when a name has no row
        in the span or a row has no symbol."""
        frame = self.reader.read(path, span, symbol=None, only=names)
        symbols = frame.get_column("symbol")
        found = set(symbols.drop_nulls().unique().to_list())
        if found >= set(names) and not symbols.has_nulls():
            return frame
        known = self._symbols_in(path)
        missing = [n for n in names if n not in known]
        if missing:
            raise SymbolNotFoundError(missing, f"{self.source_name} ({path})", sorted(known))
        return frame if known <= set(names) else frame.filter(pl.col("symbol").is_not_null())


def _combined(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """The frames of several files as one; when some kept their numbers as text (a file the
    direct parse could not take), all do, as exact decimal text."""
    if len({tuple(f.schema.items()) for f in frames}) > 1:
        frames = [f.with_columns(pl.col(*FIELDS).cast(pl.String)) for f in frames]
    return pl.concat(frames)


__all__ = ["CSVAdapter"]
