"""Checks on the arguments of catalog calls, done before any database work."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rustybt.catalog.sqlite.tables import STATUSES
from rustybt.domain.assets import check_symbol
from rustybt.domain.dataset import SymbolRange
from rustybt.domain.errors import InvalidDateRangeError, InvalidRequestError

MAX_KEY_BYTES = 2000
"""Longest symbol or exchange, in UTF-8 bytes: indexed values must fit PostgreSQL's btree
row limit (2704 bytes) together with the dataset id or the other half of (exchange, symbol)."""


def stored_symbol(symbol: object, where: str = "symbol") -> str:
    """``symbol`` if it is a usable symbol that fits the catalog's indexes."""
    checked = check_symbol(symbol, where=where)
    size = len(checked.encode("utf-8", "surrogatepass"))
    if size > MAX_KEY_BYTES:
        raise InvalidRequestError(
            f"{where} is {size} bytes in UTF-8 ({checked[:20]!r}...); the catalog stores at most {MAX_KEY_BYTES}"
        )
    return checked


def exchange_arg(exchange: object) -> str:
    """``exchange`` if it is a non-empty string that fits the catalog's indexes."""
    checked = text_arg(exchange, "exchange")
    if len(checked.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES // 4:
        raise InvalidRequestError(f"exchange {checked[:20]!r}... is longer than {MAX_KEY_BYTES // 4} bytes in UTF-8")
    return checked


def storable_text(value: str) -> bool:
    """Whether every database the catalog runs on can store ``value`` (UTF-8, no NUL)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in value


def text_arg(value: object, name: str) -> str:
    """``value`` if it is a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequestError(f"{name} must be a non-empty string, not {value!r}")
    return value


def symbol_list(symbols: Iterable[str], name: str = "symbols", *, allow_empty: bool = False) -> tuple[str, ...]:
    """The symbols, each checked, without repeats, in the order given; at least one unless
    ``allow_empty``."""
    if isinstance(symbols, str):
        raise InvalidRequestError(f"{name} must be a list of symbols, not the string {symbols!r}")
    names = tuple(dict.fromkeys(stored_symbol(s, where=f"{name}[{i}]") for i, s in enumerate(symbols)))
    if not names and not allow_empty:
        raise InvalidRequestError(f"{name} is empty: give at least one symbol")
    return names


def count_arg(value: object, name: str) -> int:
    """``value`` if it is a non-negative integer."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidRequestError(f"{name} must be a non-negative integer, not {value!r}")
    return value


def status_arg(value: object) -> str:
    if value not in STATUSES:
        raise InvalidRequestError(f"status must be one of {', '.join(map(repr, STATUSES))}, not {value!r}")
    return str(value)


def file_checksum_map(files: Mapping[str, str] | None) -> dict[str, str]:
    """Per-file checksums keyed by non-empty relative path."""
    checked: dict[str, str] = {}
    for path, digest in (files or {}).items():
        text_arg(path, "a file path in file_checksums")
        checked[path] = text_arg(digest, f"the checksum of file {path!r}")
    return checked


def range_list(ranges: Sequence[SymbolRange], symbols: Iterable[str]) -> tuple[SymbolRange, ...]:
    """Per-symbol ranges: one per symbol at most, each for a symbol of the dataset."""
    known = set(symbols)
    seen: set[str] = set()
    for r in ranges:
        if not isinstance(r, SymbolRange):
            raise InvalidRequestError(f"date_ranges must hold SymbolRange values, not {type(r).__name__}")
        if r.symbol not in known:
            raise InvalidRequestError(f"date range for symbol {r.symbol!r}, which is not one of the dataset's symbols")
        if r.symbol in seen:
            raise InvalidRequestError(f"two date ranges for symbol {r.symbol!r}")
        if r.start > r.end:
            raise InvalidDateRangeError(f"date range of symbol {r.symbol!r}: start {r.start} is after end {r.end}")
        count_arg(r.bar_count, f"bar_count of symbol {r.symbol!r}")
        seen.add(r.symbol)
    return tuple(ranges)
