"""The one error hierarchy of RustyBT Data.

Every package raises these (or leaves it adds below them); adapters translate backend
errors at the edge and keep the cause (``raise X(...) from err``). Leaves also inherit the
builtin a caller would naturally catch (``ValueError``, ``LookupError``, ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rustybt.domain.validation.report import ValidationReport


class RustyBTDataError(Exception):
    """Root of every error raised by RustyBT Data."""


RustyBTError = RustyBTDataError


# -- bad input -----------------------------------------------------------------------------


class ValidationError(RustyBTDataError, ValueError):
    """Input data broke one or more validation rules.

    ``report`` (when present) holds every violation: rule, symbol, rows and count.
    """

    def __init__(self, message: str, report: ValidationReport | None = None) -> None:
        super().__init__(message)
        self.report = report


class InvalidBarError(ValidationError):
    """A single bar breaks the OHLCV relationships (e.g. high < low)."""


class DecimalConversionError(ValidationError):
    """A value cannot be stored exactly as a Decimal column.

    Names the symbol, the time, the column and the row so the user can find the value.
    """

    def __init__(
        self,
        message: str,
        *,
        column: str,
        reason: str,
        symbol: str | None = None,
        when: str | None = None,
        row: int | None = None,
        value: str | None = None,
    ) -> None:
        super().__init__(message)
        self.column = column
        self.reason = reason
        self.symbol = symbol
        self.when = when
        self.row = row
        self.value = value


class SchemaMismatchError(ValidationError):
    """A frame does not have the columns or dtypes a port requires."""


class InvalidResolutionError(RustyBTDataError, ValueError):
    """A resolution string is not one of the supported resolutions."""


class InvalidDateRangeError(RustyBTDataError, ValueError):
    """A date range is malformed (start after end, unparseable date)."""


class InvalidRequestError(RustyBTDataError, ValueError):
    """A call's arguments are invalid (empty symbol list, bad identifier, ...)."""


class UnknownFieldError(InvalidRequestError, KeyError):
    """A requested field is not one of open, high, low, close, volume."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ConfigurationError(RustyBTDataError, ValueError):
    """A configuration key has a bad value; the message names the key and the allowed values."""


# -- lookups -------------------------------------------------------------------------------


class NotFoundError(RustyBTDataError, LookupError):
    """Base for lookups that found nothing."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class SymbolNotFoundError(NotFoundError):
    """One or more symbols are unknown to a data source or the catalog."""

    def __init__(self, symbols: Sequence[str] | str, where: str | None = None, known: Sequence[str] | None = None) -> None:
        self.symbols: tuple[str, ...] = (symbols,) if isinstance(symbols, str) else tuple(symbols)
        listed = ", ".join(repr(s) for s in self.symbols)
        suffix = f" in {where}" if where else ""
        offered = ""
        if known is not None:
            shown = ", ".join(list(known)[:20]) + (f" and {len(known) - 20} more" if len(known) > 20 else "")
            offered = f"; it has: {shown}" if known else "; it has no symbols"
        super().__init__(f"unknown symbol(s){suffix}: {listed}{offered}")


class UnknownSidError(NotFoundError):
    """One or more sids have no bars in a store and no asset in the catalog."""

    def __init__(self, sids: Sequence[int] | int, where: str | None = None) -> None:
        self.sids: tuple[int, ...] = (sids,) if isinstance(sids, int) else tuple(sids)
        suffix = f" in {where}" if where else ""
        super().__init__(f"unknown sid(s){suffix}: {', '.join(str(s) for s in self.sids)}")


class DatasetNotFoundError(NotFoundError):
    """No dataset has the given id."""

    def __init__(self, dataset_id: str, hint: str | None = None) -> None:
        self.dataset_id = dataset_id
        super().__init__(f"no dataset with id {dataset_id!r}" + (f": {hint}" if hint else ""))


DatasetNotFound = DatasetNotFoundError


class BundleNotFoundError(NotFoundError):
    """No bundle of that name exists under the RustyBT home."""


# -- storage and integrity ------------------------------------------------------------------


class StorageError(RustyBTDataError, OSError):
    """Reading or writing stored bars failed (disk full, permissions, unreadable file)."""


class CorruptDataError(StorageError):
    """A stored file is damaged or does not match its recorded checksum."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class CatalogError(RustyBTDataError):
    """The metadata catalog could not complete an operation."""


class SchemaVersionError(CatalogError):
    """A database or file was written by a newer version of RustyBT Data than this one."""


class CacheError(RustyBTDataError):
    """The cache could not complete an operation (never raised for a mere miss)."""


# -- sources --------------------------------------------------------------------------------


class DataSourceError(RustyBTDataError):
    """A data source failed to deliver bars."""


class SourceUnavailableError(DataSourceError, ConnectionError):
    """The source could not be reached (network down, server error after all retries)."""


class RateLimitedError(SourceUnavailableError):
    """The source kept refusing requests for exceeding its rate limit."""


class UnknownSourceError(DataSourceError, LookupError):
    """A source or exchange name is not known (e.g. ``ccxt:nosuchexchange``)."""


class NotInstalledError(RustyBTDataError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""


# -- versioned store --------------------------------------------------------------------------


class CommitConflictError(CatalogError, RuntimeError):
    """A commit lost the race: its base version is no longer the head, or a file it removes is
    no longer live. Nothing was committed; retry on the new head (``head``) or give up.
    ``files`` names the files that were no longer live (empty for a moved head)."""

    def __init__(self, message: str, *, table: str, base: int, head: int, files: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.table = table
        self.base = base
        self.head = head
        self.files: tuple[str, ...] = tuple(files)


class UnknownVersionError(NotFoundError):
    """A store table has no version with that number."""


class VersionExpiredError(NotFoundError):
    """The version existed but vacuum expired it; its files may be gone."""


class AsOfBeforeFirstVersionError(NotFoundError):
    """An ``as_of`` time lies before the first version of a store table."""


class BacktestNotFoundError(NotFoundError):
    """No backtest run was recorded under that id."""


class VersionPinnedError(CatalogError, PermissionError):
    """Expiring a version would drop one a backtest is linked to (allowed only when forced)."""
