"""Finding and opening CSV inputs: one file per symbol in a folder, plain, gzip or zip."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from rustybt.adapters.errors import CSVFormatError
from rustybt.domain.errors import InvalidRequestError

EXTENSIONS: tuple[str, ...] = ("", ".csv", ".csv.gz", ".gz", ".zip", ".txt", ".txt.gz")


@dataclass(frozen=True)
class CsvReadOptions:
    """How polars reads the text: everything as strings, so no value is altered on the way."""

    delimiter: str = ","
    has_header: bool = True
    column_names: tuple[str, ...] | None = None
    skip_rows: int = 0
    encoding: str = "utf8"

    def scan(self, path: Path) -> pl.LazyFrame:
        """A lazy scan of ``path``: zip members are read into memory, other files streamed."""
        common: dict[str, Any] = {
            "separator": self.delimiter,
            "has_header": self.has_header,
            "infer_schema": False,
            "skip_rows": self.skip_rows,
            "encoding": self.encoding,
        }
        if self.column_names is not None:
            common["new_columns"] = list(self.column_names)
        if path.suffix.lower() == ".zip":
            data = _zip_member(path)
            if self.column_names is not None and not self.has_header:
                common["extra_columns"] = "ignore"
            return pl.read_csv(io.BytesIO(data), **common).lazy()
        return pl.scan_csv(path, **_scan_args(common))


def _scan_args(common: dict[str, Any]) -> dict[str, Any]:
    args = dict(common)
    names: list[str] | None = args.pop("new_columns", None)
    if names is not None:
        given = list(names)
        args["with_column_names"] = lambda found: given + found[len(given) :]
    return args


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
    """Maps a symbol to its file in ``folder`` (``pattern`` formatted with the symbol, any of
    ``EXTENSIONS``, matched case-insensitively), refusing names that would leave the folder."""

    def __init__(self, folder: Path, pattern: str = "{symbol}") -> None:
        self.folder = folder
        self.pattern = pattern
        self._listing: dict[str, Path] | None = None

    def _files(self) -> dict[str, Path]:
        if self._listing is None:
            self._listing = {p.name.lower(): p for p in self.folder.iterdir() if p.is_file()}
        return self._listing

    def stem(self, symbol: str) -> str:
        name = self.pattern.format(symbol=symbol)
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

    def find(self, symbol: str) -> Path | None:
        """The file holding ``symbol``, or ``None`` when the folder has none."""
        stem = self.stem(symbol)
        files = self._files()
        for ext in EXTENSIONS:
            hit = files.get((stem + ext).lower())
            if hit is not None:
                resolved = hit.resolve()
                if resolved.parent != self.folder.resolve():
                    raise InvalidRequestError(f"file for symbol {symbol!r} resolves outside {self.folder}")
                return hit
        return None

    def symbols(self) -> list[str]:
        """Every symbol with a file in the folder (the file name without its extension)."""
        names = []
        for path in sorted(self._files().values()):
            lower = path.name.lower()
            for ext in sorted(EXTENSIONS, key=len, reverse=True):
                if ext and lower.endswith(ext):
                    names.append(path.name[: -len(ext)])
                    break
        return names


__all__ = ["EXTENSIONS", "CsvReadOptions", "SymbolFiles"]
