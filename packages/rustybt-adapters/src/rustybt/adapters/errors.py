"""Errors the adapters add below the domain hierarchy."""

from __future__ import annotations

from rustybt.domain.errors import ValidationError


class CSVFormatError(ValidationError):
    """A CSV file cannot be read as bars: malformed rows, missing columns, unparseable dates.

    ``path``, ``line`` (1-based, counting the header) and ``column`` say where, when known.
    """

    def __init__(self, message: str, *, path: str, line: int | None = None, column: str | None = None) -> None:
        where = path if line is None else f"{path}, line {line}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.column = column


__all__ = ["CSVFormatError"]
