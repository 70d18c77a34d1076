"""Finding and opening CSV inputs: one file per symbol in a folder, plain, gzip or zip."""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from rustybt.adapters.errors import CSVFormatError
from rustybt.domain.errors import ConfigurationError, InvalidRequestError

EXTENSIONS: tuple[str, ...] = ("", ".csv", ".csv.gz", ".gz", ".zip", ".txt", ".txt.gz")
ENCODINGS: tuple[str, ...] = ("utf8", "utf8-lossy")
MAX_SKIP_ROWS = 2**31 - 1


@dataclass(frozen=True)
class CsvReadOptions:
    """How polars reads the text: everything as strings (so no value is altered on the way)
    unless ``overrides`` name columns proven safe to parse directly."""

    delimiter: str = ","
    has_header: bool = True
    column_names: tuple[str, ...] | None = None
    skip_rows: int = 0
    encoding: str = "utf8"

    @classmethod
    def checked(
        cls, delimiter: object, has_header: object, column_names: object, skip_rows: object, encoding: object
    ) -> CsvReadOptions:
        """The options, each checked: ``ConfigurationError`` naming the one that is wrong."""
        if not isinstance(delimiter, str) or len(delimiter.encode("utf-8", "surrogatepass")) != 1 or delimiter in "\r\n\"":
            raise ConfigurationError(f"delimiter must be one single-byte character other than a quote or line break, not {delimiter!r}")
        if not isinstance(has_header, bool):
            raise ConfigurationError(f"has_header must be true or false, not {has_header!r}")
        names: tuple[str, ...] | None = None
        if column_names is not None:
            if not isinstance(column_names, (list, tuple)) or not all(isinstance(c, str) and c for c in column_names):
                raise ConfigurationError(f"column_names must be a list of non-empty names, not {column_names!r}")
            names = tuple(column_names) or None
        if isinstance(skip_rows, bool) or not isinstance(skip_rows, int) or not 0 <= skip_rows <= MAX_SKIP_ROWS:
            raise ConfigurationError(f"skip_rows must be a whole number from 0 to {MAX_SKIP_ROWS}, not {skip_rows!r}")
        if encoding not in ENCODINGS:
            raise ConfigurationError(f"encoding must be one of {', '.join(ENCODINGS)}, not {encoding!r}")
        return cls(delimiter, has_header, names, skip_rows, encoding)

    def load(self, path: Path) -> Path | bytes:
        """What the CSV reader reads: the plain file itself, or the bytes of a zip member or of
        a gzip file, decompressed."""
        suffix = path.suffix.lower()
        if suffix == ".zip":
            return _zip_member(path)
        if suffix == ".gz":
            return _gunzip(path)
        return path

    def scan(
        self, path: Path, source: Path | bytes | None = None, overrides: Mapping[str, pl.DataType] | None = None
    ) -> pl.LazyFrame:
        """A lazy scan of ``path`` (or of ``source``, its ``load``-ed content); ``overrides``
        parse the named columns into other dtypes instead of text."""
        data = self.load(path) if source is None else source
        common: dict[str, Any] = {
            "separator": self.delimiter,
            "has_header": self.has_header,
            "infer_schema": False,
            "skip_rows": self.skip_rows,
            "encoding": self.encoding,
        }
        if overrides:
            common["schema_overrides"] = dict(overrides)
        if self.column_names is not None:
            common["new_columns"] = list(self.column_names)
        if path.suffix.lower() == ".zip" and isinstance(data, bytes):
            if self.column_names is not None and not self.has_header:
                common["extra_columns"] = "ignore"
            return pl.read_csv(io.BytesIO(data), **common).lazy()
        return pl.scan_csv(io.BytesIO(data) if isinstance(data, bytes) else data, **_scan_args(common))


def _scan_args(common: dict[str, Any]) -> dict[str, Any]:
    args = dict(common)
    names: list[str] | None = args.pop("new_columns", None)
    if names is not None:
        given = list(names)
        args["with_column_names"] = lambda found: given + found[len(given) :]
    return args


def _gunzip(path: Path) -> bytes:
    try:
        return gzip.decompress(path.read_bytes())
    except (OSError, EOFError, zlib.error) as err:
        raise CSVFormatError(f"not a readable gzip file ({err})", path=str(path)) from err


def _zip_member(path: Path) -> bytes:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if not m.endswith("/") and not Path(m).name.startswith(".")]
            if len(members) != 1:
                raise CSVFormatError(
                    f"a zip input must hold exactly one file, found {len(members)}: {members[:5]}", path=str(path)
                )
            return archive.read(members[0])
    except zipfile.BadZipFile as err:
        raise CSVFormatError(f"not a readable zip archive ({err})", path=str(path)) from err


class SymbolFiles:
    """Maps a symbol to its files in ``folder``, refusing names that would leave the folder.

    ``pattern`` is formatted with the symbol. Without a ``/`` it names one file (any of
    ``EXTENSIONS``, matched case-insensitively). With one, as in ``"{symbol}/*_trade.zip"``
    (LEAN's intraday layout), the part before it names the symbol's own sub-folder and the part
    after is a glob matching every file of that symbol (one per day, in name order).
    """

    def __init__(self, folder: Path, pattern: str = "{symbol}") -> None:
        self.folder = folder
        self.pattern = pattern
        if not isinstance(pattern, str) or pattern.count("{symbol}") < 1 or _formats_badly(pattern):
            raise ConfigurationError(f"file_pattern must name the symbol as {{symbol}} (e.g. '{{symbol}}' or '{{symbol}}/*_trade.zip'), not {pattern!r}")
        head, slash, tail = pattern.partition("/")
        self._subfolder = head if slash else None
        self._glob = tail
        if slash and (not tail or "/" in tail or "\\" in tail or ".." in tail):
            raise ConfigurationError(f"file_pattern {pattern!r}: after '{{symbol}}/' give one file glob such as '*.zip'")
        self._listing: dict[str, Path] | None = None

    def _entries(self) -> dict[str, Path]:
        if self._listing is None:
            wanted_dirs = self._subfolder is not None
            self._listing = {p.name.lower(): p for p in self.folder.iterdir() if (p.is_dir() if wanted_dirs else p.is_file())}
        return self._listing

    def stem(self, symbol: str) -> str:
        name = (self._subfolder or self.pattern).format(symbol=symbol)
        if (
            not name
            or "/" in name
            or "\\" in name
            or "\x00" in name
            or name in (".", "..")
            or name.startswith(".")
            or Path(name).name != name
        ):
            raise InvalidRequestError(
                f"symbol {symbol!r} does not name a file inside {self.folder} (file name {name!r} is not allowed)"
            )
        return name

    def find(self, symbol: str) -> list[Path]:
        """Every file holding ``symbol`` (empty when the folder has none), in name order."""
        stem = self.stem(symbol)
        entries = self._entries()
        if self._subfolder is not None:
            hit = entries.get(stem.lower())
            if hit is None:
                return []
            self._inside(hit, self.folder, symbol)
            files = sorted(p for p in hit.glob(self._glob.format(symbol=symbol)) if p.is_file() and not p.name.startswith("."))
            for path in files:
                self._inside(path, hit, symbol)
            return files
        for ext in EXTENSIONS:
            hit = entries.get((stem + ext).lower())
            if hit is not None:
                self._inside(hit, self.folder, symbol)
                return [hit]
        return []

    def _inside(self, path: Path, parent: Path, symbol: str) -> None:
        if path.resolve().parent != parent.resolve():
            raise InvalidRequestError(f"file for symbol {symbol!r} resolves outside {self.folder}")

    def symbols(self) -> list[str]:
        """Every symbol with a file in the folder (the file or sub-folder name without the rest
        of the pattern)."""
        if self._subfolder is not None:
            prefix, _, suffix = self._subfolder.partition("{symbol}")
            names = [p.name[len(prefix) : len(p.name) - len(suffix)] for p in sorted(self._entries().values())]
            return [n for n in names if n and self.find(n)]
        prefix, _, suffix = self.pattern.partition("{symbol}")
        names = []
        for path in sorted(self._entries().values()):
            lower = path.name.lower()
            for ext in sorted(EXTENSIONS, key=len, reverse=True):
                if ext and lower.endswith(ext):
                    stem = path.name[: -len(ext)]
                    if stem.lower().startswith(prefix.lower()) and stem.lower().endswith(suffix.lower()):
                        names.append(stem[len(prefix) : len(stem) - len(suffix)])
                    break
        return [n for n in names if n]


def _formats_badly(pattern: str) -> bool:
    try:
        pattern.format(symbol="X")
    except (KeyError, IndexError, ValueError, AttributeError):
        return True
    return False


__all__ = ["ENCODINGS", "EXTENSIONS", "CsvReadOptions", "SymbolFiles"]
